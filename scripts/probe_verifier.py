#!/usr/bin/env python3
"""How the verifier's rule sorts phrases from talk, at the phrases' known positions.

    .venv/bin/python scripts/probe_verifier.py [--voices 0,1,2,3] [--talk-s 900]
        [--rule "-7 -9 -5.5 -4.5" ...] [--save F | --load F]

Each request of the benchmark's streams (phrase_streams: every configured request, and
the time-out with three lengths) by the given voices, clean and under babble and a
partner at 10 dB and babble at 5 dB, judged on the two windows the verifier stage uses
(the last 3 s, and from just before the phrase), 3 s windows of talk at a 1 s hop (half
of it under babble at 10 dB), and 10 near-misses ("pause buddy, <something else>") by
the same voices, clean and under babble. Every window is scored once (each expansion's
token log probabilities, and Whisper's own transcription's mean); each rule is then
applied to the scores: the wake word's mean, its weakest token but the first, the
request's weakest token (or its mean, "mean -3.5"), the ratio to the transcription.
One table: requests heard per condition, talk windows and near-misses taken.
"""

from __future__ import annotations

import argparse
import pickle
import sys

import numpy as np

from pausebuddy.audio import RATE_HZ
from pausebuddy.config import Config
from pausebuddy.hearing.verdict import request_grammar
from pausebuddy.hearing.verifier import Verifier, default_model_dir
from pausebuddy.phrases import PhraseBook
from pausebuddy.synth import backdrop, corpus, phrase_streams, voices

CONDITIONS = [
    ("clean", None, None),
    ("babble 10", "babble", 10),
    ("partner 10", "partner", 10),
    ("babble 5", "babble", 5),
]
NEAR_MISSES = [
    "Pause buddy, no, I mean the dinner.",
    "Pause buddy, what's the weather like?",
    "Pause buddy, play some music.",
    "Pause buddy, you are so annoying.",
    "Pause buddy, never mind.",
    "Pause buddy, how are you?",
    "Pause buddy, time to go shopping.",
    "Pause buddy, let's see the bill.",
    "Pause buddy, turn the lights on.",
    "Pause buddy, what time is it?",
]
RULES = [
    "mean -6 -99 -3.5 -99",
    "mean -6 -99 -4.0 -99",
    "-7 -9 -5.5 -99",
    "-7 -9 -5.5 -4.5",
    "-7 -9 -6.0 -4.5",
]
"""(wake mean, wake's weakest token, request's weakest token or "mean" request, ratio):
the rule before 2026-12-05, a looser mean, and the token rule with and without the
ratio (the default: -7 -9 -5.5 -4.5)."""


def collect(voice_ids: list[int], talk_s: float) -> dict:
    config = Config()
    book = PhraseBook(config.phrases)
    verifier = Verifier(default_model_dir())
    grammar = request_grammar(book)
    texts = [e.scored_as for e in grammar]

    def scores(window: np.ndarray) -> tuple:
        encoded = verifier.encode(window)
        scored = verifier.score(encoded, texts)
        return [s.logs for s in scored], [s.score for s in scored], verifier.transcribed(encoded)

    noises = {"babble": backdrop.babble(400, 7), "partner": backdrop.partner(400, 7)}
    found: dict = {
        "wake_tokens": verifier.count_tokens(f"{book.wake_word},"),
        "intents": [e.intent.value for e in grammar],
        "requests": [],
        "talk": [],
        "near": [],
    }
    for index in voice_ids:
        speaker = voices.SPEAKERS[index]
        streams = phrase_streams.build_streams(speaker, config, seed=100 + index)
        requests = next(s for s in streams if not s.replies)
        for label, kind, value in CONDITIONS:
            stream = phrase_streams.in_condition(requests, kind, value, noises)
            for intent, _, start, end in stream.marks:
                until = int((end + 0.3) * RATE_HZ)
                windows = (max(0, until - 3 * RATE_HZ), int((start - 0.3) * RATE_HZ))
                judged = [scores(stream.samples[w:until]) for w in windows]
                found["requests"].append((label, intent.value, judged))
        for line in NEAR_MISSES:
            quiet = np.zeros(int(0.3 * RATE_HZ), dtype=np.int16)
            said = np.concatenate([quiet, speaker.say(line), quiet])
            for mixed in (said, backdrop.mix(said, noises["babble"][: len(said)], 10)):
                found["near"].append(scores(mixed))
        print(f"voice {index} scored", file=sys.stderr, flush=True)
    talk = np.concatenate(list(corpus.talk_pieces(voices.SPEAKERS, talk_s, seed=5000)))
    half = len(talk) // 2
    talk[half:] = backdrop.mix(talk[half:], np.resize(noises["babble"], len(talk) - half), 10)
    for start in range(0, len(talk) - 3 * RATE_HZ, RATE_HZ):
        found["talk"].append(scores(talk[start : start + 3 * RATE_HZ]))
    return found


def heard(scores: tuple, found: dict, rule: str) -> str | None:
    """The intent the rule hears in one window's scores, or None."""
    parts = rule.split()
    by_mean = parts[0] == "mean"
    wake_mean, wake_floor, request_floor, ratio = (float(p) for p in parts[by_mean:])
    logs, wholes, transcribed = scores
    n = found["wake_tokens"]
    best = None
    for k, tokens in enumerate(logs):
        head, tail = tokens[:n], tokens[n:]
        request = sum(tail) / len(tail)
        weakest = request if by_mean else min(tail)
        if (
            sum(head) / n >= wake_mean
            and min(head[1:]) >= wake_floor
            and weakest >= request_floor
            and (best is None or request > best[0])
        ):
            best = (request, k)
    if best is None or wholes[best[1]] - transcribed < ratio:
        return None
    return found["intents"][best[1]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voices", default="0,1,2,3")
    parser.add_argument("--talk-s", type=float, default=900)
    parser.add_argument("--rule", action="append", help='e.g. "-7 -9 -5.5 -4.5"')
    parser.add_argument("--save", help="keep the scores in this file")
    parser.add_argument("--load", help="scores kept by --save, instead of scoring again")
    args = parser.parse_args()
    if args.load:
        with open(args.load, "rb") as f:
            found = pickle.load(f)
    else:
        found = collect([int(v) for v in args.voices.split(",")], args.talk_s)
    if args.save:
        with open(args.save, "wb") as f:
            pickle.dump(found, f)
    labels = [label for label, _, _ in CONDITIONS]
    print("| rule | " + " | ".join(labels) + " | talk windows taken | near-misses taken |")
    print("| --- " * (len(labels) + 3) + "|")
    for rule in args.rule or RULES:
        cells = []
        for label in labels:
            said = [(i, j) for c, i, j in found["requests"] if c == label]
            hits = sum(intent in [heard(w, found, rule) for w in judged] for intent, judged in said)
            cells.append(f"{100 * hits / max(len(said), 1):.0f}%")
        talk = sum(heard(w, found, rule) is not None for w in found["talk"])
        near = sum(heard(w, found, rule) is not None for w in found["near"])
        cells += [f"{talk}/{len(found['talk'])}", f"{near}/{len(found['near'])}"]
        print(f"| {rule} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
