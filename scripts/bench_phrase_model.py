#!/usr/bin/env python3
"""The phrase model alone, at several thresholds: recall and false accepts per hour.

    .venv/bin/python scripts/bench_phrase_model.py [--quick] [--replies] [--model FILE]
        [--cache DIR] [--conditions CONDITION ...]

The hearing benchmark (phrase_streams.py) measures the whole recognizer; this one isolates
the phrase model (hearing/phrase_model.py) on the same corpus: the request streams of
bench_hearing (every request phrase said by its voices inside other talk, in its
conditions) and hours of its talk without a phrase. Each recording is embedded once; the
model then scores every 2 s window, and a run of the spotter's rule (a phrase's group
over the threshold, 1.5 s cooldown) is counted at each threshold. As in bench_hearing, a
phrase counts as heard when its intent is found ending inside it or within a second
after it, and a false accept is a time-out, breathe or ground request found in the talk
(the others are ignored with no session running). With --cache the embeddings are kept,
so comparing models (--model, a file `pausebuddy learn --output` wrote) takes seconds.
With --replies it measures the reply model on the reply streams.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import defaultdict
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from pausebuddy import audio
from pausebuddy.config import Config
from pausebuddy.hearing.embeddings import SpeechEmbedder, end_s
from pausebuddy.hearing.phrase_model import (
    WINDOW,
    PhraseModel,
    find_model,
    grouping,
    intent_groups,
    reply_phrases,
    request_phrases,
    spot,
    windows,
)
from pausebuddy.phrases import Intent, PhraseBook
from pausebuddy.synth import backdrop, corpus, phrase_streams, voices

THRESHOLDS = (0.5, 0.7, 0.8, 0.85, 0.9, 0.95)
CHUNK_S = 600

_EMBEDDER: SpeechEmbedder | None = None


def _embed(samples: np.ndarray) -> np.ndarray:
    global _EMBEDDER
    if _EMBEDDER is None:
        _EMBEDDER = SpeechEmbedder()
    return _EMBEDDER.embed(samples)


def job_positive(args: tuple) -> str:
    """Embeddings of one voice's request (or reply) stream in one condition, saved to a
    file."""
    index, speaker, condition, folder, replies = args
    kind_of = "replies" if replies else "requests"
    path = Path(folder) / f"positive-{index}-{condition.replace(' ', '_')}-{kind_of}.npz"
    if not path.exists():
        stream = phrase_streams.build_streams(speaker, Config(), seed=100 + index)[int(replies)]
        _, kind, value = next(c for c in phrase_streams.CONDITIONS if c[0] == condition)
        noises = (
            {kind: np.load(Path(folder) / f"{kind}.npy")} if kind in phrase_streams.NOISES else {}
        )
        stream = phrase_streams.in_condition(stream, kind, value, noises)
        marks = np.array([(i.value, s, e) for i, _, s, e in stream.marks], dtype=object)
        np.savez(
            path,
            embedded=_embed(stream.samples),
            marks=marks,
            voice=speaker.label,
            condition=condition,
        )
    return str(path)


def job_negative(args: tuple) -> str:
    chunk, seconds, speakers, folder = args
    path = Path(folder) / f"negative-{chunk}-{int(seconds)}.npz"
    if not path.exists():
        samples = np.concatenate(list(corpus.talk_pieces(speakers, seconds, seed=1000 + chunk)))
        if chunk % 2 == 1:
            samples = backdrop.mix(samples, np.load(Path(folder) / "pink.npy"), 20)
        np.savez(path, embedded=_embed(samples), seconds=len(samples) / audio.RATE_HZ)
    return str(path)


def spotted(sure: np.ndarray, threshold: float) -> list[tuple[int, float]]:
    """The spotter's rule (phrase_model.spot) on a whole recording: (group, end_s) of
    each detection."""
    ends = end_s(np.arange(len(sure)) + WINDOW - 1)
    samples = (ends * audio.RATE_HZ).astype(int)
    return [(group, float(ends[row])) for row, group in spot(sure, samples, threshold, {})]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="bench_hearing's quick corpus: 2 voices, 3 conditions, 1 h of talk",
    )
    parser.add_argument(
        "--negative-hours",
        type=float,
        default=None,
        help="hours of talk without a phrase (default 5, quick 1)",
    )
    parser.add_argument(
        "--model",
        type=Path,
        action="append",
        default=[],
        help="a phrase model file (default: the one the config's phrases"
        " use); more than one compares them",
    )
    parser.add_argument(
        "--cache", type=Path, default=None, help="keep the embeddings here and reuse them"
    )
    parser.add_argument(
        "--replies",
        action="store_true",
        help="the reply model (stop, next, five more minutes ...) on the"
        " reply streams; a false accept is then any reply found in"
        " the talk (in a session every reply is acted on)",
    )
    parser.add_argument(
        "--conditions",
        nargs="+",
        metavar="CONDITION",
        help="only these of bench_hearing's conditions (e.g. clean"
        " 'babble 10 dB'), to compare models where they differ",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    config = Config()
    book = PhraseBook(config.phrases)
    models = [PhraseModel.load(path) for path in args.model]
    if not models:
        model = find_model(reply_phrases(book) if args.replies else request_phrases(book))
        if model is None:
            print("No phrase model for the configured phrases: run `pausebuddy learn`.")
            return 1
        models = [model]
    speakers = [voices.SPEAKERS[i] for i in (0, 4)] if args.quick else voices.SPEAKERS
    conditions = [
        c[0]
        for c in phrase_streams.CONDITIONS
        if not args.quick or c[0] in phrase_streams.QUICK_CONDITIONS
    ]
    if args.conditions:
        conditions = [c for c in conditions if c in args.conditions]
    negative_s = 3600 * (args.negative_hours or (1 if args.quick else 5))
    folder = args.cache or Path(tempfile.mkdtemp(prefix="pausebuddy-bench-phrase-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    print("Embedding the benchmark's phrase streams and talk ...", flush=True)
    for name, color in (("pink", "pinknoise"), ("brown", "brownnoise")):
        if not (folder / f"{name}.npy").exists():
            np.save(folder / f"{name}.npy", backdrop.noise(color, 60))
    # The same voices and seeds as bench_hearing's.
    for name, make, seed in (
        ("babble", backdrop.babble, 7),
        ("partner", backdrop.partner, 8),
        ("music", backdrop.music, 9),
    ):
        if not (folder / f"{name}.npy").exists():
            np.save(folder / f"{name}.npy", make(120, seed))
    with Pool(args.jobs) as pool:
        positive_paths = pool.map(
            job_positive,
            [
                (i, s, c, str(folder), args.replies)
                for i, s in enumerate(speakers)
                for c in conditions
            ],
            chunksize=1,
        )
        chunks = int(np.ceil(negative_s / CHUNK_S))
        negative_paths = pool.map(
            job_negative,
            [
                (k, min(CHUNK_S, negative_s - k * CHUNK_S), speakers, str(folder))
                for k in range(chunks)
            ],
            chunksize=1,
        )
    print(f"  {(time.monotonic() - started) / 60:.1f} min\n")

    for model in models:
        order, groups = intent_groups(model, book)
        sums = grouping(groups)

        def sure(embedded: np.ndarray, model=model, sums=sums) -> np.ndarray:
            runs = windows(embedded)
            return model.probabilities(runs) @ sums if len(runs) else np.zeros((0, sums.shape[1]))

        positives = []
        for path in positive_paths:
            with np.load(path, allow_pickle=True) as data:
                positives.append((sure(data["embedded"]), data["marks"], str(data["condition"])))
        negatives, hours = [], 0.0
        for path in negative_paths:
            with np.load(path) as data:
                negatives.append(sure(data["embedded"]))
                hours += float(data["seconds"]) / 3600

        print(f"Model: {model.about}")
        header = [
            "threshold",
            "recall",
            *conditions,
            "false accepts per hour",
            "other detections in the phrase streams",
        ]
        print("| " + " | ".join(header) + " |\n|" + " --- |" * len(header))
        by_intent = defaultdict(list)
        for threshold in THRESHOLDS:
            by_condition, extra = defaultdict(list), 0
            for scores, marks, condition in positives:
                found = [
                    (order[group], 0.0, 0.0, at, 0.0, None)
                    for group, at in spotted(scores, threshold)
                ]
                stream = phrase_streams.Stream(
                    np.zeros(0), [(Intent(i), "", s, e) for i, s, e in marks], False
                )
                results, wrong = phrase_streams.score(stream, found)
                by_condition[condition] += [heard for _, _, heard, *_ in results]
                extra += wrong
                if threshold == Config().hearing.phrase_threshold:
                    for intent, _, heard, *_ in results:
                        by_intent[intent.value].append(heard)
            every = [ok for oks in by_condition.values() for ok in oks]
            false = sum(
                args.replies or order[group] in phrase_streams.IDLE
                for scores in negatives
                for group, _ in spotted(scores, threshold)
            )
            cells = [f"{threshold}", f"{sum(every)}/{len(every)} ({100 * np.mean(every):.1f}%)"]
            cells += [f"{100 * np.mean(by_condition[c]):.0f}%" for c in conditions]
            cells += [f"{false / hours:.2f} ({false} in {hours:.1f} h)", str(extra)]
            print("| " + " | ".join(cells) + " |")
        # Per intent at the default threshold: a model learned for other phrases is
        # compared on the intents both hear.
        print(f"\nRecall by intent at {Config().hearing.phrase_threshold}:")
        for intent, oks in sorted(by_intent.items()):
            print(f"  {intent}: {sum(oks)}/{len(oks)} ({100 * np.mean(oks):.0f}%)")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
