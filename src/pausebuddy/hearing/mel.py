"""Whisper's input: 80-bin log-mel frames of 16 kHz audio, 100 per second, in numpy.

The same arithmetic as OpenAI's `log_mel_spectrogram` (and faster-whisper's numpy
`FeatureExtractor`): a 400-point periodic Hann STFT with a hop of 160, centred with
reflection, the power spectrum through librosa's Slaney-scale mel filters, log10,
floored 8 below the window's loudest bin, then scaled to about -1..1. Written out here so
that hearing does not need PyTorch, librosa or PyAV.
"""

from __future__ import annotations

from functools import cache

import numpy as np

N_FFT = 400
HOP = 160
"""Samples per frame: 10 ms at 16 kHz."""
N_MELS = 80


def log_mel(samples: np.ndarray) -> np.ndarray:
    """(80, n_frames) float32 features of int16 (or -1..1 float) audio at 16 kHz;
    n_frames = len(samples) // 160."""
    audio = np.asarray(samples, dtype=np.float32)
    if samples.dtype == np.int16:
        audio = audio / 32768.0
    padded = np.pad(audio, N_FFT // 2, mode="reflect")
    count = 1 + (len(padded) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(
        padded, shape=(count, N_FFT), strides=(padded.strides[0] * HOP, padded.strides[0])
    )
    spectrum = np.fft.rfft(frames * _window(), axis=1)
    power = (spectrum.real**2 + spectrum.imag**2)[:-1]  # Whisper drops the last frame
    mel = _filters() @ power.T.astype(np.float32)
    log = np.log10(np.maximum(mel, 1e-10))
    log = np.maximum(log, log.max() - 8.0)
    return ((log + 4.0) / 4.0).astype(np.float32)


@cache
def _window() -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)


@cache
def _filters(rate_hz: int = 16000) -> np.ndarray:
    """librosa.filters.mel(sr=16000, n_fft=400, n_mels=80): Slaney's mel scale (linear
    below 1 kHz, logarithmic above), triangles normalized to equal area."""

    def hz_to_mel(hz: np.ndarray) -> np.ndarray:
        hz = np.asarray(hz, dtype=np.float64)
        linear = hz / (200.0 / 3)
        log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(hz >= 1000.0, log_part, linear)

    def mel_to_hz(mel: np.ndarray) -> np.ndarray:
        linear = mel * (200.0 / 3)
        log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
        return np.where(mel >= 15.0, log_part, linear)

    fft_hz = np.linspace(0, rate_hz / 2, N_FFT // 2 + 1)
    mel_hz = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(rate_hz / 2), N_MELS + 2))
    widths = np.diff(mel_hz)
    ramps = mel_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_hz[2 : N_MELS + 2] - mel_hz[:N_MELS]))[:, None]
    return weights.astype(np.float32)
