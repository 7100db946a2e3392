"""Its own voice as the microphone hears it back from the room: the one room model of the
echo, barge-in and self-hearing tests and the barge-in benchmark."""

from __future__ import annotations

import numpy as np

from pausebuddy.audio import RATE_HZ


def echo(
    played: np.ndarray,
    delay_s: float = 0.04,
    gain: float = 0.3,
    reverb_s: float = 0.15,
    seed: int = 0,
) -> np.ndarray:
    """`played` (float, same length) as it comes back: the direct sound `delay_s` later,
    then a diffuse tail falling 60 dB over `reverb_s` (a living room: 0.1-0.3 s), the
    whole response at `gain_db` of its energy. The same `seed`, the same room."""
    rng = np.random.default_rng(seed)
    n = max(1, int(RATE_HZ * 2 * reverb_s))
    response = rng.standard_normal(n) * np.exp(-np.arange(n) / (RATE_HZ * reverb_s / 6.9))
    response[0] = 3.0  # the direct sound stands out of the tail
    response *= gain / np.sqrt((response**2).sum())
    wet = np.convolve(played.astype(np.float64), response)[: len(played)]
    delay = int(RATE_HZ * delay_s)
    return np.concatenate([np.zeros(delay), wet])[: len(played)].astype(np.float32)
