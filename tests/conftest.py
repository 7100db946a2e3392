"""Helpers: speech synthesized at test time, the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from pausebuddy.synth import scene, voices

# Two very different speakers: Piper's neural voice and espeak-ng's formant (klatt) voice.
VOICES = [voices.PIPER, "en-us+klatt"]
BEFORE = "I cannot believe you said that to my mother again."
AFTER = "Fine, whatever you want."
ONE_CYCLE = (
    "In two three four Hold two three four five six seven Out two three four five six seven eight"
).split()
"""What one 4-7-8 cycle says, count by count."""


# The CLI runs with its own empty config, state and data dirs: a developer's real
# config or pending break never changes what a test sees.
_HOME = Path(tempfile.mkdtemp(prefix="pausebuddy-test-home-"))
ENV = {
    **os.environ,
    **{
        f"XDG_{kind}_HOME": str(_HOME / kind.lower())
        for kind in ("CONFIG", "STATE", "DATA", "CACHE")
    },
}


def cli(*args: str | Path) -> list[str]:
    """The command line that runs `pausebuddy ARGS` in this Python."""
    return [sys.executable, "-m", "pausebuddy", *map(str, args)]


def run_cli(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli(*args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ENV,
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


@pytest.fixture
def write_config(tmp_path: Path):
    def write(text: str) -> Path:
        path = tmp_path / "config.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


FAST_MODULES = {
    "test_activity",
    "test_any_input",
    "test_audio",
    "test_config",
    "test_conversation",
    "test_denoise",
    "test_devices",
    "test_echo",
    "test_echo_delay",
    "test_exercises",
    "test_loop_logic",
    "test_pauses",
    "test_phrases",
    "test_quiet_hours",
    "test_verdict",
    "test_volume",
}
"""Modules whose tests run in seconds (the logic, with fakes of its own, and the
command's answers to mistakes): `pytest -m "not slow"` runs these alone, in under a
minute. Every other module synthesizes speech and runs the real engines."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.module.__name__ not in FAST_MODULES:
            item.add_marker(pytest.mark.slow)


# The sound server's room, for the tests that need it (a fixture, so imported here).
from sound_room import room  # noqa: E402, F401
