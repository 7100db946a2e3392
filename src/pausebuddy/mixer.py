"""Clips placed on one output stream's sample clock, and the audio the stream asks for:
the pure part of the speaker (speaker.py), tested without a device."""

from __future__ import annotations

import logging
import threading

import numpy as np

from pausebuddy.timeline import Timeline

_LOGGER = logging.getLogger("pausebuddy.speaker")

MARGIN_S = 0.05
"""The first line after the stream opens is placed this much after the earliest frame it
could take: lines that follow may come this much later than it (the microphone's blocks
arrive unevenly) and still keep their spacing."""


class Mixer:
    """Clips placed on a stream's sample clock, and the audio the stream asks for.

    No device here: `fill` is called from the stream's callback, `add` and `cut` from
    another thread, hence the lock. Times: `start_s` is on the loop's clock, `epoch_s`
    is the wall clock at its 0, and the stream's frame 0 reaches the speaker at the wall
    time the first `fill` reports."""

    def __init__(self, rate_hz: int, epoch_s: float | None, margin_s: float = MARGIN_S) -> None:
        """`epoch_s` None: no clock, each clip plays as soon as the one before has ended."""
        self.rate_hz = rate_hz
        self._epoch = epoch_s
        self._margin = int(round(margin_s * rate_hz))
        self._lock = threading.Lock()
        self._waiting: list[tuple[np.ndarray, float | None]] = []
        """Added before the stream said when its frame 0 plays."""
        self._placed = Timeline()
        """Clips on the stream's frame clock, each tagged with its start_s, kept until
        they have been handed to the stream whole."""
        self.frames_done = 0
        """Frames handed to the stream so far."""
        self._zero_at: float | None = None
        """Wall time at which frame 0 plays."""
        self._shift: int | None = None
        """Frames every clip is placed after its time: the stream's latency at opening
        (plus the margin), then only ever grown when a clip comes too late for its frame."""
        self._end = 0
        """The frame after the last clip placed."""

    def add(self, samples: np.ndarray, start_s: float | None) -> float:
        """`start_s` None: as soon as it can, after what is placed already. Returns how
        much later than its time it plays (s): more than 0 when this line, or one before
        it on this stream, came too late for its place (the lines after it move too)."""
        with self._lock:
            self._waiting.append((samples, start_s))
            if self._zero_at is not None:
                self._place_waiting()
            return self.moved_s

    @property
    def moved_s(self) -> float:
        """How late the lines play now, against their times on the wall clock. Counted
        from their times, not from the stream's first line: a loop that fell behind (a
        busy machine) sends its first line late, and the echo canceller must know that
        too (its voice reached the microphone 2 s after its place, beyond what the delay
        measurement reaches, and its own "stop" counted as a person's)."""
        return (self._shift or 0) / self.rate_hz

    def cut(self) -> None:
        """Nothing more of what was added: it was interrupted."""
        with self._lock:
            self._waiting.clear()
            self._placed.clear()

    def busy(self) -> bool:
        with self._lock:
            return bool(self._waiting or self._placed)

    def unplayed_from_s(self) -> float | None:
        """Start time of the first clip not yet handed to the stream whole."""
        with self._lock:
            starts = [s for _, s in self._waiting] + [c.tag for c in self._placed.clips]
            starts = [s for s in starts if s is not None]
        return min(starts) if starts else None

    def fill(self, out: np.ndarray, now_wall_s: float, latency_s: float) -> None:
        """The next `len(out)` frames; the first of them plays `latency_s` after
        `now_wall_s`."""
        with self._lock:
            if self._zero_at is None:
                self._zero_at = now_wall_s + latency_s - self.frames_done / self.rate_hz
                self._place_waiting()
            self._placed.mix_into(out, self.frames_done)
            self.frames_done += len(out)
            self._placed.forget_before(self.frames_done)

    def _place_waiting(self) -> None:
        for samples, start_s in self._waiting:
            at = self._frame_for(start_s)
            self._placed.place(at, samples, tag=start_s)
            self._end = max(self._end, at + len(samples))
        self._waiting.clear()

    def _frame_for(self, start_s: float | None) -> int:
        earliest = self.frames_done
        if self._epoch is None or start_s is None:
            return max(earliest + self._margin, self._end)
        at = int(round((self._epoch + start_s - self._zero_at) * self.rate_hz))
        if self._shift is None:
            self._shift = max(0, earliest + self._margin - at)
        if at + self._shift < earliest:
            _LOGGER.debug(
                "A line came %.0f ms too late for its place: later ones move too.",
                1000 * (earliest - at - self._shift) / self.rate_hz,
            )
            self._shift = earliest - at
        return at + self._shift
