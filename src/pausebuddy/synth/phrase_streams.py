"""The benchmarks' phrase streams: a voice saying every configured phrase between lines of
other talk, in a condition (noise, other voices, music, tempo), and what counts as
hearing each phrase. Shared by scripts/bench_hearing.py and scripts/bench_phrase_model.py."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pausebuddy.audio import RATE_HZ
from pausebuddy.config import Config
from pausebuddy.conversation import ALLOWED
from pausebuddy.phrases import REQUESTS, Intent, PhraseBook, spoken_seconds
from pausebuddy.synth import backdrop, talk, voices

IDLE = ALLOWED["idle"]
"""What the loop acts on with no session or break running: a false accept is one of these
(it ignores "pause buddy, stop" then, but answers "how long" and "louder")."""
NOISES = ("pink", "brown", "babble", "partner", "music")
CONDITIONS = (
    [("clean", None, None)]
    + [
        (f"{kind} {snr} dB", kind, snr)
        for snr in (20, 10, 5)
        for kind in ("pink", "brown", "babble")
    ]
    + [
        ("partner 10 dB", "partner", 10),
        ("partner 5 dB", "partner", 5),
        ("music 10 dB", "music", 10),
        ("tempo 0.9x", "tempo", 0.9),
        ("tempo 1.1x", "tempo", 1.1),
    ]
)
QUICK_CONDITIONS = ["clean", "pink 10 dB", "babble 10 dB", "partner 10 dB"]
LENGTHS = ("for half an hour", "for forty five minutes", "for two hours")
"""Spoken lengths said after the time-out phrase, besides the configured phrases."""
LATE_S = 1.0
"""A phrase reported up to this long after its end still counts (a slow answer is not a
miss; the delay figures show how slow)."""


@dataclass
class Stream:
    samples: np.ndarray
    marks: list[tuple[Intent, str, float, float]]
    """(intent, phrase, start_s, end_s) of each phrase said."""
    replies: bool


def _phrase_lines(phrases: PhraseBook, config: Config) -> tuple[list, list]:
    wake = config.phrases.wake_word
    requests, replies = [], []
    for intent in Intent:
        for phrase in getattr(config.phrases, intent.value, []):
            if intent in REQUESTS:
                said = phrase if phrases.has_wake_word(phrase) else f"{wake}, {phrase}"
                requests.append((intent, said))
                if intent is Intent.TIMEOUT:
                    requests += [(intent, f"{said} {length}") for length in LENGTHS]
            else:
                replies.append((intent, phrase))
    return requests, replies


def build_streams(speaker: voices.Speaker, config: Config, seed: int) -> list[Stream]:
    """This voice saying every phrase, each between lines of other talk."""
    phrases = PhraseBook(config.phrases)
    requests, replies = _phrase_lines(phrases, config)
    lines = talk.lines(seed, ("argument", "chat"))
    streams = []
    for said, is_reply in ((requests, False), (replies, True)):
        pieces, marks, at = [], [], 0
        for intent, phrase in said:
            before = speaker.say(next(lines))
            # A reply follows a pause (it answers something pausebuddy said); a request
            # may come straight out of the talk.
            gap = 1.5 if is_reply else 0.5
            spoken = speaker.say(phrase.capitalize() + ".")
            after = speaker.say(next(lines))
            for piece in (before, _silence(gap)):
                pieces.append(piece)
                at += len(piece)
            marks.append((intent, phrase, at / RATE_HZ, (at + len(spoken)) / RATE_HZ))
            for piece in (spoken, _silence(1.5 if is_reply else 0.6), after, _silence(1.5)):
                pieces.append(piece)
                at += len(piece)
        streams.append(Stream(np.concatenate(pieces), marks, is_reply))
    return streams


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE_HZ), dtype=np.int16)


def in_condition(
    stream: Stream, kind: str | None, value: float | None, noises: dict[str, np.ndarray]
) -> Stream:
    if kind is None:
        return stream
    if kind == "tempo":
        marks = [(i, p, s / value, e / value) for i, p, s, e in stream.marks]
        return replace(stream, samples=voices.tempo(stream.samples, value), marks=marks)
    # Noise (or the partner, or the song) starts at a different place for each stream,
    # so streams do not share it.
    source = noises[kind]
    offset = (len(stream.samples) * 7919) % len(source)
    return replace(stream, samples=backdrop.mix(stream.samples, np.roll(source, -offset), value))


def score(stream: Stream, found: list) -> tuple[list[tuple], int]:
    """Per phrase: (intent, phrase, heard, delay_s, length kept: None when the phrase
    names no length); and detections that match no phrase. `found`: (intent, text,
    start_s, end_s, reported_at_s, length_s) as the hearing meant them. Of several
    detections of a phrase the first counts, its length too: the loop acts on the first
    report, and is speaking when a later one comes."""
    results, used = [], set()
    for intent, phrase, start, end in stream.marks:
        hits = [
            k
            for k, f in enumerate(found)
            if k not in used and f[0] == intent and start < f[3] <= end + LATE_S
        ]
        said = spoken_seconds(phrase)
        if not hits:
            results.append((intent, phrase, False, None, False if said else None))
        else:
            used.update(hits)
            kept = found[hits[0]][5] == said if said else None
            results.append((intent, phrase, True, found[hits[0]][4] - end, kept))
    return results, len(found) - len(used)
