"""Streams of talk that hold no phrase, from the lines of talk.py and the speakers of
voices.py: the benchmarks' negatives and the phrase model's counter-examples."""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np

from pausebuddy.audio import RATE_HZ
from pausebuddy.synth import talk
from pausebuddy.synth.voices import Speaker


def talk_pieces(
    speakers: list[Speaker], seconds: float, seed: int = 0, genres: tuple[str, ...] = talk.GENRES
) -> Iterator[np.ndarray]:
    """About `seconds` of talk that contains no phrase: lines from talk.lines, the
    speakers taking turns at random, with the pauses of a conversation between them."""
    rng = random.Random(seed)
    made, total = 0, int(seconds * RATE_HZ)
    for text in talk.lines(seed, genres):
        if made >= total:
            return
        speech = rng.choice(speakers).say(text)
        pause = np.zeros(int(rng.uniform(0.2, 1.2) * RATE_HZ), dtype=np.int16)
        made += len(speech) + len(pause)
        yield speech
        yield pause
