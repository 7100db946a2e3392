"""Audio at the edges: WAV and microphone sources, speaker and WAV sinks.

Sources yield blocks of 16 kHz mono int16 (what the hearing engines take); sinks take
`Clip`s at their own rate and a start time on the loop's clock.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import struct
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from pausebuddy.voice import Clip

_LOGGER = logging.getLogger(__name__)

RATE_HZ = 16000
BLOCK_S = 0.1
BLOCK = int(RATE_HZ * BLOCK_S)


class AudioError(Exception):
    """An audio file or device problem; the message says what to do next."""


# -- resampling ------------------------------------------------------------------------


def resample(samples: np.ndarray, src_hz: int, dst_hz: int) -> np.ndarray:
    """Band-limit then interpolate: good enough for speech, no scipy needed."""
    samples = np.asarray(samples, dtype=np.float32)
    if src_hz == dst_hz or len(samples) == 0:
        return samples
    if dst_hz < src_hz:
        samples = np.convolve(samples, _lowpass(0.45 * dst_hz / src_hz), mode="same")
    n_out = int(round(len(samples) * dst_hz / src_hz))
    positions = np.arange(n_out) * (src_hz / dst_hz)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def _lowpass(cutoff: float, taps: int = 63) -> np.ndarray:
    """Windowed-sinc low-pass; cutoff as a fraction of the sample rate."""
    n = np.arange(taps) - (taps - 1) / 2
    kernel = np.sinc(2 * cutoff * n) * np.hamming(taps)
    return (kernel / kernel.sum()).astype(np.float32)


def to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.round(samples), -32768, 32767).astype(np.int16)


# -- sources ---------------------------------------------------------------------------


def read_wav(path: str | Path) -> np.ndarray:
    """Any WAV (8/16/24/32-bit PCM or float, any rate, any channels) -> 16 kHz mono int16."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise AudioError(f"{path}: no such file") from exc
    except OSError as exc:
        raise AudioError(f"{path}: cannot read it ({exc.strerror})") from exc
    if not data:
        raise AudioError(f"{path}: the file is empty")
    try:
        fmt, raw = _riff_chunks(data)
        samples, rate = _decode(fmt, raw)
    except (ValueError, struct.error) as exc:
        raise AudioError(
            f"{path}: not a readable WAV file ({exc}). Convert it first, for example:"
            f" sox {path.name} -b 16 fixed.wav"
        ) from exc
    if len(samples) == 0:
        raise AudioError(f"{path}: the WAV file holds no audio")
    return to_int16(resample(samples, rate, RATE_HZ))


def _riff_chunks(data: bytes) -> tuple[bytes, bytes]:
    """The 'fmt ' and 'data' chunks. Python 3.11's wave module refuses WAVE_FORMAT_EXTENSIBLE,
    which sox writes for 24-bit and multichannel files, hence this small reader."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("no RIFF/WAVE header")
    fmt = raw = None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if chunk_id == b"fmt ":
            fmt = body
        elif chunk_id == b"data":
            raw = body
        pos += 8 + size + (size & 1)
    if fmt is None or raw is None:
        raise ValueError("no fmt or data chunk")
    return fmt, raw


def _decode(fmt: bytes, raw: bytes) -> tuple[np.ndarray, int]:
    tag, channels, rate = struct.unpack("<HHI", fmt[:8])
    bits = struct.unpack("<H", fmt[14:16])[0]
    if tag == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real tag follows
        tag = struct.unpack("<H", fmt[24:26])[0]
    if channels < 1 or rate < 1000:
        raise ValueError(f"{channels} channels at {rate} Hz")
    width = bits // 8
    raw = raw[: len(raw) // (width * channels) * width * channels]
    if tag == 3 and width in (4, 8):
        samples = np.frombuffer(raw, dtype=f"<f{width}").astype(np.float32) * 32768
    elif tag == 1 and width == 1:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128) * 256
    elif tag == 1 and width == 2:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    elif tag == 1 and width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        samples = ((b[:, 0] << 8 | b[:, 1] << 16 | b[:, 2] << 24) >> 8).astype(np.float32) / 256
    elif tag == 1 and width == 4:
        samples = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 65536
    else:
        raise ValueError(f"unsupported sample format (tag {tag}, {bits} bits)")
    return samples.reshape(-1, channels).mean(axis=1), rate


def write_wav(path: str | Path, samples: np.ndarray, rate_hz: int = RATE_HZ) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate_hz)
        wav.writeframes(to_int16(samples).tobytes())


def wav_blocks(samples: np.ndarray) -> Iterator[np.ndarray]:
    for i in range(0, len(samples), BLOCK):
        yield samples[i : i + BLOCK]


class Microphone:
    """sounddevice capture. The callback only queues a copy; all work is on our side."""

    def __init__(self, device: str | None) -> None:
        import sounddevice as sd

        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=600)
        try:
            self._stream = sd.InputStream(
                samplerate=RATE_HZ, channels=1, dtype="int16", blocksize=BLOCK,
                device=_device(device), callback=self._on_audio,
            )
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioError(no_device_message("microphone", device, exc)) from exc

    def _on_audio(self, indata, frames, time, status) -> None:  # noqa: ANN001
        try:
            self._queue.put_nowait(indata[:, 0].copy())
        except queue.Full:
            pass  # the consumer is far behind; dropping old audio beats growing forever

    def blocks(self) -> Iterator[np.ndarray]:
        with self._stream:
            while True:
                yield self._queue.get()


# -- sinks -----------------------------------------------------------------------------


class WavTimeline:
    """Everything said, placed at its start time, written as one WAV aligned with the input."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._placed: list[tuple[int, np.ndarray]] = []
        self._length = 0

    def play(self, clip: Clip, start_s: float) -> None:
        samples = resample(clip.samples, clip.rate_hz, RATE_HZ)
        start = int(round(start_s * RATE_HZ))
        self._placed.append((start, samples))
        self._length = max(self._length, start + len(samples))

    def extend_to(self, seconds: float) -> None:
        self._length = max(self._length, int(seconds * RATE_HZ))

    def cut(self, seconds: float) -> None:
        """Silence from `seconds` on: it was interrupted."""
        at = int(round(seconds * RATE_HZ))
        self._placed = [(start, samples[: max(at - start, 0)])
                        for start, samples in self._placed if start < at]

    def close(self) -> None:
        mix = np.zeros(self._length, dtype=np.float32)
        for start, samples in self._placed:
            mix[start : start + len(samples)] += samples
        write_wav(self._path, mix)


class Speaker:
    """Plays clips in order on a thread, so the loop keeps listening while it speaks."""

    def __init__(self, device: str | None, epoch_s: float | None = None) -> None:
        """`epoch_s`: the wall clock at audio time 0. With it, each clip waits for its
        start time, so counts keep their grid however early they were queued."""
        import sounddevice as sd

        self._sd = sd
        self._epoch = epoch_s
        self._device = _device(device)
        try:
            sd.check_output_settings(device=self._device, samplerate=22050, channels=1)
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioError(no_device_message("speaker", device, exc)) from exc
        self._queue: queue.Queue[tuple[Clip, float] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._play_all, daemon=True)
        self._thread.start()

    def play(self, clip: Clip, start_s: float) -> None:
        self._queue.put((clip, start_s))

    def _play_all(self) -> None:
        while (item := self._queue.get()) is not None:
            clip, start_s = item
            if self._epoch is not None:
                time.sleep(max(0.0, self._epoch + start_s - time.time()))
            try:
                self._sd.play(clip.samples, clip.rate_hz, device=self._device, blocking=True)
            except self._sd.PortAudioError as exc:
                _LOGGER.warning("The speaker failed (%s); carrying on without sound.", exc)

    def extend_to(self, seconds: float) -> None:
        pass

    def cut(self, seconds: float) -> None:
        """Stop what is playing now and drop what is queued: it was interrupted."""
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._sd.stop()

    def close(self) -> None:
        """Let what is queued finish playing (it is short: one line at most)."""
        self._queue.put(None)
        self._thread.join(timeout=15)


class NullSink:
    def play(self, clip: Clip, start_s: float) -> None:
        pass

    def cut(self, seconds: float) -> None:
        pass

    def extend_to(self, seconds: float) -> None:
        pass

    def close(self) -> None:
        pass


def _device(name: str | None) -> int | str | None:
    if name is None:
        return None
    return int(name) if name.isdigit() else name


def no_device_message(what: str, device: str | None, exc: Exception) -> str:
    which = f"'{device}'" if device else "the default device"
    return (
        f"Cannot open the {what} ({which}: {exc}). List devices with `pausebuddy devices`,"
        f" then set audio.{'input' if what == 'microphone' else 'output'}_device in the"
        " config (a name or part of one). With no microphone, try `pausebuddy demo` or"
        " `pausebuddy run --input scene.wav`."
    )


def list_devices() -> str:
    try:
        import sounddevice as sd

        found = str(sd.query_devices())
    except (OSError, ImportError) as exc:
        return f"No audio system found ({exc}). Install it: sudo apt install libportaudio2"
    return found or (
        "No audio devices found. Plug in a USB microphone and speaker (or start the sound"
        " server), then run `pausebuddy devices` again. Without one, `pausebuddy demo`"
        " shows what it does."
    )
