"""Noise suppression in front of the recognizer: real WebRTC suppression on real noise."""

import numpy as np

from pausebuddy.hearing.denoise import FRAME, NoiseSuppressor
from pausebuddy.synth import backdrop


def _power_db(samples: np.ndarray) -> float:
    return 10 * np.log10(np.mean(samples.astype(np.float64) ** 2) + 1e-9)


def test_steady_noise_is_taken_down():
    noise = backdrop.noise("pinknoise", 4)
    out = NoiseSuppressor(2).process(noise)
    # After the first second (it learns the noise), far less of it is left.
    assert _power_db(out[16000:]) < _power_db(noise[16000:]) - 6


def test_blocks_of_any_length_give_the_same_audio():
    noise = backdrop.noise("pinknoise", 1)
    whole = NoiseSuppressor(2).process(noise)
    pieces = NoiseSuppressor(2)
    out = np.concatenate([pieces.process(noise[i : i + 1234]) for i in range(0, len(noise), 1234)])
    assert len(whole) == len(noise) // FRAME * FRAME
    assert np.array_equal(out, whole[: len(out)])
    assert len(whole) - len(out) < FRAME
