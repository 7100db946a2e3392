"""What is heard under the phrase (noise, other talk, a partner, music), and the one way
it is mixed under speech at a signal-to-noise ratio: against the speech's level, pauses
left out, as in speech-in-noise tests."""

from __future__ import annotations

import random
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from pausebuddy.audio import RATE_HZ, read_wav, write_wav
from pausebuddy.synth.corpus import talk_pieces
from pausebuddy.synth.voices import BABBLE_SPEAKERS, PARTNER, say


def speech_level(samples: np.ndarray) -> float:
    """RMS of the speech in `samples`, pauses left out (20 ms frames within 30 dB of
    the loudest): the level an SNR is measured against, as in speech-in-noise tests."""
    frames = samples[: len(samples) // 320 * 320].astype(np.float64).reshape(-1, 320)
    power = np.mean(frames**2, axis=1)
    if not len(power) or power.max() == 0:
        return 0.0
    loud = power[power > power.max() / 1000]
    return float(np.sqrt(np.mean(loud)))


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """`noise` (looped to length) under `speech` at `snr_db` below the speech's level."""
    if len(noise) < len(speech):
        noise = np.tile(noise, len(speech) // len(noise) + 1)
    noise = noise[: len(speech)].astype(np.float64)
    noise_rms = float(np.sqrt(np.mean(noise**2))) or 1.0
    gain = speech_level(speech) / noise_rms / 10 ** (snr_db / 20)
    mixed = speech.astype(np.float64) + gain * noise
    return np.clip(mixed, -32768, 32767).astype(np.int16)


def mix_files(
    clean: str | Path, noisy: str | Path, snr_db: float, color: str = "pinknoise"
) -> Path:
    """`clean` with sox's `color` noise `snr_db` under it (as `mix`), written to `noisy`."""
    speech = read_wav(clean)
    write_wav(noisy, mix(speech, noise(color, len(speech) / RATE_HZ + 0.1), snr_db))
    return Path(noisy)


def noise(color: str, seconds: float, volume: float = 0.5) -> np.ndarray:
    """sox's pinknoise, brownnoise or whitenoise, the same every run."""
    with tempfile.TemporaryDirectory(prefix="pausebuddy-noise-") as tmp:
        return read_wav(write_noise(Path(tmp) / "noise.wav", color, seconds, volume))


def write_noise(path: str | Path, color: str, seconds: float, volume: float = 0.5) -> Path:
    """sox's pinknoise, brownnoise or whitenoise as a 16 kHz WAV at `path`; -R makes it
    the same every run, so a scene is reproducible."""
    command = f"sox -R -n -r {RATE_HZ} -c 1 -b 16 {path} synth {seconds:.3f} {color}"
    subprocess.run([*command.split(), "vol", str(volume)], check=True, capture_output=True)
    return Path(path)


def babble(seconds: float, seed: int = 0) -> np.ndarray:
    """Other talk: three voices talking at once, each its own stream of lines."""
    total = int(seconds * RATE_HZ)
    mixed = np.zeros(total, dtype=np.float64)
    for index, speaker in enumerate(BABBLE_SPEAKERS):
        stream = np.concatenate(list(talk_pieces([speaker], seconds, seed + index)))
        mixed += np.resize(stream, total)
    return np.clip(mixed / 2, -32768, 32767).astype(np.int16)


def partner(seconds: float, seed: int = 0) -> np.ndarray:
    """One other person talking (an argument, chat), with the pauses of a conversation."""
    return np.concatenate(list(talk_pieces([PARTNER], seconds, seed, ("argument", "chat"))))


_LYRICS = (
    "hold me close tonight and never let me go the stars are falling down on you"
    " and me we dance until the morning light comes shining through the rain"
).split()
_MELODY = (45, 52, 60, 52, 45, 38, 45, 60, 67, 60, 52, 45)
"""espeak-ng pitches (0-99) the sung words step through."""
_CHORDS_HZ = (
    (130.8, 164.8, 196.0),
    (110.0, 130.8, 164.8),
    (87.3, 110.0, 130.8),
    (98.0, 123.5, 146.8),
)
"""C, A minor, F, G: a chord a bar."""


def music(seconds: float, seed: int = 0) -> np.ndarray:
    """A song: plucked chords (two beats a second, with overtones, decaying) under a
    voice singing lyrics word by word along a melody (espeak-ng, each word at its
    pitch and held longer than speech). Synthesized, as everything here."""
    rng = random.Random(seed)
    total = int(seconds * RATE_HZ)
    beat = RATE_HZ // 2
    t = np.arange(beat) / RATE_HZ
    band = np.zeros(total + beat)
    for k, at in enumerate(range(0, total, beat)):
        chord = _CHORDS_HZ[(k // 8) % len(_CHORDS_HZ)]
        note = sum(np.sin(2 * np.pi * f * h * t) / h for f in chord for h in (1, 2, 3))
        band[at : at + beat] += note * np.exp(-t * 5)
    band = band[:total] / np.abs(band).max() * 8000
    voice, words, k = [], 0, rng.randrange(len(_LYRICS))
    while words < total:
        word = say("en-us+f2", _LYRICS[k % len(_LYRICS)], 90, _MELODY[k % len(_MELODY)])
        gap = np.zeros(int(rng.uniform(0.05, 0.3) * RATE_HZ), dtype=np.int16)
        voice += [word, gap]
        words += len(word) + len(gap)
        k += 1
    sung = np.concatenate(voice)[:total].astype(np.float64)
    sung *= 8000 / max(speech_level(sung.astype(np.int16)), 1.0)
    return np.clip(band + sung, -32768, 32767).astype(np.int16)
