"""Measuring when its voice reaches the microphone, on real synthesized speech."""

from __future__ import annotations

import numpy as np
import pytest

from pausebuddy.audio import RATE_HZ
from pausebuddy.echo import SOMEONE_ELSE_DB
from pausebuddy.echo_delay import EchoDelay
from pausebuddy.synth import voices

BLOCK = RATE_HZ // 10


def _scheduled(played: np.ndarray):
    """`played(start, n)` as the loop gives it: what it scheduled over those samples."""

    def scheduled(start: int, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=np.float32)
        lo, hi = max(start, 0), min(start + n, len(played))
        if lo < hi:
            out[lo - start : hi - start] = played[lo:hi]
        return out

    return scheduled


@pytest.mark.parametrize("delay_s", [1.4, -0.3, 0.5])
def test_the_delay_is_measured_and_a_small_one_is_left_alone(delay_s: float) -> None:
    line = voices.say("en-us+klatt", "In, two, three, four. Hold, two, three, four, five.")
    played = np.concatenate(
        [np.zeros(RATE_HZ), line, np.zeros(RATE_HZ), line, np.zeros(3 * RATE_HZ)]
    ).astype(np.float32)
    shift = int(delay_s * RATE_HZ)
    mic = np.roll(played, shift) * 0.3  # through the room, quieter
    mic += np.random.default_rng(0).normal(0, 30, len(mic))  # and its noise floor
    measuring = EchoDelay()

    scheduled = _scheduled(played)
    changes = [
        end
        for end in range(BLOCK, len(mic) + 1, BLOCK)
        if measuring.observe(mic[end - BLOCK : end], end, scheduled)
    ]
    assert len(changes) == 1
    assert abs(measuring.delay - shift) <= RATE_HZ // 200  # within 5 ms

    room_only = EchoDelay()  # a room's own 40 ms: the canceller reaches that far
    assert not any(
        room_only.observe(np.roll(played, 640)[end - BLOCK : end] * 0.3, end, scheduled)
        for end in range(BLOCK, len(mic) + 1, BLOCK)
    )


def test_a_word_in_its_own_voice_is_told_from_a_person_over_it() -> None:
    """Its own voice, at whatever delay, is explained by what it played; a person's
    "stop" over it at the same level is not (what a canceller whose timing slipped misses)."""
    line = voices.say("en-us+klatt", "In, two, three, four. Hold, two, three, four, five.")
    played = np.concatenate([np.zeros(RATE_HZ), line, np.zeros(RATE_HZ)]).astype(np.float32)
    # A delay nobody measured, between two samples (the sound server resamples it).
    shift = 0.37 * RATE_HZ + 0.5
    spectrum = np.fft.rfft(played)
    mic = (
        np.fft.irfft(
            spectrum * np.exp(-2j * np.pi * np.fft.rfftfreq(len(played)) * shift), len(played)
        ).astype(np.float32)
        * 0.5
    )
    stop = voices.say("en-us+f3", "Stop.")
    at = RATE_HZ + len(line) // 2
    person = mic.copy()
    person[at : at + len(stop)] += stop * np.sqrt(
        np.mean(mic[at : at + len(stop)] ** 2) / np.mean(stop.astype(np.float64) ** 2)
    )

    mic += np.random.default_rng(0).normal(0, 3, len(mic)).astype(np.float32)  # the room
    # The quiet tail of its last word, 0.15 s: far less was played under it than under
    # the loud words around, and it is still its own voice.
    tail_end = RATE_HZ + len(line) + int(shift)
    tail = (tail_end - RATE_HZ * 15 // 100, tail_end)

    scheduled = _scheduled(played)
    for heard, (start, end), expect_own in (
        (mic, (at, at + len(stop)), True),
        (person, (at, at + len(stop)), False),
        (mic, tail, True),
    ):
        measuring = EchoDelay()
        measuring.observe(heard[: end + RATE_HZ // 2], end + RATE_HZ // 2, scheduled)
        left = measuring.left_db(start, end, scheduled)
        assert (left < SOMEONE_ELSE_DB) == expect_own, left
    assert EchoDelay().left_db(0, RATE_HZ, scheduled) is None  # nothing heard yet
