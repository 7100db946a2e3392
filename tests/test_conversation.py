"""The conversation state machine, driven with a fake mouth (glue only; the real loop is
tested on real audio in test_loop.py)."""

from __future__ import annotations

import dataclasses
import logging
import time

from pausebuddy.breaks import BreakStore, SavedBreak
from pausebuddy.config import Config
from pausebuddy.conversation import Conversation
from pausebuddy.phrases import Intent
from pausebuddy.wording import prompts, say_clock, say_when

LINES = prompts()


class Mouth:
    """Says each text in a fixed time (2 s unless told) and remembers when."""

    def __init__(self, seconds: float = 2.0) -> None:
        self.seconds = seconds
        self.said: list[tuple[float, str]] = []
        self.volumes: list[float] = []
        self.events: list[dict] = []

    def speak(self, text: str, at: float, tone: bool = False, volume: float = 1.0) -> float:
        start = max(at, self.said[-1][0] + self.seconds) if self.said else at
        self.said.append((start, text))
        self.volumes.append(volume)
        return start + self.seconds

    def texts(self) -> list[str]:
        return [text for _, text in self.said]


def make(
    store: BreakStore | None = None, epoch_s: float = 0.0, **overrides
) -> tuple[Conversation, Mouth]:
    mouth = Mouth()
    config = dataclasses.replace(Config(), **overrides)
    conversation = Conversation(
        config, mouth.speak, mouth.events.append, store=store, epoch_s=epoch_s
    )
    return conversation, mouth


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
    reminder = next(e for e in mouth.events if e["type"] == "reminder")
    assert reminder["t"] == announced + 2.0 + 20 * 60  # counted from the announcement's end
    assert any(text.startswith("It's been 20 minutes") for text in texts)
    assert texts[-1] in LINES["return_prompts"]
    assert [e["type"] for e in mouth.events if e["type"] != "breath"] == [
        "session_started",
        "session_ended",
        "break_started",
        "reminder",
        "break_ended",
    ]
    # Each breathing phase is announced with its length (the light follows it).
    phases = [(e["phase"], e["seconds"]) for e in mouth.events if e["type"] == "breath"]
    assert phases == [("in", 4.0), ("hold", 7.0), ("out", 8.0)] * 4


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
    assert mouth.texts()[-1] in LINES["return_prompts"]
    conversation.on_heard(Intent.READY, 420.0)
    assert mouth.texts()[-1] in LINES["ready"]
    assert conversation.next_due() is None


def test_unanswered_reminder_repeats_then_goes_quiet() -> None:
    conversation, mouth = make(timeout_exercise="none", break_minutes=1, reminder_repeats=2)
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    run_until_idle(conversation)
    texts = mouth.texts()
    # Once with the break's length, then the same gentle invitation: no minutes counted up.
    assert sum(text.startswith("It's been") for text in texts) == 1
    assert sum(text.startswith("A gentle reminder") for text in texts) == 2
    assert conversation.next_due() is None
    assert mouth.events[-1]["type"] == "break_ended" and mouth.events[-1]["how"] == "unanswered"
    reminders = [e["t"] for e in mouth.events if e["type"] == "reminder"]
    assert reminders[1] - reminders[0] > 5 * 60  # five minutes after the last words


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


def test_a_named_length_is_used_within_bounds() -> None:
    conversation, mouth = make(timeout_exercise="none")
    conversation.on_heard(Intent.TIMEOUT, 0.0, amount_s=1800)
    assert mouth.texts()[-1] == LINES["remind_in"].format(duration="half an hour")
    assert conversation.next_due() == 4.0 + 1800

    conversation, mouth = make(timeout_exercise="none")
    conversation.on_heard(Intent.TIMEOUT, 0.0, amount_s=5 * 60)
    assert mouth.texts()[1] == LINES["length_too_short"].format(duration="10 minutes")
    assert conversation.next_due() == 6.0 + 600

    conversation, mouth = make(timeout_exercise="none")
    conversation.on_heard(Intent.TIMEOUT, 0.0, amount_s=30 * 3600)
    assert mouth.texts()[1] == LINES["length_too_long"].format(duration="24 hours")


def test_a_length_heard_just_after_the_time_out_belongs_to_it() -> None:
    # Hearing may report "time out" at once and "time out for half an hour" a moment
    # later: the break the exercise leads to is then half an hour.
    conversation, mouth = make(reminder_repeats=0)
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    conversation.on_heard(Intent.TIMEOUT, 2.5, amount_s=1800)
    assert mouth.texts().count(LINES["timeout_ack"]) == 1
    assert conversation.pending_break.length_s == 1800
    run_until_idle(conversation)
    assert LINES["remind_in"].format(duration="half an hour") in mouth.texts()

    # Later than that, a time-out with a length is a new request (here: one is running).
    conversation, mouth = make(reminder_repeats=0)
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    conversation.on_heard(Intent.TIMEOUT, 30.0, amount_s=1800)
    assert conversation.pending_break.length_s == 20 * 60


def test_snoozes_never_take_a_break_past_a_day() -> None:
    conversation, mouth = make(timeout_exercise="none", break_minutes=23 * 60 + 55)
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    due = conversation.next_due()
    conversation.tick(due)
    conversation.on_heard(Intent.MORE_TIME, due + 20, amount_s=600)
    assert mouth.texts()[-1].startswith("A break can't go past a day")
    assert conversation.next_due() <= 24 * 3600 + 2.0


def test_how_long_tells_the_time_left() -> None:
    conversation, mouth = make(timeout_exercise="none", epoch_s=1_000_000.0)
    conversation.on_heard(Intent.HOW_LONG, 0.0)
    assert mouth.texts()[-1] == LINES["how_long_none"]
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    conversation.on_heard(Intent.HOW_LONG, 64.0)
    due = say_clock(1_000_000.0 + 4.0 + 1200)
    assert mouth.texts()[-1] == LINES["how_long"].format(left="19 minutes", time=due)


def test_the_break_is_saved_on_every_change_and_removed_at_the_end(tmp_path) -> None:
    store = BreakStore(tmp_path / "break.json")
    conversation, _ = make(store=store, epoch_s=1_000_000.0, timeout_exercise="none")
    conversation.on_heard(Intent.TIMEOUT, 10.0)
    saved = store.load()
    assert saved == SavedBreak(started=1_000_012.0, due=1_000_014.0 + 1200, length_s=1200)
    conversation.tick(conversation.next_due())
    assert store.load().reminded == 1
    conversation.on_heard(Intent.READY, 1300.0)
    assert store.load() is None and not store.path.exists()


def test_a_saved_break_is_taken_up_after_a_restart(tmp_path) -> None:
    store = BreakStore(tmp_path / "break.json")
    store.save(SavedBreak(started=1_000_000.0, due=1_001_200.0, length_s=1200))
    # Restarted 10 minutes into the break: the reminder comes at the same wall time.
    conversation, mouth = make(store=store, epoch_s=1_000_600.0)
    conversation.restore(0.0)
    assert conversation.next_due() == 600.0
    conversation.tick(600.0)
    assert any(text.startswith("It's been 20 minutes") for text in mouth.texts())


def test_an_overdue_reminder_is_given_at_once_in_words_that_fit(tmp_path) -> None:
    store = BreakStore(tmp_path / "break.json")
    store.save(SavedBreak(started=1_000_000.0, due=1_001_200.0, length_s=1200))
    conversation, mouth = make(store=store, epoch_s=1_005_000.0)  # back an hour later
    conversation.restore(0.0)
    conversation.tick(0.1)
    assert mouth.texts()[0] == LINES["overdue"].format(when=f"at {say_clock(1_000_000.0)}")
    assert mouth.events[0]["overdue"] is True


def test_an_overdue_reminder_from_yesterday_names_the_day(tmp_path) -> None:
    store = BreakStore(tmp_path / "break.json")
    evening = time.mktime((2026, 12, 3, 22, 40, 0, 0, 0, -1))
    store.save(SavedBreak(started=evening, due=evening + 1200, length_s=1200))
    morning = time.mktime((2026, 12, 4, 7, 0, 0, 0, 0, -1))  # 8 h 20 min overdue
    conversation, mouth = make(store=store, epoch_s=morning)
    conversation.restore(0.0)
    conversation.tick(0.1)
    assert mouth.texts()[0] == LINES["overdue"].format(when="yesterday at 10:40")
    assert say_when(evening, evening + 3 * 86400) == "on Thursday at 10:40"


def test_a_break_over_12_hours_overdue_is_closed_without_a_word(tmp_path, caplog) -> None:
    store = BreakStore(tmp_path / "break.json")
    store.save(SavedBreak(started=1_000_000.0, due=1_001_200.0, length_s=1200))
    conversation, mouth = make(store=store, epoch_s=1_001_200.0 + 13 * 3600)
    with caplog.at_level(logging.INFO):
        conversation.restore(0.0)
    run_until_idle(conversation)
    assert mouth.texts() == []
    assert conversation.pending_break is None and not store.path.exists()
    assert mouth.events[-1] == {"t": 0.0, "type": "break_ended", "how": "stale"}
    assert any("closed without a reminder" in r.getMessage() for r in caplog.records)


def test_a_break_the_disk_refuses_goes_on_from_memory(tmp_path, caplog) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    store = BreakStore(blocker / "break.json")  # every save fails
    conversation, mouth = make(
        store=store, timeout_exercise="none", break_minutes=20, reminder_repeats=0
    )
    with caplog.at_level(logging.ERROR):
        conversation.on_heard(Intent.TIMEOUT, 0.0)
        run_until_idle(conversation)
    assert any(text.startswith("It's been 20 minutes") for text in mouth.texts())
    assert any("kept in memory" in r.getMessage() for r in caplog.records)


def test_a_damaged_break_file_is_moved_aside(tmp_path, caplog) -> None:
    store = BreakStore(tmp_path / "break.json")
    store.path.write_text("{not json", encoding="utf-8")
    assert store.load() is None
    assert not store.path.exists()
    assert len(list(tmp_path.glob("break.json.bad-*"))) == 1
    assert "Moved it to" in caplog.text


def test_the_break_is_saved_before_the_exercise(tmp_path) -> None:
    store = BreakStore(tmp_path / "break.json")
    conversation, _ = make(store=store, epoch_s=1_000_000.0)
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    assert conversation.session is not None
    saved = store.load()  # a crash during the breathing still leaves the promise
    assert saved is not None and saved.due == 1_000_000.0 + 2.0 + 1200


def test_slower_and_faster_stretch_the_counts_but_keep_4_7_8() -> None:
    conversation, mouth = make()
    mouth.seconds = 0.4  # counts are short words
    conversation.on_heard(Intent.BREATHE, 0.0)
    while "Hold" not in mouth.texts():
        conversation.tick(conversation.next_due())
    hold_at = mouth.said[-1][0]
    conversation.on_heard(Intent.SLOWER, hold_at + 0.1)
    assert mouth.events[-1] == {"t": hold_at + 0.1, "type": "pace", "pace_s": 1.25}
    conversation.tick(conversation.next_due())
    assert mouth.said[-1] == (hold_at + 1.25, "two")
    conversation.on_heard(Intent.FASTER, hold_at + 1.5)
    conversation.on_heard(Intent.FASTER, hold_at + 1.6)
    assert mouth.events[-1]["pace_s"] == 0.8
    for _ in range(6):  # pace never leaves 0.6-2 s a count
        conversation.on_heard(Intent.FASTER, hold_at + 1.7)
    assert mouth.events[-1]["pace_s"] == 0.6


def test_phase_starts_are_marked_with_a_tone() -> None:
    marked = []
    conversation, mouth = make(breathing_cycles=1)
    speak = mouth.speak
    conversation._speak = lambda text, at, tone=False: (
        marked.append(text) if tone else None,
        speak(text, at),
    )[1]
    conversation.on_heard(Intent.BREATHE, 0.0)
    run_until_idle(conversation)
    assert marked == ["In", "Hold", "Out"]


def test_a_reminder_said_to_a_failed_speaker_waits_for_it_and_is_not_counted() -> None:
    conversation, mouth = make(timeout_exercise="none", break_minutes=1, reminder_repeats=0)
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    due = conversation.next_due()
    conversation.tick(due)
    assert sum(text.startswith("It's been") for text in mouth.texts()) == 1
    # Its words went nowhere: the speaker failed while it was giving them.
    conversation.speaker_changed(False, due + 3.0, failed_from_s=due + 1.0)
    assert conversation.pending_break is not None
    assert conversation.pending_break.reminded == 0
    conversation.tick(due + 600.0)  # the speaker is still gone: nothing said into the void
    assert sum(text.startswith("It's been") for text in mouth.texts()) == 1
    conversation.speaker_changed(True, due + 900.0, failed_from_s=None)
    conversation.tick(due + 900.1)
    assert sum(text.startswith("It's been") for text in mouth.texts()) == 2
    assert [e["working"] for e in mouth.events if e["type"] == "speaker"] == [False, True]


def test_the_microphone_coming_and_going_is_said_once_each() -> None:
    conversation, mouth = make()
    conversation.microphone_changed(False, 5.0)
    conversation.microphone_changed(True, 50.0)
    assert mouth.texts() == [LINES["microphone_lost"], LINES["microphone_back"]]


def test_a_length_said_but_not_made_out_is_not_silently_the_default() -> None:
    conversation, mouth = make(timeout_exercise="none", break_minutes=20)
    conversation.on_heard(Intent.TIMEOUT, 0.0, length_unclear=True)
    assert mouth.texts()[1] == LINES["length_unheard"].format(duration="20 minutes")
    assert mouth.texts()[2] == LINES["remind_in"].format(duration="20 minutes")


def test_a_length_made_out_a_moment_later_needs_no_excuse() -> None:
    conversation, mouth = make(break_minutes=20)
    conversation.on_heard(Intent.TIMEOUT, 0.0, length_unclear=True)
    conversation.on_heard(Intent.TIMEOUT, 1.0, amount_s=1800)
    run_until_idle(conversation, limit_s=300)
    assert LINES["length_unheard"].format(duration="20 minutes") not in mouth.texts()
    assert LINES["remind_in"].format(duration="half an hour") in mouth.texts()


def test_in_the_quiet_hours_the_reminder_is_given_once_softly() -> None:
    # Epoch at local midnight: the break (1 minute) falls due at 00:0x, inside 22:00-07:00.
    midnight = time.mktime(time.strptime("2026-12-05 00:00", "%Y-%m-%d %H:%M"))
    conversation, mouth = make(
        epoch_s=midnight,
        timeout_exercise="none",
        break_minutes=1,
        reminder_repeats=3,
        quiet_hours="22:00-07:00",
        quiet_volume=0.4,
    )
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    run_until_idle(conversation)
    reminders = [e for e in mouth.events if e["type"] == "reminder"]
    assert len(reminders) == 1 and reminders[0]["quiet"]  # not repeated
    given = mouth.texts().index(next(t for t in mouth.texts() if t.startswith("It's been")))
    assert mouth.volumes[given] == 0.4 and mouth.volumes[0] == 1.0
    assert [e["how"] for e in mouth.events if e["type"] == "break_ended"] == ["unanswered"]


def test_outside_the_quiet_hours_the_reminder_repeats_as_usual() -> None:
    noon = time.mktime(time.strptime("2026-12-05 12:00", "%Y-%m-%d %H:%M"))
    conversation, mouth = make(
        epoch_s=noon,
        timeout_exercise="none",
        break_minutes=1,
        reminder_repeats=2,
        quiet_hours="22:00-07:00",
    )
    conversation.on_heard(Intent.TIMEOUT, 0.0)
    run_until_idle(conversation)
    assert len([e for e in mouth.events if e["type"] == "reminder"]) == 3
    assert set(mouth.volumes) == {1.0}


def test_louder_and_quieter_change_the_level_in_steps_and_say_so() -> None:
    conversation, mouth = make()
    conversation.on_heard(Intent.LOUDER, 0.0)
    assert conversation.volume.level_db == 3.0
    assert mouth.texts() == [LINES["louder"]]
    conversation.on_heard(Intent.LOUDER, 5.0)
    conversation.on_heard(Intent.LOUDER, 10.0)  # past the top: it says so, nothing changes
    assert conversation.volume.level_db == 6.0
    assert mouth.texts()[-1] == LINES["loudest"]
    for t in range(20, 120, 5):
        conversation.on_heard(Intent.QUIETER, float(t))
    assert conversation.volume.level_db == -15.0
    assert mouth.texts()[-1] == LINES["quietest"]
    levels = [e["level_db"] for e in mouth.events if e["type"] == "volume"]
    assert levels[:3] == [3.0, 6.0, 6.0] and levels[-1] == -15.0


def test_louder_during_breathing_adds_no_words_between_the_counts() -> None:
    conversation, mouth = make()
    conversation.on_heard(Intent.BREATHE, 0.0)
    conversation.tick(5.0)
    before = len(mouth.said)
    conversation.on_heard(Intent.LOUDER, 5.0)
    assert len(mouth.said) == before and conversation.volume.level_db == 3.0
    run_until_idle(conversation)
    assert conversation.session is None  # the session went on to its end
