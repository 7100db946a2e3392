"""Helpers: speech synthesized at test time, sox for noise, the real CLI in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pausebuddy import scene

# Two very different speakers: Piper's neural voice and espeak-ng's formant (klatt) voice.
VOICES = [scene.PIPER, "en-us+klatt"]
BEFORE = "I cannot believe you said that to my mother again."
AFTER = "Fine, whatever you want."


def run_cli(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pausebuddy", *map(str, args)],
        capture_output=True, text=True, timeout=timeout,
    )


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def phrase_in_talk(voice: str, phrase: str, gap_s: float = 0.4) -> scene.Scene:
    """Other talk, the phrase, more talk: the phrase's interval is marks[0]."""
    talk = scene.Scene()
    talk.add(voice, BEFORE, 0.3)
    talk.add(voice, phrase, gap_s, label="phrase")
    talk.add(voice, AFTER, 0.4)
    return talk.pause(1.0)


def mix_noise(clean: Path, noisy: Path, snr_db: float, color: str = "pinknoise") -> Path:
    """Mix noise at `snr_db` below the speech's RMS with sox."""
    stat = subprocess.run(["sox", str(clean), "-n", "stat"], capture_output=True, text=True)
    rms = float(next(line.split()[-1] for line in stat.stderr.splitlines()
                     if line.startswith("RMS") and "amplitude" in line))
    duration = subprocess.run(["soxi", "-D", str(clean)], capture_output=True, text=True)
    noise = noisy.with_suffix(".noise.wav")
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(noise), "synth",
                    duration.stdout.strip(), color, "vol", "0.5"], check=True)
    stat = subprocess.run(["sox", str(noise), "-n", "stat"], capture_output=True, text=True)
    noise_rms = float(next(line.split()[-1] for line in stat.stderr.splitlines()
                           if line.startswith("RMS") and "amplitude" in line))
    gain = rms / noise_rms / 10 ** (snr_db / 20)
    subprocess.run(["sox", "-m", str(clean), "-v", f"{gain:.5f}", str(noise), str(noisy)],
                   check=True)
    return noisy


@pytest.fixture
def write_config(tmp_path: Path):
    def write(text: str) -> Path:
        path = tmp_path / "config.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
