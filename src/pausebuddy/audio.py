"""Audio at the edges: WAV and microphone sources, speaker and WAV sinks.

Sources yield blocks of 16 kHz mono int16 (what the hearing engines take); sinks take
`Clip`s at their own rate and a start time on the loop's clock.
"""

from __future__ import annotations

import logging
import queue
import threading
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
    """Any PCM WAV (8/16/24/32-bit, any rate, any channels) -> 16 kHz mono int16."""
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            raw = wav.readframes(wav.getnframes())
    except FileNotFoundError as exc:
        raise AudioError(f"{path}: no such file") from exc
    except (wave.Error, EOFError, OSError) as exc:
        raise AudioError(
            f"{path}: not a readable PCM WAV file ({exc}). Convert it first, for example:"
            f" sox {path.name} -b 16 fixed.wav"
        ) from exc
    if len(raw) < width * channels:
        raise AudioError(f"{path}: the WAV file holds no audio")
    if width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128) * 256
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    elif width == 3:
        bytes3 = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        as32 = (bytes3[:, 0].astype(np.int32) << 8 | bytes3[:, 1].astype(np.int32) << 16
                | bytes3[:, 2].astype(np.int32) << 24)
        data = as32.astype(np.float32) / 65536
    else:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 65536
    data = data[: len(data) // channels * channels].reshape(-1, channels).mean(axis=1)
    return to_int16(resample(data, rate, RATE_HZ))


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

    def close(self) -> None:
        mix = np.zeros(self._length, dtype=np.float32)
        for start, samples in self._placed:
            mix[start : start + len(samples)] += samples
        write_wav(self._path, mix)


class Speaker:
    """Plays clips in order on a thread, so the loop keeps listening while it speaks."""

    def __init__(self, device: str | None) -> None:
        import sounddevice as sd

        self._sd = sd
        self._device = _device(device)
        try:
            sd.check_output_settings(device=self._device, samplerate=22050, channels=1)
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioError(no_device_message("speaker", device, exc)) from exc
        self._queue: queue.Queue[Clip | None] = queue.Queue()
        self._thread = threading.Thread(target=self._play_all, daemon=True)
        self._thread.start()

    def play(self, clip: Clip, start_s: float) -> None:
        self._queue.put(clip)

    def _play_all(self) -> None:
        while (clip := self._queue.get()) is not None:
            try:
                self._sd.play(clip.samples, clip.rate_hz, device=self._device, blocking=True)
            except self._sd.PortAudioError as exc:
                _LOGGER.warning("The speaker failed (%s); carrying on without sound.", exc)

    def extend_to(self, seconds: float) -> None:
        pass

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)


class NullSink:
    def play(self, clip: Clip, start_s: float) -> None:
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

        return str(sd.query_devices())
    except (OSError, ImportError) as exc:
        return f"No audio system found ({exc}). Install it: sudo apt install libportaudio2"
