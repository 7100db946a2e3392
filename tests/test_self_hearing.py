"""It never takes its own voice for a command, and "stop" said over its voice stops it.

The room is simulated for real: what it said in a first run (its --output, aligned with
the input) is mixed back into the input at room-echo level, as a microphone would hear it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import json_lines, phrase_in_talk, run_cli

from pausebuddy import audio
from pausebuddy.audio import RATE_HZ
from pausebuddy.config import Config
from pausebuddy.hearing import create_recognizer
from pausebuddy.phrases import PhraseBook
from pausebuddy.synth import backdrop, room, scene, voices
from pausebuddy.wording import prompts

LINES = prompts()


CONFIG = (
    "break_minutes: 0.25\nbreathing_cycles: 1\nreminder_repeats: 0\nhearing:\n  barge_in: true\n"
)


def _run(tmp_path: Path, config: Path, samples: np.ndarray, name: str):
    wav = tmp_path / f"{name}.wav"
    audio.write_wav(wav, samples)
    out, events = tmp_path / f"{name}.said.wav", tmp_path / f"{name}.jsonl"
    result = run_cli("run", "--config", config, "--input", wav, "--output", out, "--events", events)
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
    person = phrase_in_talk(voices.PIPER, "Pause buddy, time out.").samples
    events, said = _run(tmp_path, config, person, "first")
    return tmp_path, config, person, events, said


def test_its_own_voice_in_the_room_triggers_nothing(session) -> None:
    tmp_path, config, person, first_events, said = session
    events, _ = _run(tmp_path, config, _mix(person, room.echo(said, delay_s=0.02)), "echo")
    heard = [e["intent"] for e in events if e["type"] == "heard"]
    assert heard == ["timeout"]
    said = [e["text"] for e in events if e["type"] == "said"]
    assert said == [e["text"] for e in first_events if e["type"] == "said"]


@pytest.mark.parametrize("over", ["a count", "a long line"])
def test_stop_over_its_voice_stops_it(session, over: str) -> None:
    tmp_path, config, person, first_events, said_audio = session
    said = [e for e in first_events if e["type"] == "said"]
    if over == "a count":
        # Just before the third count of the hold, so the two overlap.
        stop_at = next(e for e in said if e["text"] == "Hold")["t"] + 2.0 - 0.1
    else:
        # A second into "Well done. Let your breathing return to normal." (Earlier lines
        # come while the echo canceller is still learning the room, and it does not
        # listen over its voice until it has.)
        stop_at = next(e for e in said if e["text"].startswith("Well done"))["t"] + 1.0
    stop = voices.say(voices.PIPER, "Stop.")
    voice = np.zeros(int(stop_at * RATE_HZ) + len(stop) + 2 * RATE_HZ, dtype=np.int16)
    voice[int(stop_at * RATE_HZ) :][: len(stop)] = stop
    # The room brings its voice back until it stops (the end of "stop" at the latest).
    echo = room.echo(said_audio, delay_s=0.02)[: int(stop_at * RATE_HZ) + len(stop)]
    events, _ = _run(tmp_path, config, _mix(person, voice, echo), "stop")

    heard = [e for e in events if e["type"] == "heard"]
    assert [e["intent"] for e in heard] == ["timeout", "stop"]
    assert stop_at - 0.3 <= heard[1]["start"]
    texts = [e["text"] for e in events if e["type"] == "said"]
    assert LINES["stopped"] in texts
    after = texts[texts.index(LINES["stopped"]) + 1 :]
    assert not any(t in ("four", "five", "six", "seven", "Out") for t in after)
    stopped = next(e for e in events if e["type"] == "said" and e["text"] == LINES["stopped"])
    assert stopped["t"] - heard[1]["end"] <= 0.5
    # If it was still talking when it heard "stop" (the event's time: when it knew), it
    # stopped talking right then.
    talking = [e for e in events if e["type"] == "said" and e["t"] < heard[1]["t"] < e["end"]]
    interrupted = [e for e in events if e["type"] == "interrupted"]
    if over == "a long line":
        assert talking and interrupted
    if talking:
        assert interrupted and interrupted[0]["t"] <= stopped["t"]


def _stops_heard(at_s: float, own_voice_from_s: float) -> list:
    """What the recognizer hears of en-us+f3's "stop" said at `at_s` in a quiet room
    after some talk, its own voice (cancelled to nothing) from `own_voice_from_s` on."""
    config = Config()
    recognizer = create_recognizer(config.hearing, PhraseBook(config.phrases))
    talk = scene.Scene().add(voices.PIPER, "I cannot believe you said that again.", 0.3).samples
    sound = (backdrop.noise("pinknoise", 10) * 0.01).astype(np.int16)
    sound[: min(len(talk), 3 * RATE_HZ)] += talk[: 3 * RATE_HZ]
    stop = voices.say("en-us+f3", "Stop.")
    at = int(round(at_s * RATE_HZ))
    sound[at : at + len(stop)] += stop
    heard = []
    for start in range(0, len(sound), RATE_HZ // 10):
        recognizer.over_own_voice = start >= own_voice_from_s * RATE_HZ
        heard += recognizer.accept(sound[start : start + RATE_HZ // 10])
    return [(h.text, round(h.start_s, 2)) for h in heard]


@pytest.mark.parametrize("at_s", [6.8, 6.9, 7.0, 7.1, 7.2])
def test_a_stop_said_across_the_stop_spotters_renewal_is_heard(at_s: float) -> None:
    """Over its own voice (from 3 s) the "stop" spotter starts a fresh utterance every
    5 s, from some way back (here at 7.5 s, from 6.5 s). A "stop" said across a renewal
    is heard once, where it was said: with 0.5 s heard again, the one at 7.0 s was not."""
    heard = _stops_heard(at_s, own_voice_from_s=3.0)
    assert [text for text, _ in heard] == ["stop"] and abs(heard[0][1] - at_s) < 0.2, heard


@pytest.mark.parametrize("at_s", [4.7, 4.8, 4.9, 5.0, 5.1])
def test_a_stop_said_as_its_voice_begins_is_heard(at_s: float) -> None:
    """The "stop" spotter takes over from the wake-word spotter as its voice begins (5 s)
    and hears the moment before again, unsuppressed as it hears everything: from the
    suppressed audio it missed the ones at 4.8 s (and 4.85 and 4.95)."""
    heard = _stops_heard(at_s, own_voice_from_s=5.0)
    assert [text for text, _ in heard] == ["stop"] and abs(heard[0][1] - at_s) < 0.2, heard
