"""Soft tones generated on the spot (no audio assets): a gentle two-note chime."""

from __future__ import annotations

import numpy as np

from pausebuddy.voice import Clip

_RATE_HZ = 22050


def chime(volume: float = 0.18) -> Clip:
    """Two soft notes, a fifth apart, each faded in and out so nothing clicks."""
    notes = []
    for freq_hz, seconds in ((523.25, 0.45), (783.99, 0.7)):
        t = np.arange(int(seconds * _RATE_HZ)) / _RATE_HZ
        envelope = np.sin(np.pi * t / seconds) ** 2
        # A little of the octave makes it rounder than a bare sine.
        wave = np.sin(2 * np.pi * freq_hz * t) + 0.25 * np.sin(4 * np.pi * freq_hz * t)
        notes.append(wave * envelope / 1.25)
    samples = np.concatenate(notes) * volume * 32767
    return Clip(samples=samples.astype(np.int16), rate_hz=_RATE_HZ)
