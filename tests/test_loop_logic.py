"""The loop's logic with fakes of our own, in milliseconds: a recognizer that hears what
the script says at the moment the script says, a voice whose clips are silent and as
long as the words would take, and a sink that keeps what was played. The loop on real
speech, with the real engines, is tested in test_loop.py; this is glue only."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from pausebuddy.config import Config, HearingConfig
from pausebuddy.events import EventLog
from pausebuddy.hearing import Heard
from pausebuddy.loop import Loop
from pausebuddy.phrases import Intent
from pausebuddy.sinks import SteadySink
from pausebuddy.voice import Clip
from pausebuddy.wording import prompts

LINES = prompts()
RATE = 16000
BLOCK = RATE // 10


class ScriptedRecognizer:
    """Hears each (at_s, intent) of its script once the audio's clock passes at_s, if it
    is listening for that kind of thing then."""

    def __init__(self, script: list[tuple[float, Intent, float | None]]) -> None:
        self.script = sorted(script, key=lambda item: item[0])
        self.expecting_reply = False
        self.over_own_voice = False
        self.now_s = 0.0
        self.skipped_s = 0.0

    def accept(self, samples: np.ndarray) -> list[Heard]:
        self.now_s += len(samples) / RATE
        return self._due()

    def skip(self, n_samples: int) -> None:
        self.now_s += n_samples / RATE
        self.skipped_s += n_samples / RATE

    def flush(self) -> list[Heard]:
        return self._due()

    def _due(self) -> list[Heard]:
        heard = []
        while self.script and self.script[0][0] <= self.now_s:
            at_s, intent, length_s = self.script.pop(0)
            heard.append(Heard(intent.value, at_s - 1.0, at_s, 0.99, intent, length_s=length_s))
        return heard


class SilentVoice:
    """A clip of silence as long as the words would take (0.3 s a word)."""

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def render(self, text: str) -> Clip:
        self.rendered.append(text)
        words = max(1, len(text.split()))
        return Clip(np.zeros(int(0.3 * words * RATE), dtype=np.int16), RATE)


class KeptSink(SteadySink):
    def __init__(self) -> None:
        self.played: list[tuple[float, float]] = []
        self.end_s = 0.0

    def play(self, clip: Clip, start_s: float) -> None:
        self.played.append((start_s, clip.duration_s))

    def extend_to(self, seconds: float) -> None:
        self.end_s = max(self.end_s, seconds)

    def cut(self, seconds: float) -> None:
        self.played = [(s, d) for s, d in self.played if s < seconds]

    def close(self) -> None:
        pass


def _loop(script: list, events: EventLog, **overrides) -> Loop:
    """A loop on the fakes, with `overrides` to the config and the loop's own options."""
    options = {k: overrides.pop(k) for k in ("hearing_room",) if k in overrides}
    config = dataclasses.replace(Config(), hearing=HearingConfig(barge_in=False), **overrides)
    return Loop(
        config,
        ScriptedRecognizer(script),
        SilentVoice(),
        KeptSink(),
        events,
        **options,
    )


def _run(
    script: list[tuple[float, Intent, float | None]], seconds: float, **overrides
) -> tuple[list[dict], SilentVoice, ScriptedRecognizer]:
    events = EventLog(keep=True)
    loop = _loop(script, events, **overrides)
    recognizer, voice = loop._recognizer, loop._voice
    silence = np.zeros(BLOCK, dtype=np.int16)
    loop.run(silence for _ in range(int(seconds * RATE / BLOCK)))
    return events.events, voice, recognizer


def _said(events: list[dict]) -> list[str]:
    return [e["text"] for e in events if e["type"] == "said"]


def test_a_time_out_is_acknowledged_at_once_then_the_exercise_then_the_reminder() -> None:
    events, _, _ = _run(
        [(2.0, Intent.TIMEOUT, None)], 10, break_minutes=10, breathing_cycles=1, reminder_repeats=0
    )
    said = _said(events)
    assert said[0] == LINES["timeout_ack"]
    first = next(e for e in events if e["type"] == "said")
    assert first["t"] - 2.0 < 0.2  # within a block of the phrase's end
    assert said.count("In") == 1
    started = next(e for e in events if e["type"] == "break_started")
    assert started["length_s"] == 600
    reminder = next(e for e in events if e["type"] == "reminder")
    announced = next(e for e in events if e["type"] == "said" and e["t"] == started["t"])
    assert reminder["t"] == announced["end"] + 600  # counted from the announcement's end


def test_a_spoken_length_from_the_hearing_is_the_break_length() -> None:
    events, _, _ = _run(
        [(1.0, Intent.TIMEOUT, 45 * 60.0)], 5, timeout_exercise="none", reminder_repeats=0
    )
    started = next(e for e in events if e["type"] == "break_started")
    assert started["length_s"] == 45 * 60


def test_stop_during_breathing_ends_the_session_and_the_break_runs_on() -> None:
    events, _, _ = _run(
        [(1.0, Intent.TIMEOUT, None), (12.0, Intent.STOP, None)],
        30,
        break_minutes=10,
        reminder_repeats=0,
    )
    types = [e["type"] for e in events]
    ended = next(e for e in events if e["type"] == "session_ended")
    assert ended["stopped"] and "In" not in _said(events)
    assert types.index("session_ended") < types.index("break_started") < types.index("reminder")


def test_replies_outside_a_session_are_not_acted_on() -> None:
    events, _, _ = _run([(1.0, Intent.STOP, None), (2.0, Intent.READY, None)], 5)
    assert _said(events) == []
    assert [e for e in events if e["type"] != "heard"] == []


def test_it_does_not_listen_to_its_own_voice_without_barge_in() -> None:
    _, _, recognizer = _run([(1.0, Intent.BREATHE, None)], 20, breathing_cycles=1)
    assert recognizer.skipped_s > 5  # deaf while it spoke the counts


def test_ready_is_said_once_audio_comes_from_an_open_device(caplog) -> None:
    room = {"open": False}
    loop = _loop([], EventLog(), hearing_room=lambda: room["open"])
    silence = np.zeros(BLOCK, dtype=np.int16)
    with caplog.at_level(logging.INFO, logger="pausebuddy.loop"):
        loop.run([silence] * 5)  # the missing microphone's silence
        assert "Ready: listening." not in caplog.text
        loop.microphone_changed(True)
        room["open"] = True
        loop.run([silence] * 5)
    assert caplog.text.count("Ready: listening.") == 1


def test_nothing_to_listen_to_says_no_ready(caplog) -> None:
    loop = _loop([], EventLog())
    with caplog.at_level(logging.INFO, logger="pausebuddy.loop"):
        loop.conversation.start("breathing", 0.0)
        loop.run(iter(()))  # `breathe --output`: no input at all
    assert "Ready: listening." not in caplog.text
