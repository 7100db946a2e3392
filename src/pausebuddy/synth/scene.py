"""Synthesized scenes: talk with labelled phrases inside, for the demo, the tests and the
benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pausebuddy.audio import RATE_HZ, write_wav
from pausebuddy.synth.voices import say


@dataclass
class Scene:
    samples: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    marks: list[tuple[str, float, float]] = field(default_factory=list)
    """(label, start_s, end_s) of each labelled line."""

    @property
    def duration_s(self) -> float:
        return len(self.samples) / RATE_HZ

    def add(
        self,
        voice: str,
        text: str,
        gap_s: float = 0.5,
        label: str | None = None,
        speed: int = 150,
        pitch: int = 50,
    ) -> Scene:
        speech = say(voice, text, speed, pitch)
        self.pause(gap_s)
        start = self.duration_s
        self.samples = np.concatenate([self.samples, speech])
        if label:
            self.marks.append((label, start, self.duration_s))
        return self

    def pause(self, seconds: float) -> Scene:
        self.samples = np.concatenate([self.samples, np.zeros(int(seconds * RATE_HZ), np.int16)])
        return self

    def write(self, path: str | Path) -> Path:
        write_wav(path, self.samples)
        return Path(path)
