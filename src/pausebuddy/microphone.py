"""The live microphone, kept through unplugging, a busy device and a sound server restart.

`Microphone.blocks()` never ends and never raises: while the device is gone it yields
silence at the wall clock's pace, so the loop's clock (and every reminder on it) carries
on, and it reopens the device by name with a growing pause between tries. The loop is
told once when it stops hearing and once when it hears again.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import time
from collections.abc import Callable, Iterator

import numpy as np

from pausebuddy import audio
from pausebuddy.audio import (
    BLOCK,
    RATE_HZ,
    RETRY_S,
    AudioError,
    device_id,
    no_device_message,
    reread_devices,
)

_LOGGER = logging.getLogger(__name__)

STALL_S = 2.0
"""No audio for this long means the device is gone: an unplugged USB microphone stops
delivering (ALSA) or is moved to a source that delivers nothing (PulseAudio, PipeWire)."""
_GAP_MIN = RATE_HZ // 100
_GAP_MAX = 5 * RATE_HZ
"""Gaps in the ADC times filled with silence: from 10 ms (less is jitter) to 5 s (more is
a clock that jumped, not audio that was dropped)."""
FIRST_AUDIO_S = 6.0
"""A stream just opened may take this long to deliver (PulseAudio took 2 s here)."""


class Microphone:
    """sounddevice capture. The callback only queues a copy; all work is on our side."""

    def __init__(
        self,
        device: str | None,
        on_change: Callable[[bool], None] | None = None,
        keep_trying: bool = False,
        stall_s: float = STALL_S,
        epoch_s: float | None = None,
    ) -> None:
        """Opens the device now, so a wrong name is a clear error at start; with
        `keep_trying` (a service) it is a warning, and it waits for the device.
        `on_change(hearing)` is called from `blocks()` when it loses or regains the room.
        `epoch_s`: the wall clock at the audio clock's 0 (the speaker's too): the first
        block is preceded by silence up to when it was heard."""
        self._device = device
        self._epoch = epoch_s
        self._first_heard_s: float | None = None
        """Wall time of the first sample the device gave."""
        self.on_change = on_change
        self._stall_s = stall_s
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=600)
        self._stream = None
        self._next_adc: float | None = None
        """ADC time (PortAudio's clock) at which the next callback's audio should start."""
        try:
            self._open()
        except AudioError as exc:
            if not keep_trying:
                raise
            _LOGGER.warning("%s It keeps trying.", exc)

    @property
    def hearing(self) -> bool:
        """Whether the device is open (without it, `blocks` yields silence)."""
        return self._stream is not None

    def _open(self) -> None:
        import sounddevice as sd

        self._next_adc = None
        try:
            stream = sd.InputStream(
                samplerate=RATE_HZ,
                channels=1,
                dtype="int16",
                blocksize=BLOCK,
                device=device_id(self._device),
                callback=self._on_audio,
            )
            stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioError(no_device_message("microphone", self._device, exc)) from exc
        self._stream = stream
        audio.open_streams += 1

    def _close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            audio.open_streams -= 1
            with contextlib.suppress(Exception):  # it is gone already: nothing to save
                stream.abort()
                stream.close()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()

    def _on_audio(self, indata, frames, time_info, status) -> None:
        # A callback that comes late (pocketsphinx holds Python's GIL while it decodes,
        # 0.25 s at worst here) finds audio dropped, and PortAudio does not say so; the
        # ADC times show the gap to the sample. Silence fills it: the audio clock, and
        # with it every reply's time and the echo canceller's alignment, stays true.
        adc = time_info.inputBufferAdcTime
        if self._first_heard_s is None:
            # Heard this long ago, by the stream's own clock (0 where it has none).
            ago = time_info.currentTime - adc if adc > 0 else frames / RATE_HZ
            self._first_heard_s = time.time() - min(max(ago, 0.0), 1.0)
        if adc > 0 and self._next_adc is not None:
            gap = int(round((adc - self._next_adc) * RATE_HZ))
            if _GAP_MIN <= gap <= _GAP_MAX:
                self._put(np.zeros(gap, dtype=np.int16))
        self._next_adc = adc + frames / RATE_HZ if adc > 0 else None
        self._put(indata[:, 0].copy())

    def _put(self, samples: np.ndarray) -> None:
        try:
            self._queue.put_nowait(samples)
        except queue.Full:
            pass  # the consumer is far behind; dropping old audio beats growing forever

    def blocks(self) -> Iterator[np.ndarray]:
        """Audio while it hears the room, silence while it does not; forever."""
        started = time.monotonic()
        if self._epoch is not None:
            started -= min(max(time.time() - self._epoch, 0.0), _GAP_MAX / RATE_HZ)
        given = 0  # samples yielded, to keep the audio clock on the wall clock
        try:
            while True:
                block = None
                if self._stream is not None:
                    with contextlib.suppress(queue.Empty):
                        block = self._queue.get(
                            timeout=self._stall_s if given else max(self._stall_s, FIRST_AUDIO_S)
                        )
                if block is not None:
                    for piece in self._from_epoch(block) if not given else (block,):
                        given += len(piece)
                        yield piece
                    continue
                if self._stream is not None:
                    _LOGGER.warning(
                        "The microphone stopped sending audio; it keeps trying to reopen it."
                    )
                    self._close()
                self._notify(False)
                for silence in self._until_reopened(started, given):
                    given += len(silence)
                    yield silence
                for silence in _silence_until(time.monotonic(), started, given):
                    given += len(silence)
                    yield silence
                _LOGGER.info("The microphone is back.")
                self._notify(True)
        finally:
            self._close()

    def _from_epoch(self, first: np.ndarray) -> list[np.ndarray]:
        """The first block on the clock that starts at the epoch: after silence for the
        time before the device gave anything. A sound server may start delivering a
        second or more after it was opened (more on a busy machine); counted from there,
        the audio clock ran behind the speaker's, and live its own voice reached the
        microphone earlier than the echo delay measurement reaches (echo_delay.EARLIEST):
        deaf while it spoke, it did not hear "stop"."""
        if self._epoch is None:
            return [first]
        heard_s = self._first_heard_s if self._first_heard_s is not None else time.time()
        return lead_in(first, heard_s - self._epoch)

    def _until_reopened(self, started: float, given: int) -> Iterator[np.ndarray]:
        """Silence up to the wall clock, while it retries with growing pauses."""
        for attempt in itertools.count():
            pause = RETRY_S[min(attempt, len(RETRY_S) - 1)]
            deadline = time.monotonic() + pause
            while (now := time.monotonic()) < deadline:
                for silence in _silence_until(now, started, given):
                    given += len(silence)
                    yield silence
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
            reread_devices()
            try:
                self._open()
            except AudioError as exc:
                _LOGGER.debug("Still no microphone: %s", exc)
                continue
            # Opened is not hearing: a sound server opens a missing source as silence
            # that never comes. Back only once real audio arrives.
            try:
                self._queue.get(timeout=max(self._stall_s, FIRST_AUDIO_S))
                return
            except queue.Empty:
                _LOGGER.debug("The microphone opened but sends nothing yet.")
                self._close()

    def _notify(self, hearing: bool) -> None:
        if self.on_change is not None:
            self.on_change(hearing)


def lead_in(first: np.ndarray, late_s: float) -> list[np.ndarray]:
    """The first block heard `late_s` after the audio clock's 0: silence before it, in
    blocks. Unchanged when heard before 0, or later than a clock that had not jumped."""
    lead = int(round(late_s * RATE_HZ))
    if lead < 0 or lead > _GAP_MAX:
        return [first]
    silence = [np.zeros(BLOCK, dtype=first.dtype)] * (lead // BLOCK)
    return [*silence, np.concatenate([np.zeros(lead % BLOCK, dtype=first.dtype), first])]


def take(blocks: Iterator[np.ndarray], seconds: float) -> np.ndarray:
    """The next `seconds` of audio from `blocks` (kept in memory only)."""
    pieces, have = [], 0
    while have < seconds * RATE_HZ:
        pieces.append(next(blocks))
        have += len(pieces[-1])
    return np.concatenate(pieces)[: int(seconds * RATE_HZ)]


def _silence_until(now: float, started: float, given: int) -> Iterator[np.ndarray]:
    """Blocks of silence that bring `given` samples up to the wall clock's `now`."""
    for _ in range((int((now - started) * RATE_HZ) - given) // BLOCK):
        yield np.zeros(BLOCK, dtype=np.int16)
