"""Audio at the edges: WAV files in and out, resampling, and what the devices share (the
microphone is microphone.py, the speaker speaker.py, the sinks sinks.py).

Sources yield blocks of 16 kHz mono int16 (what the hearing engines take).
"""

from __future__ import annotations

import itertools
import logging
import struct
import threading
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

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
    return np.concatenate(list(wav_pieces(path)))


def wav_file_blocks(path: str | Path) -> Iterator[np.ndarray]:
    """A WAV of any length as microphone-sized blocks, read a piece at a time: hours of
    input never sit in memory whole. The file is checked before the first block."""
    pieces = wav_pieces(path)
    first = next(pieces)  # a bad file is an error here, not halfway through a run
    return _reblock(itertools.chain([first], pieces))


def _reblock(pieces: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    left = np.zeros(0, dtype=np.int16)
    for piece in pieces:
        left = np.concatenate([left, piece])
        n = len(left) // BLOCK * BLOCK
        yield from wav_blocks(left[:n])
        left = left[n:]
    if len(left):
        yield left


_PIECE_S = 10
"""Seconds of a WAV decoded at a time."""


def wav_pieces(path: str | Path) -> Iterator[np.ndarray]:
    """16 kHz mono int16, about 10 s at a time. Raises AudioError for a file that cannot be
    read, at the first piece."""
    path = Path(path)
    try:
        wav = open(path, "rb")  # closed by the generator
    except FileNotFoundError as exc:
        raise AudioError(f"{path}: no such file") from exc
    except OSError as exc:
        raise AudioError(f"{path}: cannot read it ({exc.strerror})") from exc
    with wav:
        try:
            fmt, offset, size = _riff_layout(wav)
            tag, channels, rate, width = _format(fmt)
        except (ValueError, struct.error) as exc:
            if path.stat().st_size == 0:
                raise AudioError(f"{path}: the file is empty") from exc
            raise AudioError(
                f"{path}: not a readable WAV file ({exc}). Convert it first, for example:"
                f" sox {path.name} -b 16 fixed.wav"
            ) from exc
        frame = width * channels
        frames = size // frame
        if frames == 0:
            raise AudioError(f"{path}: the WAV file holds no audio")
        # Pieces of whole seconds, each with a second of context either side, so the
        # resampler sees no edges: the pieces join up sample-exactly.
        context = rate if rate != RATE_HZ else 0
        for first in range(0, frames, _PIECE_S * rate):
            begin = max(0, first - context)
            stop = min(frames, first + _PIECE_S * rate + context)
            wav.seek(offset + begin * frame)
            samples = _decode(tag, channels, width, wav.read((stop - begin) * frame))
            out = resample(samples, rate, RATE_HZ)
            skip = (first - begin) * RATE_HZ // rate
            keep = (min(frames, first + _PIECE_S * rate) - first) * RATE_HZ // rate
            yield to_int16(out[skip : skip + keep])


def _riff_layout(wav) -> tuple[bytes, int, int]:
    """The 'fmt ' chunk, and where the 'data' chunk starts and how long it is. Python
    3.11's wave module refuses WAVE_FORMAT_EXTENSIBLE, which sox writes for 24-bit and
    multichannel files, hence this small reader."""
    header = wav.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        raise ValueError("no RIFF/WAVE header")
    fmt = None
    while len(chunk := wav.read(8)) == 8:
        chunk_id, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if chunk_id == b"fmt ":
            fmt = wav.read(size)
        elif chunk_id == b"data":
            if fmt is None:
                raise ValueError("the data chunk comes before the fmt chunk")
            here = wav.tell()
            # A WAV written to a pipe may say 0 or 4 GB here: the file's end decides.
            end = wav.seek(0, 2)
            return fmt, here, min(size, end - here) if size else end - here
        else:
            wav.seek(size, 1)
        if size & 1:
            wav.seek(1, 1)
    raise ValueError("no fmt or data chunk")


def _format(fmt: bytes) -> tuple[int, int, int, int]:
    """(format tag, channels, rate, bytes per sample), checked."""
    tag, channels, rate = struct.unpack("<HHI", fmt[:8])
    bits = struct.unpack("<H", fmt[14:16])[0]
    if tag == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real tag follows
        tag = struct.unpack("<H", fmt[24:26])[0]
    if channels < 1 or rate < 1000:
        raise ValueError(f"{channels} channels at {rate} Hz")
    width = bits // 8
    if (tag, width) not in {(3, 4), (3, 8), (1, 1), (1, 2), (1, 3), (1, 4)}:
        raise ValueError(f"unsupported sample format (tag {tag}, {bits} bits)")
    return tag, channels, rate, width


def _decode(tag: int, channels: int, width: int, raw: bytes) -> np.ndarray:
    raw = raw[: len(raw) // (width * channels) * width * channels]
    if tag == 3:
        # Float samples belong in -1..1; anything else (damaged or odd files) is clipped
        # there, and NaN is silence, before scaling.
        floats = np.frombuffer(raw, dtype=f"<f{width}")
        samples = (
            np.clip(np.nan_to_num(floats, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0).astype(
                np.float32
            )
            * 32768
        )
    elif width == 1:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128) * 256
    elif width == 2:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        samples = ((b[:, 0] << 8 | b[:, 1] << 16 | b[:, 2] << 24) >> 8).astype(np.float32) / 256
    else:
        samples = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 65536
    return samples.reshape(-1, channels).mean(axis=1)


def write_wav(path: str | Path, samples: np.ndarray, rate_hz: int = RATE_HZ) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate_hz)
        wav.writeframes(to_int16(samples).tobytes())


def wav_blocks(samples: np.ndarray) -> Iterator[np.ndarray]:
    for i in range(0, len(samples), BLOCK):
        yield samples[i : i + BLOCK]


RETRY_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
"""Pauses between attempts to reopen a device; the last one repeats for as long as it takes."""


def device_id(name: str | None) -> int | str | None:
    if name is None:
        return None
    return int(name) if name.isdigit() else name


PORTAUDIO_LOCK = threading.Lock()
"""Held while PortAudio re-reads its devices and while a stream opens or closes, so one
never pulls the library out from under the other."""


open_streams = 0
"""Streams open now (microphone and speaker): PortAudio is not re-read under one (it
would end it)."""


def reread_devices() -> None:
    """PortAudio lists devices once, when it starts: re-read to see a replugged one."""
    import sounddevice as sd

    with PORTAUDIO_LOCK:
        if open_streams:
            return
        sd._terminate()  # how sounddevice refreshes its device list
        sd._initialize()


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
