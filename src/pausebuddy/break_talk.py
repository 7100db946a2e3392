"""The break of a time-out, as it is talked about: its length (said, or the usual one),
its announcement, "how long?", "five more minutes", the reminder and its repeats, and
its end. Pure and clocked, driven by the conversation; every change to the break is
saved before anything else happens (pending_break.py)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import replace

from pausebuddy.breaks import MAX_BREAK_S, BreakStore
from pausebuddy.config import Config
from pausebuddy.history import HistoryLog
from pausebuddy.pending_break import Break, BreakSaver
from pausebuddy.quiet_hours import within
from pausebuddy.wording import prompts, say_clock, say_duration, say_when

_LOGGER = logging.getLogger("pausebuddy.conversation")

SpeakPort = Callable[..., float]
"""speak(text, at_s, tone=False, volume=1.0) -> end_s: says `text` no earlier than `at_s`
(with a soft tone under its start; `volume` against the usual), returns when it ends."""
EmitPort = Callable[[dict], None]
TonePort = Callable[..., float]
"""tone(at_s, volume=1.0) -> end_s: plays the soft return tone."""

MIN_SPOKEN_BREAK_S = 10 * 60
"""A length named aloud is at least this: shorter breaks do not let the body calm down."""
STALE_AFTER_S = 12 * 3600
"""A reminder this overdue when pausebuddy starts again is not given (the break is
closed quietly): couples are asked to come back within a day, not to relive it."""
REPEAT_AFTER_S = 5 * 60
"""An unanswered reminder is said again after this."""


class BreakTalk:
    def __init__(
        self,
        config: Config,
        speak: SpeakPort,
        emit: EmitPort,
        tone: TonePort,
        store: BreakStore | None,
        epoch_s: float,
        history: HistoryLog | None,
    ) -> None:
        self.config = config
        self._speak = speak
        self._emit = emit
        self._tone = tone
        self._saver = BreakSaver(store, epoch_s)
        self._history = history
        self._epoch = epoch_s
        self._lines = prompts()
        self._return_prompts = itertools.cycle(self._lines["return_prompts"])
        self._ready_lines = itertools.cycle(self._lines["ready"])
        self.current: Break | None = None
        self.overdue = False
        """The break was taken up after a restart, past its time."""
        self.length_s = config.break_minutes * 60
        self.length_named = False
        """The length of the coming break was said aloud ("for half an hour")."""
        self.length_unclear = False
        """A length was said with the time-out and not made out."""
        self.last_reminder: tuple[float, Break] | None = None
        """(end of its words, the break before it): taken back if the words were lost."""

    def set(self, pending: Break | None) -> None:
        """Every change to the break goes to disk before anything else happens
        (pending_break.py: if the disk refuses it, the time-out goes on from memory)."""
        self.current = pending
        self._saver.save(pending)

    def save_again(self) -> None:
        self._saver.save_again()

    def restore(self, t: float) -> None:
        """Take up the break saved before a restart; an overdue reminder falls due now."""
        loaded = self._saver.load()
        if loaded is None:
            return
        pending, saved = loaded
        self.current = pending
        if t - pending.due_at > STALE_AFTER_S:
            # Announcing a fight from yesterday helps nobody: closed without a word.
            _LOGGER.info(
                "The break started %s was due %s, over %d hours ago: closed without a reminder.",
                say_when(saved.started, self._epoch + t),
                say_when(saved.due, self._epoch + t),
                STALE_AFTER_S // 3600,
            )
            self.end(t, "stale")
            return
        self.overdue = pending.due_at < t
        _LOGGER.info(
            "Took up the break started at %s; the reminder is due at %s.",
            say_clock(saved.started),
            say_clock(saved.due),
        )

    def ready(self, t: float) -> None:
        self._speak(next(self._ready_lines), t)
        self.end(t, "ready")

    def take_back_lost_reminder(self, t: float, failed_from_s: float) -> None:
        """A reminder whose words went nowhere (the speaker failed from `failed_from_s`) is
        given again as soon as the speaker works, and does not count as a repeat."""
        if self.last_reminder is None:
            return
        end, before = self.last_reminder
        if (
            end > failed_from_s
            and self.current is not None
            and self.current.started_at == before.started_at
        ):
            _LOGGER.warning("The reminder was not heard; it is given again when the speaker works.")
            self.last_reminder = None
            self.set(replace(before, due_at=min(before.due_at, t)))

    def name_length(self, amount_s: float | None, start: float) -> None:
        """The coming break's length: said (`amount_s`) or the configured one."""
        self.length_s = self.config.break_minutes * 60 if amount_s is None else amount_s
        self.length_named = amount_s is not None
        # Saved now, before the exercise: a crash during it must not lose the break.
        # The exact start is set when the break is announced after the exercise.
        length = min(self.length_s, MAX_BREAK_S)
        if self.length_named:
            length = max(length, MIN_SPOKEN_BREAK_S)
        self.set(Break(started_at=start, due_at=start + length, length_s=length))

    def begin(self, t: float) -> None:
        length = self.length_s
        if self.length_unclear and not self.length_named:
            # They said how long, and it was not made out: not silently the default.
            self.length_unclear = False
            t = self._speak(self._lines["length_unheard"].format(duration=say_duration(length)), t)
        if self.length_named and length < MIN_SPOKEN_BREAK_S:
            length = MIN_SPOKEN_BREAK_S
            t = self._speak(
                self._lines["length_too_short"].format(duration=say_duration(length)), t
            )
        elif length > MAX_BREAK_S:
            length = MAX_BREAK_S
            t = self._speak(self._lines["length_too_long"].format(duration=say_duration(length)), t)
        line = self._lines["remind_in"].format(duration=say_duration(length))
        end = self._speak(line, t)
        # The break is counted from the moment its length is announced, so the words
        # "I'll remind you in 20 minutes" are exactly true.
        self.set(Break(started_at=t, due_at=end + length, length_s=length))
        self._emit({"t": t, "type": "break_started", "length_s": length, "due": end + length})

    def how_long(self, t: float) -> None:
        pending = self.current
        if pending is None:
            self._speak(self._lines["how_long_none"], t)
        elif pending.reminding:
            self._speak(self._lines["how_long_over"], t)
        else:
            self._speak(
                self._lines["how_long"].format(
                    left=say_duration(max(pending.due_at - t, 60)),
                    time=say_clock(self._epoch + pending.due_at),
                ),
                t,
            )

    def snooze(self, pending: Break, t: float, amount_s: float) -> None:
        latest = pending.started_at + MAX_BREAK_S
        capped = t + amount_s > latest
        if capped:
            amount_s = max(latest - t, 0.0)
            line = self._lines["snooze_capped"]
        else:
            line = self._lines["snooze"]
        end = self._speak(line.format(duration=say_duration(amount_s)), t)
        self.set(
            Break(
                started_at=pending.started_at,
                due_at=min(end + amount_s, latest),
                length_s=pending.length_s,
            )
        )

    def remind(self, pending: Break, t: float) -> None:
        if pending.reminded > self.config.reminder_repeats:
            self.end(t, "unanswered")
            return
        overdue, self.overdue = self.overdue, False
        # In the quiet hours it is said once, softly, and not repeated.
        quiet = within(self.config.quiet_hours, self._epoch + t)
        volume = self.config.quiet_volume if quiet else 1.0
        self._emit(
            {
                "t": t,
                "type": "reminder",
                "repeat": pending.reminded,
                "overdue": overdue,
                "wall": round(self._epoch + t, 3),
                **({"quiet": True} if quiet else {}),
            }
        )
        end = self._tone(t, volume=volume)
        if overdue:
            line = self._lines["overdue"].format(
                when=say_when(self._epoch + pending.started_at, self._epoch + t)
            )
        elif pending.reminded == 0:
            line = self._lines["reminder"].format(duration=say_duration(pending.length_s))
        else:
            # A repeat does not count the minutes up at them: the same gentle invitation.
            line = self._lines["reminder_again"]
        end = self._speak(line, end + 0.2, volume=volume)
        end = self._speak(next(self._return_prompts), end + 0.4, volume=volume)
        # Speaking only schedules the words, so this is saved before any of them is heard:
        # a crash while they play gives the reminder again 5 minutes on, never loses it.
        self.last_reminder = (end, pending)
        self.set(
            Break(
                started_at=pending.started_at,
                due_at=end + REPEAT_AFTER_S,
                length_s=pending.length_s,
                reminded=self.config.reminder_repeats + 1 if quiet else pending.reminded + 1,
            )
        )
        if quiet:
            _LOGGER.info("Reminder given softly in the quiet hours; it is not repeated.")
        elif pending.reminded + 1 > self.config.reminder_repeats:
            # Said for the last time: it goes quiet once the repeat would fall due.
            _LOGGER.info(
                "Reminder given %d times; it goes quiet after this one.", pending.reminded + 1
            )

    def end(self, t: float, how: str) -> None:
        pending = self.current
        if pending is None:
            return
        if how == "unanswered":
            _LOGGER.info("The reminder went unanswered %d times; going quiet.", pending.reminded)
        self.set(None)
        self._emit({"t": t, "type": "break_ended", "how": how})
        if self._history is not None:
            self._history.add(
                started=self._epoch + pending.started_at,
                ended=self._epoch + t,
                length_s=pending.length_s,
                how=how,
            )
