"""Soft tones generated on the spot (no audio assets): a gentle two-note chime."""

from __future__ import annotations

import numpy as np

from pausebuddy.voice import Clip

_RATE_HZ = 22050


def under(clip: Clip, freq_hz: float = 392.0, seconds: float = 0.5, volume: float = 0.1) -> Clip:
    """`clip` with one soft note beneath its start: the cue and the tone begin together,
    so the tone never pushes the word off its count."""
    t = np.arange(int(seconds * clip.rate_hz)) / clip.rate_hz
    note = np.sin(2 * np.pi * freq_hz * t) * np.sin(np.pi * t / seconds) ** 2 * volume * 32767
    mix = clip.samples.astype(np.float32)
    if len(mix) < len(note):
        mix = np.concatenate([mix, np.zeros(len(note) - len(mix), dtype=np.float32)])
    mix[: len(note)] += note
    return Clip(samples=np.clip(mix, -32768, 32767).astype(np.int16), rate_hz=clip.rate_hz)


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


LIMIT = 0.9 * 32767
"""Where the limiter holds the peaks when a clip is made louder (about -1 dBFS)."""
_LIMITER_S = 0.005
"""How quickly the limiter closes around a peak and opens again: short enough to leave
the syllables' loudness alone, long enough not to distort a single wave."""


def at_gain(clip: Clip, gain: float) -> Clip:
    """`clip` at `gain` times its loudness; above 1 the peaks that would pass LIMIT are
    brought down smoothly (a look-ahead limiter), so it never clips."""
    if gain == 1.0:
        return clip
    samples = clip.samples.astype(np.float32) * gain
    if gain > 1.0 and len(samples):
        width = max(1, int(_LIMITER_S * clip.rate_hz))
        wanted = np.minimum(1.0, LIMIT / np.maximum(np.abs(samples), 1.0))
        # The least gain any sample within `width` wants, then averaged over `width`:
        # every sample ends up at or under the gain it wanted, with no step between.
        padded = np.pad(wanted, width, mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * width + 1)
        least = windows.min(axis=1)
        kernel = np.ones(width, np.float32) / width
        smooth = np.convolve(
            np.pad(least, (width // 2, width - 1 - width // 2), "edge"), kernel, "valid"
        )
        samples *= smooth
    samples = np.clip(np.round(samples), -32768, 32767)
    return Clip(samples.astype(clip.samples.dtype), clip.rate_hz)
