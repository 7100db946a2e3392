"""Clips placed on a sample clock, and the audio they make over any stretch of it: the one
timeline behind the output WAV, the player's mixer and the echo canceller's reference."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np


@dataclass
class Placed:
    at: int
    """First sample, on the timeline's clock."""
    samples: np.ndarray
    tag: Hashable = None
    """What the owner knows the clip by (the player: its start time on the loop's clock)."""

    @property
    def end(self) -> int:
        return self.at + len(self.samples)


class Timeline:
    """Placed clips may overlap (they add); nothing here is locked or resampled."""

    def __init__(self) -> None:
        self.clips: list[Placed] = []

    def __bool__(self) -> bool:
        return bool(self.clips)

    @property
    def end(self) -> int:
        """The sample after the last one placed (0 when empty)."""
        return max((clip.end for clip in self.clips), default=0)

    def place(self, at: int, samples: np.ndarray, tag: Hashable = None) -> None:
        self.clips.append(Placed(at, samples, tag))

    def mix(self, start: int, n: int) -> np.ndarray:
        """The samples start..start+n: every clip over them, added."""
        out = np.zeros(n, dtype=np.float32)
        self.mix_into(out, start)
        return out

    def mix_into(self, out: np.ndarray, start: int) -> None:
        """`out` becomes the samples from `start` on, in place (the player's callback
        allocates nothing)."""
        out[:] = 0
        for clip in self.clips:
            lo, hi = max(clip.at, start), min(clip.end, start + len(out))
            if lo < hi:
                out[lo - start : hi - start] += clip.samples[lo - clip.at : hi - clip.at]

    def cut(self, at: int) -> None:
        """Nothing from sample `at` on: it was interrupted."""
        self.clips = [
            Placed(clip.at, clip.samples[: at - clip.at], clip.tag)
            for clip in self.clips
            if clip.at < at
        ]

    def forget_before(self, sample: int) -> None:
        """Clips that end at or before `sample` are no longer needed."""
        self.clips = [clip for clip in self.clips if clip.end > sample]

    def move(self, at: int, by: int) -> None:
        """The clip placed at `at` plays `by` samples later."""
        for clip in self.clips:
            if clip.at == at:
                clip.at += by

    def clear(self) -> None:
        self.clips.clear()
