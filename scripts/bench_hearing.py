#!/usr/bin/env python3
"""The hearing benchmark: does it hear every configured phrase, and only those? One table.

    .venv/bin/python scripts/bench_hearing.py [--quick] [--jobs 2] [--negative-hours 5]
        [--conditions CONDITION ...] [--reply-conditions CONDITION ...]
        [--session-only]

Everything is synthesized now (pausebuddy.synth.corpus):
- positives: every configured phrase of every intent, said by each of 8 voices (Piper and
  espeak-ng variants: male, female, accents, speeds, pitches) inside a stream of other
  talk. Requests come after the wake word ("pause buddy, let's breathe") and are heard
  with no session running; replies ("stop", "we're ready") are said alone and heard while
  a reply is expected. The requests are heard clean, with pink noise, brown noise and
  babble (three other voices talking) at 20, 10 and 5 dB below the speech, and at 0.9x
  and 1.1x tempo, and so are the replies. A phrase counts
  as heard when its intent is reported ending inside it or within a second after it.
- negatives: hours of talk that never contains a phrase (pausebuddy.synth.talk: an argument,
  a film, the news, a reading, small talk, and lines that share words with the phrases),
  by the same voices, every other ten minutes under pink noise at 20 dB. Anything heard
  there while no session runs is a false accept (it would speak up unasked). And 20
  minutes of the same talk heard as in a session: any reply heard there is a false reply
  (it would stop or skip an exercise nobody asked to change).
- delay: from the end of the phrase to the block in which it is reported.
- CPU seconds per second of audio while listening to talk and to near-silence, and to
  talk while a reply is expected (during a session every sound goes to the grammar); peak
  resident memory of `pausebuddy spot` (recognizer only, no voice loaded) on talk.
--quick: 2 voices (Piper, and espeak m3, which it hears poorly), clean, pink and babble at
10 dB (replies clean and in babble), 5 minutes of negatives: under 3 minutes here, for
tuning.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from pausebuddy import audio
from pausebuddy.config import Config
from pausebuddy.hearing import create_recognizer, sphinx_decoders
from pausebuddy.phrases import REQUESTS, Intent, PhraseBook
from pausebuddy.synth import backdrop, corpus, phrase_streams, voices

QUICK_REPLY_CONDITIONS = ("clean", "babble 10 dB")
"""--quick hears the replies in two of its three conditions, to stay under 3 minutes."""
REPLY_CONDITIONS = tuple(c[0] for c in phrase_streams.CONDITIONS)
"""While a reply is expected every sound is decoded with the grammar (0.16 CPU s per s of
talk since the grammar is a small state machine; it was 0.7 as JSGF, when the replies
were heard clean only): they are heard in every condition, like the requests."""
CHUNK_S = 600
SESSION_TALK_S = {False: 1200, True: 120}
"""Talk heard as in a session, for false replies (full, --quick)."""


def listen(
    samples: np.ndarray, config: Config, replies: bool, allowed: frozenset[Intent] | None = None
) -> tuple[list, float]:
    """Everything heard that the loop would act on (among `allowed`):
    (intent, text, start_s, end_s, reported_at_s, length_s), and the CPU seconds it took. The
    verifier's stages' windows and CPU are added to STAGES."""
    phrases = PhraseBook(config.phrases)
    recognizer = create_recognizer(config.hearing, phrases)
    recognizer.expecting_reply = replies
    found, pos = [], 0
    cpu = time.process_time()
    for block in audio.wav_blocks(samples):
        pos += len(block)
        found += _acted_on(recognizer.accept(block), allowed, pos)
    found += _acted_on(recognizer.flush(), allowed, pos)
    for name, value in getattr(recognizer, "stage_costs", {}).items():
        STAGES[name] += value
    return found, time.process_time() - cpu


def _acted_on(heard: list, allowed: frozenset[Intent] | None, pos: int) -> list[tuple]:
    """What the hearing meant by each thing heard, as the loop takes it (its intent and
    length, not the words parsed again)."""
    return [
        (h.intent, h.text, h.start_s, h.end_s, pos / audio.RATE_HZ, h.length_s)
        for h in heard
        if h.intent is not None and (allowed is None or h.intent in allowed)
    ]


STAGES: collections.Counter = collections.Counter()
"""The verifier's stages' windows and CPU seconds in this process (listen adds to it)."""


def verification_cost(config: Config, seconds: float = 3.0, runs: int = 20) -> tuple[float, int]:
    """CPU seconds one verification takes (a `seconds` window, the request grammar), and
    how many phrases it scores."""
    from pausebuddy.hearing.verdict import request_grammar
    from pausebuddy.hearing.verifier import load_verifier

    verifier = load_verifier(config.hearing.verifier_model, config.hearing.verifier)
    if verifier is None:
        return 0.0, 0
    texts = [e.scored_as for e in request_grammar(PhraseBook(config.phrases))]
    window = np.concatenate(list(corpus.talk_pieces(voices.SPEAKERS[:1], seconds, 3)))
    window = window[: int(seconds * audio.RATE_HZ)]
    verifier.score(verifier.encode(window), texts)  # warm
    cpu = time.process_time()
    for _ in range(runs):
        verifier.score(verifier.encode(window), texts)
    return (time.process_time() - cpu) / runs, len(texts)


# -- the jobs (run in worker processes) --------------------------------------------------

_CONFIG = Config()


def job_streams(args: tuple) -> tuple:
    index, speaker, folder = args
    streams = phrase_streams.build_streams(speaker, _CONFIG, seed=100 + index)
    paths = []
    for k, stream in enumerate(streams):
        path = Path(folder) / f"voice{index}-{k}.npz"
        np.savez(
            path,
            samples=stream.samples,
            replies=stream.replies,
            marks=np.array([(i.value, p, s, e) for i, p, s, e in stream.marks], dtype=object),
        )
        paths.append(str(path))
    return index, paths


def _load(path: str) -> phrase_streams.Stream:
    data = np.load(path, allow_pickle=True)
    marks = [(Intent(i), p, float(s), float(e)) for i, p, s, e in data["marks"]]
    return phrase_streams.Stream(data["samples"], marks, bool(data["replies"]))


def job_positives(args: tuple) -> tuple:
    speaker_label, condition, paths, noise_folder, reply_conditions = args
    label, kind, value = next(c for c in phrase_streams.CONDITIONS if c[0] == condition)
    noises = {}
    if kind in phrase_streams.NOISES:
        noises[kind] = np.load(Path(noise_folder) / f"{kind}.npy")
    results, extra = [], 0
    for path in paths:
        stream = _load(path)
        if stream.replies and condition not in reply_conditions:
            continue
        stream = phrase_streams.in_condition(stream, kind, value, noises)
        allowed = frozenset(Intent) - REQUESTS if stream.replies else REQUESTS
        found, _ = listen(stream.samples, _CONFIG, stream.replies, allowed)
        scored, wrong = phrase_streams.score(stream, found)
        results += scored
        extra += wrong
    return speaker_label, condition, results, extra


def job_negatives(args: tuple) -> tuple:
    chunk, seconds, speakers, noise_folder = args
    samples = np.concatenate(list(corpus.talk_pieces(speakers, seconds, seed=1000 + chunk)))
    if chunk % 2 == 1:
        samples = backdrop.mix(samples, np.load(Path(noise_folder) / "pink.npy"), 20)
    STAGES.clear()
    found, cpu = listen(samples, _CONFIG, replies=False, allowed=phrase_streams.IDLE)
    return chunk, len(samples) / audio.RATE_HZ, cpu, found, dict(STAGES)


def job_silence(seconds: float) -> float:
    quiet = backdrop.mix(
        np.full(int(seconds * audio.RATE_HZ), 1000, np.int16), backdrop.noise("pinknoise", 30), 40
    )  # a room at about -70 dBFS
    quiet = (quiet - 1000).astype(np.int16)
    _, cpu = listen(quiet, _CONFIG, replies=False)
    return cpu / seconds


def job_session_talk(args: tuple) -> tuple[float, float, list]:
    """Talk while a reply is expected (a session, a reminder): then every sound is
    decoded with the command grammar and heard by the reply model, not only what follows
    the wake word. (seconds of talk, CPU seconds, what was heard: false replies)."""
    seconds, speakers = args
    samples = np.concatenate(list(corpus.talk_pieces(speakers, seconds, seed=7)))
    found, cpu = listen(samples, _CONFIG, replies=True)
    return len(samples) / audio.RATE_HZ, cpu, found


def peak_memory_mb(samples: np.ndarray, folder: Path) -> float:
    """Peak resident memory of `pausebuddy spot` on this audio, in its own process.

    Started from a small Python that reports its children's peak: the peak the kernel
    keeps for a child of this process includes this process's own memory (the child is
    a copy of it until it runs `spot`), which is hundreds of MB of corpus here."""
    path = folder / "memory.wav"
    audio.write_wav(path, samples)
    spot = Path(sys.executable).with_name("pausebuddy")
    report = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", report, str(spot), "spot", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout) / 1024


# -- the table ---------------------------------------------------------------------------


def _percent(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100 * hits / total:.1f}%)" if total else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="2 voices, 3 conditions, 5 minutes of negatives"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--negative-hours",
        type=float,
        default=None,
        help="hours of talk without a phrase (default 5, quick 1/12)",
    )
    parser.add_argument(
        "--search",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a pocketsphinx search option for the command grammar instead"
        " of the engine's (e.g. wbeam=7e-29 maxhmmpf=30000, its"
        " defaults), to measure what an option buys",
    )
    parser.add_argument(
        "--spot-search",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a pocketsphinx search option for the keyphrase spotter (the"
        " wake word) instead of its defaults (e.g. topn=2)",
    )
    parser.add_argument(
        "--hearing",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a hearing setting instead of the config's default (e.g. wake_threshold=1e-50)",
    )
    parser.add_argument(
        "--conditions",
        nargs="+",
        metavar="CONDITION",
        choices=[c[0] for c in phrase_streams.CONDITIONS],
        help="hear the requests in these conditions only (default all; --quick: four)",
    )
    parser.add_argument(
        "--reply-conditions",
        nargs="+",
        metavar="CONDITION",
        help="conditions to hear the replies in (default all; --quick:"
        f" {', '.join(QUICK_REPLY_CONDITIONS)})",
    )
    parser.add_argument(
        "--session-only",
        action="store_true",
        help="only the talk heard as in a session (false replies, its CPU)",
    )
    args = parser.parse_args()
    global _CONFIG  # set before the workers fork, so they all use it
    for option in args.hearing:
        key, value = option.split("=", 1)
        default = getattr(_CONFIG.hearing, key)
        typed = (
            value.lower() in ("1", "true", "yes")
            if isinstance(default, bool)
            else type(default)(value)
            if default is not None
            else value
        )
        _CONFIG = replace(_CONFIG, hearing=replace(_CONFIG.hearing, **{key: typed}))
    for options, given in (
        (sphinx_decoders.SEARCH_OPTIONS, args.search),
        (sphinx_decoders.SPOTTER_OPTIONS, args.spot_search),
    ):
        for option in given:
            key, value = option.split("=", 1)
            options[key] = float(value) if "e" in value or "." in value else int(value)
    if args.reply_conditions is None:
        args.reply_conditions = QUICK_REPLY_CONDITIONS if args.quick else REPLY_CONDITIONS
    speakers = [voices.SPEAKERS[i] for i in (0, 4)] if args.quick else voices.SPEAKERS
    chosen = args.conditions or (phrase_streams.QUICK_CONDITIONS if args.quick else None)
    conditions = [c for c in phrase_streams.CONDITIONS if chosen is None or c[0] in chosen]
    negative_s = 3600 * (args.negative_hours or (1 / 12 if args.quick else 5))
    if args.session_only:
        session_s, session_cpu, false_replies = job_session_talk(
            (SESSION_TALK_S[args.quick], speakers)
        )
        _print_false_replies(false_replies)
        _print_table(
            [
                _false_replies_row(false_replies, session_s),
                (
                    "CPU per second of audio, talk while a reply is expected",
                    f"{session_cpu / session_s:.4f} s",
                ),
            ]
        )
        return 0
    folder = Path(tempfile.mkdtemp(prefix="pausebuddy-bench-hearing-"))
    started = time.monotonic()

    print(f"Hearing: {_CONFIG.hearing}")
    print(
        f"Search options: grammar {sphinx_decoders.SEARCH_OPTIONS},"
        f" spotter {sphinx_decoders.SPOTTER_OPTIONS}"
    )
    print("Synthesizing the noise and the phrase streams ...", flush=True)
    np.save(folder / "pink.npy", backdrop.noise("pinknoise", 60))
    np.save(folder / "brown.npy", backdrop.noise("brownnoise", 60))
    with Pool(args.jobs) as pool:
        babble = pool.apply_async(backdrop.babble, (120, 7))
        partner = pool.apply_async(backdrop.partner, (120, 8))
        music = pool.apply_async(backdrop.music, (120, 9))
        stream_paths = dict(
            pool.map(job_streams, [(i, s, str(folder)) for i, s in enumerate(speakers)])
        )
        np.save(folder / "babble.npy", babble.get())
        np.save(folder / "partner.npy", partner.get())
        np.save(folder / "music.npy", music.get())

        print("Listening ...", flush=True)
        positive_jobs = [
            (s.label, c[0], stream_paths[i], str(folder), tuple(args.reply_conditions))
            for i, s in enumerate(speakers)
            for c in conditions
        ]
        chunks = int(np.ceil(negative_s / CHUNK_S))
        negative_jobs = [
            (k, min(CHUNK_S, negative_s - k * CHUNK_S), speakers, str(folder))
            for k in range(chunks)
        ]
        negatives = pool.map_async(job_negatives, negative_jobs, chunksize=1)
        silence = pool.apply_async(job_silence, (120,))
        session = pool.apply_async(job_session_talk, ((SESSION_TALK_S[args.quick], speakers),))
        positives = []
        for done, result in enumerate(pool.imap_unordered(job_positives, positive_jobs), 1):
            positives.append(result)
            if done % 8 == 0:
                print(f"  {done} of {len(positive_jobs)} voice x condition runs heard", flush=True)
        negatives, silence_cpu = negatives.get(), silence.get()
        session_s, session_cpu, false_replies = session.get()

    by_condition, by_voice, by_intent = defaultdict(list), defaultdict(list), defaultdict(list)
    by_kind = defaultdict(list)
    delays, extra_in_positives, lengths = [], 0, []
    for speaker_label, condition, results, extra in positives:
        extra_in_positives += extra
        for intent, _phrase, ok, delay, kept in results:
            if kept is not None and (condition == "clean" or "10 dB" in condition):
                lengths.append(kept)
            kind = "requests" if intent in REQUESTS else "replies"
            by_kind[kind].append(ok)
            if condition == "clean":
                by_kind[f"{kind}, clean"].append(ok)
            by_condition[condition].append(ok)
            by_voice[speaker_label].append(ok)
            by_intent[intent.value].append(ok)
            if ok:
                delays.append(delay)
    every = [ok for oks in by_condition.values() for ok in oks]
    talk_s = sum(seconds for _, seconds, _, _, _ in negatives)
    talk_cpu = sum(cpu for _, _, cpu, _, _ in negatives)
    stages: collections.Counter = collections.Counter()
    for *_, costs in negatives:
        stages.update(costs)
    false = [(chunk, f) for chunk, _, _, found, _ in negatives for f in found]
    one_check, grammar_size = verification_cost(_CONFIG)
    memory = peak_memory_mb(np.concatenate(list(corpus.talk_pieces(speakers, 120, 5))), folder)

    rows = [("recall, overall", _percent(sum(every), len(every)))]
    rows += [(f"recall, {k}", _percent(sum(oks), len(oks))) for k, oks in sorted(by_kind.items())]
    rows += [
        (f"recall, {c}", _percent(sum(by_condition[c]), len(by_condition[c])))
        for c, _, _ in conditions
    ]
    rows += [
        (f"recall, {s.label}", _percent(sum(by_voice[s.label]), len(by_voice[s.label])))
        for s in speakers
    ]
    rows += [(f"recall, {i}", _percent(sum(oks), len(oks))) for i, oks in by_intent.items()]
    rows += [
        (
            "false accepts on talk (no session: time-out, breathe, ground)",
            f"{len(false)} in {talk_s / 3600:.2f} h = {len(false) / (talk_s / 3600):.2f} per hour",
        ),
        _false_replies_row(false_replies, session_s),
        ("other detections inside the positive streams", str(extra_in_positives)),
        (
            "delay after the phrase ends",
            f"median {1000 * statistics.median(delays):.0f} ms, 95th percentile "
            f"{1000 * np.percentile(delays, 95):.0f} ms (n={len(delays)})"
            if delays
            else "-",
        ),
        (
            "spoken length kept (clean and 10 dB positives that name one)",
            _percent(sum(lengths), len(lengths)),
        ),
        ("CPU per second of audio, talk", f"{talk_cpu / talk_s:.4f} s"),
        (
            "CPU per second of talk, by stage: scan / verify / the rest",
            f"{stages['scan_cpu_s'] / talk_s:.4f} / {stages['verify_cpu_s'] / talk_s:.4f} / "
            f"{(talk_cpu - stages['scan_cpu_s'] - stages['verify_cpu_s']) / talk_s:.4f} s",
        ),
        (
            "scan windows per hour of talk / of them scored whole",
            f"{stages['scan_windows'] / (talk_s / 3600):.0f} / "
            f"{stages['scan_scored_whole'] / (talk_s / 3600):.0f}",
        ),
        (
            "verifier windows per hour of talk, scan's included (no session)",
            f"{stages['verifier_windows'] / (talk_s / 3600):.0f}",
        ),
        (
            "CPU of one verification (3 s window, request grammar)",
            f"{one_check:.3f} s ({grammar_size} phrases)",
        ),
        ("CPU per second of audio, quiet room", f"{silence_cpu:.4f} s"),
        (
            "CPU per second of audio, talk while a reply is expected",
            f"{session_cpu / session_s:.4f} s",
        ),
        ("peak memory, pausebuddy spot on talk", f"{memory:.0f} MB"),
        ("benchmark wall time", f"{(time.monotonic() - started) / 60:.1f} min"),
    ]
    if false:
        print("\nFalse accepts (chunk, intent, text, at s):")
        for chunk, (intent, text, start, *_) in false:
            print(f"  {chunk:3d}  {intent.value:10s} {text!r} at {start:.1f} s")
    _print_false_replies(false_replies)
    _print_table(rows)
    return 0


def _false_replies_row(false_replies: list, session_s: float) -> tuple[str, str]:
    return (
        "false replies on talk in a session (any reply)",
        f"{len(false_replies)} in {session_s / 60:.0f} min = "
        f"{len(false_replies) / (session_s / 3600):.1f} per hour",
    )


def _print_false_replies(false_replies: list) -> None:
    if false_replies:
        print("\nFalse replies in a session (intent, text, at s):")
        for intent, text, start, *_ in false_replies:
            print(f"  {intent.value:10s} {text!r} at {start:.1f} s")


def _print_table(rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    print(f"\n| {'measure'.ljust(width)} | value |\n| {'-' * width} | --- |")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


if __name__ == "__main__":
    raise SystemExit(main())
