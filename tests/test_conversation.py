"""The conversation state machine, driven with a fake mouth (glue only; the real loop is
tested on real audio in test_loop.py)."""

from __future__ import annotations

import dataclasses

from pausebuddy.config import Config
from pausebuddy.conversation import Conversation, prompts
from pausebuddy.phrases import Intent

LINES = prompts()


class Mouth:
    """Says each text in a fixed 2 s and remembers when."""

    def __init__(self) -> None:
        self.said: list[tuple[float, str]] = []
        self.events: list[dict] = []

    def speak(self, text: str, at: float) -> float:
        start = max(at, self.said[-1][0] + 2.0) if self.said else at
        self.said.append((start, text))
        return start + 2.0

    def texts(self) -> list[str]:
        return [text for _, text in self.said]


def make(**overrides) -> tuple[Conversation, Mouth]:
    mouth = Mouth()
    config = dataclasses.replace(Config(), **overrides)
    return Conversation(config, mouth.speak, mouth.events.append), mouth


def run_until_idle(conversation: Conversation, limit_s: float = 10_000) -> None:
    while (due := conversation.next_due()) is not None and due < limit_s:
        conversation.tick(due)


def test_time_out_acknowledges_then_breathes_then_reminds() -> None:
    conversation, mouth = make(break_minutes=20, reminder_repeats=0)
    conversation.on_heard(Intent.TIMEOUT, 10.0)
    run_until_idle(conversation)
    texts = mouth.texts()
    assert mouth.said[0] == (10.0, LINES["timeout_ack"])
    assert texts.count("In") == 4 and texts.index("In") < texts.index("Out")
    remind_in = LINES["remind_in"].format(duration="20 minutes")
    announced = next(t for t, text in mouth.said if text == remind_in)
    reminder_at = next(t for t, text in mouth.said if text.startswith("It's been 20 minutes"))
    assert reminder_at == announced + 2.0 + 20 * 60  # counted from the announcement's end
    assert texts[-1] == LINES["return_prompt"]
    assert [e["type"] for e in mouth.events] == ["session_started", "session_ended", "reminder"]


def test_grounding_or_no_exercise_for_a_time_out() -> None:
    conversation, mouth = make(timeout_exercise="grounding")
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    run_until_idle(conversation, limit_s=600)
    assert any("five things you can see" in t for t in mouth.texts())

    conversation, mouth = make(timeout_exercise="none")
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    assert mouth.texts() == [LINES["timeout_ack"], LINES["remind_in"].format(duration="20 minutes")]


def test_stop_ends_a_session_kindly_and_the_break_still_runs() -> None:
    conversation, mouth = make()
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    conversation.tick(15.0)
    conversation.on_heard(Intent.STOP, 16.0)
    assert LINES["stopped"] in mouth.texts()
    assert conversation.session is None and conversation.pending_break is not None


def test_breathing_on_request_has_no_reminder() -> None:
    conversation, mouth = make()
    conversation.on_heard(Intent.BREATHE, 0.0)
    run_until_idle(conversation)
    assert conversation.pending_break is None
    assert not any(text.startswith("It's been") for text in mouth.texts())


def test_five_more_minutes_snoozes_and_ready_ends_the_break() -> None:
    conversation, mouth = make(timeout_exercise="none", break_minutes=1)
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    conversation.tick(100.0)
    assert conversation.expecting_reply
    conversation.on_heard(Intent.MORE_TIME, 110.0)
    assert mouth.texts()[-1] == LINES["snooze"].format(duration="5 minutes")
    assert conversation.next_due() == 112.0 + 300
    conversation.tick(412.0)
    assert mouth.texts()[-1] == LINES["return_prompt"]
    conversation.on_heard(Intent.READY, 420.0)
    assert mouth.texts()[-1] == LINES["ready"]
    assert conversation.next_due() is None


def test_unanswered_reminder_repeats_then_goes_quiet() -> None:
    conversation, mouth = make(timeout_exercise="none", break_minutes=1, reminder_repeats=2)
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    run_until_idle(conversation)
    assert sum(text.startswith("It's been") for text in mouth.texts()) == 3
    assert conversation.next_due() is None


def test_cancel_ends_the_break_early() -> None:
    conversation, mouth = make(timeout_exercise="none")
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    conversation.on_heard(Intent.CANCEL, 30.0)
    assert mouth.texts()[-1] == LINES["cancel"]
    assert conversation.next_due() is None


def test_time_out_during_a_break_says_the_time_left() -> None:
    conversation, mouth = make(timeout_exercise="none")
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    conversation.on_heard(Intent.TIMEOUT, 64.0)
    assert mouth.texts()[-1] == LINES["break_running"].format(duration="19 minutes")


def test_replies_are_listened_for_only_when_they_make_sense() -> None:
    conversation, _ = make()
    assert not conversation.expecting_reply
    assert Intent.STOP not in conversation.allowed_intents()
    conversation.on_heard(Intent.BREATHE, 0.0)
    assert conversation.expecting_reply and Intent.STOP in conversation.allowed_intents()
