"""Where the loop's voice goes: what every sink offers (the `Sink` protocol, its health
included), and the two that need no device: the output WAV and nowhere. The speaker is
speaker.py."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Protocol

from pausebuddy.audio import RATE_HZ, resample, to_int16
from pausebuddy.timeline import Timeline
from pausebuddy.voice import Clip


class Sink(Protocol):
    """Takes clips at a start time on the loop's clock; reports its health."""

    working: bool
    """Its voice reaches the room (a speaker that failed does not, until it is back)."""
    speaking: bool
    """Whether it had something to play when it last failed or came back."""
    failed_from_s: float | None
    """When it stopped working (the loop's clock), if it has."""

    def play(self, clip: Clip, start_s: float) -> None: ...
    def extend_to(self, seconds: float) -> None: ...
    def cut(self, seconds: float) -> None: ...
    def close(self) -> None: ...
    def moved(self) -> list[tuple[float, float]]:
        """(start_s, seconds) of lines that play later than their time, since last asked."""
        ...


class SteadySink:
    """The health of a sink that cannot fail and never plays late."""

    working = True
    speaking = False
    failed_from_s: float | None = None

    def moved(self) -> list[tuple[float, float]]:
        return []


class NullSink(SteadySink):
    def play(self, clip: Clip, start_s: float) -> None:
        pass

    def cut(self, seconds: float) -> None:
        pass

    def extend_to(self, seconds: float) -> None:
        pass

    def close(self) -> None:
        pass


class WavTimeline(SteadySink):
    """Everything said, placed at its start time, written as one WAV aligned with the input.

    The file is opened at once (a path it cannot write is an error before any work), and
    written a piece at a time at the end: only the clips are held, never the whole
    timeline (a 45-minute scene is 170 MB as one array)."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        # Opened here, not by wave: a wave.open that fails complains again as it is freed.
        self._file = open(path, "wb")  # closed in close()
        self._wav = wave.open(self._file, "wb")
        self._placed = Timeline()
        self._length = 0

    def play(self, clip: Clip, start_s: float) -> None:
        samples = resample(clip.samples, clip.rate_hz, RATE_HZ)
        at = int(round(start_s * RATE_HZ))
        self._placed.place(at, samples)
        self._length = max(self._length, at + len(samples))

    def extend_to(self, seconds: float) -> None:
        self._length = max(self._length, int(seconds * RATE_HZ))

    def cut(self, seconds: float) -> None:
        """Silence from `seconds` on: it was interrupted."""
        self._placed.cut(int(round(seconds * RATE_HZ)))

    def close(self) -> None:
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(RATE_HZ)
        piece = 60 * RATE_HZ
        for at in range(0, self._length, piece):
            mix = self._placed.mix(at, min(piece, self._length - at))
            self._wav.writeframes(to_int16(mix).tobytes())
        self._wav.close()
        self._file.close()
