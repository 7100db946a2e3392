"""It never takes its own voice for a command, and "stop" said over its voice stops it.

The room is simulated for real: what it said in a first run (its --output, aligned with
the input) is mixed back into the input at room-echo level, as a microphone would hear it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import json_lines, phrase_in_talk, run_cli

from pausebuddy import audio, scene
from pausebuddy.audio import RATE_HZ
from pausebuddy.conversation import prompts

LINES = prompts()
ECHO = 0.3
"""Its voice as the microphone hears it back, relative to what it played (-10 dB)."""
CONFIG = "break_minutes: 0.25\nbreathing_cycles: 1\nreminder_repeats: 0\n" \
    "hearing:\n  barge_in: true\n"


def _run(tmp_path: Path, config: Path, samples: np.ndarray, name: str):
    wav = tmp_path / f"{name}.wav"
    audio.write_wav(wav, samples)
    out, events = tmp_path / f"{name}.said.wav", tmp_path / f"{name}.jsonl"
    result = run_cli("run", "--config", config, "--input", wav, "--output", out,
                     "--events", events)
    assert result.returncode == 0, result.stderr
    return json_lines(events.read_text()), audio.read_wav(out)


def _mix(*tracks: np.ndarray) -> np.ndarray:
    length = max(len(t) for t in tracks)
    mix = np.zeros(length, dtype=np.float32)
    for track in tracks:
        mix[: len(track)] += track
    return audio.to_int16(mix)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """A whole time-out, and the room: the person plus its own voice coming back."""
    tmp_path = tmp_path_factory.mktemp("room")
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    person = phrase_in_talk(scene.PIPER, "Pause buddy, time out.").samples
    events, said = _run(tmp_path, config, person, "first")
    echo = (said.astype(np.float32) * ECHO).astype(np.int16)
    return tmp_path, config, person, events, echo


def test_its_own_voice_in_the_room_triggers_nothing(session) -> None:
    tmp_path, config, person, first_events, echo = session
    events, _ = _run(tmp_path, config, _mix(person, echo), "echo")
    heard = [e["intent"] for e in events if e["type"] == "heard"]
    assert heard == ["timeout"]
    said = [e["text"] for e in events if e["type"] == "said"]
    assert said == [e["text"] for e in first_events if e["type"] == "said"]


@pytest.mark.parametrize("over", ["a count", "a long line"])
def test_stop_over_its_voice_stops_it(session, over: str) -> None:
    tmp_path, config, person, first_events, _ = session
    said = [e for e in first_events if e["type"] == "said"]
    if over == "a count":
        # Just before the third count of the hold, so the two overlap.
        stop_at = next(e for e in said if e["text"] == "Hold")["t"] + 2.0 - 0.1
    else:
        # A second into "Sit comfortably, and rest the tip of your tongue ...".
        stop_at = next(e for e in said if e["text"].startswith("Sit comfortably"))["t"] + 1.0
    stop = scene.say(scene.PIPER, "Stop.")
    voice = np.zeros(int(stop_at * RATE_HZ) + len(stop) + 2 * RATE_HZ, dtype=np.int16)
    voice[int(stop_at * RATE_HZ) :][: len(stop)] = stop
    # Its own voice is not mixed in here: without echo cancellation pocketsphinx does not
    # pick "stop" out of its own voice at room level (measured: -10 dB hides it). A USB
    # speakerphone cancels the echo in hardware; software echo cancellation is open work.
    events, _ = _run(tmp_path, config, _mix(person, voice), "stop")

    heard = [e for e in events if e["type"] == "heard"]
    assert [e["intent"] for e in heard] == ["timeout", "stop"]
    assert stop_at - 0.3 <= heard[1]["start"]
    texts = [e["text"] for e in events if e["type"] == "said"]
    assert LINES["stopped"] in texts
    after = texts[texts.index(LINES["stopped"]) + 1 :]
    assert not any(t in ("four", "five", "six", "seven", "Out") for t in after)
    stopped = next(e for e in events if e["type"] == "said" and e["text"] == LINES["stopped"])
    assert stopped["t"] - heard[1]["end"] <= 0.5
    # If it was still talking when it heard "stop", it stopped talking right then.
    talking = [e for e in events if e["type"] == "said"
               and e["t"] < heard[1]["end"] < e["end"]]
    interrupted = [e for e in events if e["type"] == "interrupted"]
    if over == "a long line":
        assert talking and interrupted
    if talking:
        assert interrupted and interrupted[0]["t"] <= stopped["t"]
