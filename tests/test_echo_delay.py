"""Measuring when its voice reaches the microphone, on real synthesized speech."""

from __future__ import annotations

import numpy as np
import pytest

from pausebuddy import scene
from pausebuddy.audio import RATE_HZ
from pausebuddy.echo_delay import EchoDelay

BLOCK = RATE_HZ // 10


@pytest.mark.parametrize("delay_s", [1.4, -0.3, 0.5])
def test_the_delay_is_measured_and_a_small_one_is_left_alone(delay_s: float) -> None:
    line = scene.say("en-us+klatt", "In, two, three, four. Hold, two, three, four, five.")
    played = np.concatenate([np.zeros(RATE_HZ), line, np.zeros(RATE_HZ), line,
                             np.zeros(3 * RATE_HZ)]).astype(np.float32)
    shift = int(delay_s * RATE_HZ)
    mic = np.roll(played, shift) * 0.3  # through the room, quieter
    mic += np.random.default_rng(0).normal(0, 30, len(mic))  # and its noise floor
    measuring = EchoDelay()

    def scheduled(start: int, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=np.float32)
        lo, hi = max(start, 0), min(start + n, len(played))
        if lo < hi:
            out[lo - start : hi - start] = played[lo:hi]
        return out

    changes = [end for end in range(BLOCK, len(mic) + 1, BLOCK)
               if measuring.observe(mic[end - BLOCK : end], end, scheduled)]
    assert len(changes) == 1
    assert abs(measuring.delay - shift) <= RATE_HZ // 200  # within 5 ms

    room_only = EchoDelay()  # a room's own 40 ms: the canceller reaches that far
    assert not any(room_only.observe(np.roll(played, 640)[end - BLOCK : end] * 0.3, end,
                                     scheduled)
                   for end in range(BLOCK, len(mic) + 1, BLOCK))
