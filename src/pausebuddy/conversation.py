"""The conversation: idle, exercise session, break, reminder. Pure and clocked.

It never touches audio or a clock of its own: the loop calls `on_heard(intent, t)` and
`tick(t)` with times on the audio's clock, and the conversation answers through its
ports, `speak(text, at_s) -> end_s`, `tone(at_s) -> end_s` and `emit(event)`. Tests drive
it with fakes. `epoch_s` is the wall-clock time (Unix seconds) of t = 0: the pending break
is saved in wall-clock time through `store` and named in clock time ("at 8:30").
"""

from __future__ import annotations

import datetime
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

import yaml

from pausebuddy.breaks import MAX_BREAK_S, BreakStore, SavedBreak
from pausebuddy.config import Config
from pausebuddy.exercises import Cue, breathing_cues, grounding_cues
from pausebuddy.history import HistoryLog
from pausebuddy.phrases import Intent

_LOGGER = logging.getLogger(__name__)

SpeakPort = Callable[..., float]
"""speak(text, at_s, tone=False) -> end_s: says `text` no earlier than `at_s` (with a soft
tone under its start), returns when it ends."""
EmitPort = Callable[[dict], None]
TonePort = Callable[[float], float]
"""tone(at_s) -> end_s: plays the soft return tone."""

MIN_SPOKEN_BREAK_S = 10 * 60
"""A length named aloud is at least this: shorter breaks do not let the body calm down."""
LENGTH_AFTER_S = 6.0
"""A length ("for half an hour") heard this soon after a time-out belongs to it."""
_PACE_LIMITS_S = (0.6, 2.0)
"""Seconds per count that "slower" and "faster" stay within."""
ANSWER_SETTLE_S = 3.0
"""Quiet after someone has been naming things that means they have finished."""
STALE_AFTER_S = 12 * 3600
"""A reminder this overdue when pausebuddy starts again is not given (the break is
closed quietly): couples are asked to come back within a day, not to relive it."""
SAVE_AGAIN_S = 5.0
"""How often saving a break the disk refused is tried again (wall-clock seconds)."""
REPEAT_AFTER_S = 5 * 60
"""An unanswered reminder is said again after this."""


@cache
def prompts() -> dict:
    text = resources.files("pausebuddy").joinpath("data/prompts.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def say_duration(seconds: float) -> str:
    """20 minutes, 1 hour and 5 minutes, 30 seconds: how a person says it."""
    if round(seconds) == 1800:
        return "half an hour"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours > 1 else ""))
    if minutes:
        parts.append(f"{minutes} minute" + ("s" if minutes > 1 else ""))
    return " and ".join(parts)


@dataclass
class Session:
    kind: str
    """breathing or grounding"""
    cues: list[Cue]
    for_break: bool
    """Part of a time-out: the break starts when it ends."""
    index: int = 0
    next_at: float = 0.0
    last_start: float = 0.0
    last_end: float = 0.0
    answering: int | None = None
    """Index of the grounding prompt people are answering."""
    pace_scale: float = 1.0
    """"slower" and "faster" stretch the counts still to come."""
    last_voice: float | None = None
    """When someone was last heard talking after the grounding prompt."""


def say_clock(epoch_s: float) -> str:
    """8:30, in local time, the way a person says it."""
    moment = time.localtime(epoch_s)
    return f"{(moment.tm_hour - 1) % 12 + 1}:{moment.tm_min:02d}"


def say_when(epoch_s: float, now_s: float) -> str:
    """ "at 8:30" today, "yesterday at 8:30", "on Tuesday at 8:30" within a week."""
    then, today = time.localtime(epoch_s), time.localtime(now_s)
    days = (
        datetime.date(today.tm_year, today.tm_mon, today.tm_mday)
        - datetime.date(then.tm_year, then.tm_mon, then.tm_mday)
    ).days
    clock = say_clock(epoch_s)
    if days <= 0:
        return f"at {clock}"
    if days == 1:
        return f"yesterday at {clock}"
    return f"on {time.strftime('%A', then)} at {clock}"


@dataclass
class Break:
    started_at: float
    due_at: float
    length_s: float
    """The length agreed when it started (snoozes not included)."""
    reminded: int = 0
    """How many times the reminder has been given."""

    @property
    def reminding(self) -> bool:
        """The reminder was given and the couple may answer it."""
        return self.reminded > 0


class Conversation:
    def __init__(
        self,
        config: Config,
        speak: SpeakPort,
        emit: EmitPort,
        tone: TonePort | None = None,
        store: BreakStore | None = None,
        epoch_s: float = 0.0,
        history: HistoryLog | None = None,
    ) -> None:
        self._config = config
        self._speak = speak
        self._emit = emit
        self._tone = tone or (lambda at: at)
        self._store = store
        self._history = history
        self._epoch = epoch_s
        self._lines = prompts()
        self._return_prompts = itertools.cycle(self._lines["return_prompts"])
        self._ready_lines = itertools.cycle(self._lines["ready"])
        self.session: Session | None = None
        self._break: Break | None = None
        self._overdue = False
        """The break was taken up after a restart, past its time."""
        self._length_s = config.break_minutes * 60
        self._length_named = False
        """The length of the coming break was said aloud ("for half an hour")."""
        self._length_unclear = False
        """A length was said with the time-out and not made out."""
        self._length_heard_until = -1.0
        """A length heard until then belongs to the time-out just heard."""
        self.speaker_working = True
        """False while the speaker fails: a reminder then waits for it."""
        self._last_reminder: tuple[float, Break] | None = None
        """(end of its words, the break before it): taken back if the words were lost."""
        self._unsaved = False
        """The last change to the break could not be saved (tried again, SAVE_AGAIN_S)."""
        self._save_again_at = 0.0

    def reconfigure(self, config: Config) -> None:
        """A new config for what comes next; a running session and break carry on."""
        self._config = config

    @property
    def pending_break(self) -> Break | None:
        return self._break

    def _set_break(self, pending: Break | None) -> None:
        """Every change to the break goes to disk before anything else happens. If the
        disk refuses it, the time-out goes on from memory (the reminder comes on time)
        and saving is tried again at every tick (`_save_again`)."""
        self._break = pending
        self._save()

    def _save(self) -> None:
        if self._store is None:
            return
        pending = self._break
        try:
            self._store.save(
                None
                if pending is None
                else SavedBreak(
                    started=self._epoch + pending.started_at,
                    due=self._epoch + pending.due_at,
                    length_s=pending.length_s,
                    reminded=pending.reminded,
                )
            )
        except OSError as exc:
            if not self._unsaved:
                _LOGGER.error(
                    "Could not save the break to %s (%s); it is kept in memory "
                    "and saving is tried again.",
                    self._store.path,
                    exc.strerror,
                )
            self._unsaved = True
            self._save_again_at = time.monotonic() + SAVE_AGAIN_S
            return
        if self._unsaved:
            _LOGGER.info("The break is saved again.")
        self._unsaved = False

    def restore(self, t: float) -> None:
        """Take up the break saved before a restart; an overdue reminder falls due now."""
        if self._store is None:
            return
        saved = self._store.load()
        if saved is None:
            return
        pending = Break(
            started_at=saved.started - self._epoch,
            due_at=saved.due - self._epoch,
            length_s=saved.length_s,
            reminded=saved.reminded,
        )
        self._break = pending
        if t - pending.due_at > STALE_AFTER_S:
            # Announcing a fight from yesterday helps nobody: closed without a word.
            _LOGGER.info(
                "The break started %s was due %s, over %d hours ago: closed without a reminder.",
                say_when(saved.started, self._epoch + t),
                say_when(saved.due, self._epoch + t),
                STALE_AFTER_S // 3600,
            )
            self._end_break(t, "stale")
            return
        self._overdue = pending.due_at < t
        _LOGGER.info(
            "Took up the break started at %s; the reminder is due at %s.",
            say_clock(saved.started),
            say_clock(saved.due),
        )

    # -- what the hearing should listen for -------------------------------------------

    def allowed_intents(self) -> frozenset[Intent]:
        if self.session is not None:
            return frozenset(
                {
                    Intent.STOP,
                    Intent.NEXT,
                    Intent.REPEAT,
                    Intent.CANCEL,
                    Intent.SLOWER,
                    Intent.FASTER,
                }
            )
        allowed = {Intent.TIMEOUT, Intent.BREATHE, Intent.GROUND, Intent.HOW_LONG}
        if self._break is not None:
            allowed |= {Intent.CANCEL, Intent.READY, Intent.MORE_TIME}
        return frozenset(allowed)

    @property
    def expecting_reply(self) -> bool:
        """True when a reply without the wake word makes sense."""
        return self.session is not None or (self._break is not None and self._break.reminding)

    @property
    def wants_activity(self) -> bool:
        """Grounding waits for the answer: the loop reports when people talk."""
        return self.session is not None and self.session.answering is not None

    def on_activity(self, t: float) -> None:
        session = self.session
        if session is not None and session.answering is not None and t > session.last_end:
            session.last_voice = t

    def next_due(self) -> float | None:
        """When something is next scheduled; None when nothing is pending."""
        session = self.session
        if session is not None:
            if session.last_voice is not None:
                return min(session.next_at, session.last_voice + ANSWER_SETTLE_S)
            return session.next_at
        if self._break is not None:
            return self._break.due_at
        return None

    # -- inputs -----------------------------------------------------------------------

    def start(self, kind: str, t: float, for_break: bool = False) -> None:
        """Start an exercise now (also used by `pausebuddy breathe` / `ground`)."""
        if kind == "breathing":
            cues = breathing_cues(self._config.breathing_cycles, self._config.breathing_pace_s)
        else:
            cues = grounding_cues(self._config.grounding_answer_s)
        self.session = Session(kind, cues, for_break, next_at=t, last_start=t, last_end=t)
        self._emit({"t": t, "type": "session_started", "exercise": kind})

    def on_heard(
        self, intent: Intent, t: float, amount_s: float | None = None, length_unclear: bool = False
    ) -> None:
        """`amount_s`: a length named with it ("time out for half an hour", "ten more
        minutes"); `length_unclear`: a length was said with the time-out but not made
        out (the break says what it set instead)."""
        session, pending = self.session, self._break
        if intent is Intent.TIMEOUT:
            if (
                amount_s is not None
                and session is not None
                and session.for_break
                and pending is not None
                and not self._length_named
                and t <= self._length_heard_until
            ):
                # The length, heard a moment after the time-out itself ("time out ... for
                # half an hour"): hearing reports a phrase as soon as it ends.
                self._name_length(amount_s, pending.started_at)
                return
            if (
                length_unclear
                and session is not None
                and session.for_break
                and not self._length_named
                and t <= self._length_heard_until
            ):
                self._length_unclear = True  # said when the break is announced
                return
            if session is not None:
                return  # already pausing together
            if pending is not None and not pending.reminding:
                left = say_duration(pending.due_at - t)
                self._speak(self._lines["break_running"].format(duration=left), t)
                return
            end = self._speak(self._lines["timeout_ack"], t)
            self._length_heard_until = t + LENGTH_AFTER_S
            self._length_named = False
            self._length_unclear = length_unclear and amount_s is None
            self._name_length(amount_s, end)
            if self._config.timeout_exercise == "none":
                self._begin_break(end)
            else:
                self.start(self._config.timeout_exercise, end, for_break=True)
        elif intent is Intent.HOW_LONG and session is None:
            self._how_long(t)
        elif intent in (Intent.BREATHE, Intent.GROUND) and session is None:
            self.start("breathing" if intent is Intent.BREATHE else "grounding", t)
        elif intent is Intent.STOP and session is not None:
            end = self._speak(self._lines["stopped"], t)
            self._end_session(end, stopped=True)
        elif intent is Intent.NEXT and session is not None and session.answering is not None:
            session.next_at = t  # move on to the next prompt now
        elif intent is Intent.REPEAT and session is not None and session.answering is not None:
            session.index = session.answering
            session.next_at = t
        elif intent in (Intent.SLOWER, Intent.FASTER) and session is not None:
            self._change_pace(session, t, slower=intent is Intent.SLOWER)
        elif intent is Intent.MORE_TIME and pending is not None:
            self._snooze(pending, t, amount_s or self._config.snooze_minutes * 60)
        elif intent is Intent.READY and pending is not None:
            self._speak(next(self._ready_lines), t)
            self._end_break(t, "ready")
        elif intent is Intent.CANCEL and (pending is not None or session is not None):
            end = self._speak(self._lines["cancel"], t)
            if pending is not None:
                self._end_break(t, "cancelled")
            if session is not None:
                session.for_break = False
                self._end_session(end, stopped=True)

    def tick(self, t: float) -> None:
        """Say whatever has fallen due by time `t`."""
        if self._unsaved and time.monotonic() >= self._save_again_at:
            self._save()
        session = self.session
        if (
            session is not None
            and session.last_voice is not None
            and t - session.last_voice >= ANSWER_SETTLE_S
            and session.next_at > t
        ):
            # They named things and have been quiet a moment: move on now.
            session.next_at = t
        while self.session is not None and t >= self.session.next_at:
            self._next_cue(self.session)
        pending = self._break
        if (
            self.session is None
            and pending is not None
            and t >= pending.due_at
            and self.speaker_working
        ):
            self._remind(pending, t)

    # -- the devices ------------------------------------------------------------------

    def microphone_changed(self, hearing: bool, t: float) -> None:
        """Said once when it stops hearing the room, and once when it hears it again."""
        self._emit({"t": t, "type": "microphone", "hearing": hearing})
        self._speak(self._lines["microphone_back" if hearing else "microphone_lost"], t)

    def speaker_changed(self, working: bool, t: float, failed_from_s: float | None) -> None:
        """The speaker failed (from `failed_from_s` on, audio clock) or works again. A
        reminder whose words went nowhere is taken back: it is given again as soon as
        the speaker works, and does not count towards the repeats."""
        self.speaker_working = working
        self._emit({"t": t, "type": "speaker", "working": working})
        if working or self._last_reminder is None or failed_from_s is None:
            return
        end, before = self._last_reminder
        if (
            end > failed_from_s
            and self._break is not None
            and self._break.started_at == before.started_at
        ):
            _LOGGER.warning("The reminder was not heard; it is given again when the speaker works.")
            self._last_reminder = None
            self._set_break(replace(before, due_at=min(before.due_at, t)))

    # -- sessions ---------------------------------------------------------------------

    def _next_cue(self, session: Session) -> None:
        if session.index >= len(session.cues):
            self._end_session(session.next_at, stopped=False)
            return
        cue = session.cues[session.index]
        at = session.next_at
        end = self._speak(cue.text, at, tone=cue.tone and self._config.breathing_tones)
        session.last_start, session.last_end = at, end
        session.answering = session.index if cue.waits_for_answer else None
        session.last_voice = None
        session.index += 1
        if session.index < len(session.cues):
            following = session.cues[session.index]
            anchor = end if following.after_end else at
            scale = session.pace_scale if following.on_grid else 1.0
            session.next_at = anchor + following.delay_s * scale
        else:
            session.next_at = end

    def _change_pace(self, session: Session, t: float, slower: bool) -> None:
        """Every count still to come stretches or shrinks alike: 4-7-8 stays 4-7-8."""
        if session.kind != "breathing":
            return
        pace = self._config.breathing_pace_s
        low, high = _PACE_LIMITS_S
        scale = session.pace_scale * (1.25 if slower else 0.8)
        session.pace_scale = min(max(scale, low / pace), high / pace)
        following = session.cues[session.index] if session.index < len(session.cues) else None
        if following is not None and following.on_grid and not following.after_end:
            session.next_at = session.last_start + following.delay_s * session.pace_scale
        self._emit({"t": t, "type": "pace", "pace_s": round(pace * session.pace_scale, 3)})

    def _end_session(self, t: float, stopped: bool) -> None:
        session = self.session
        assert session is not None
        self.session = None
        self._emit({"t": t, "type": "session_ended", "exercise": session.kind, "stopped": stopped})
        if session.for_break:
            self._begin_break(t)

    # -- the break --------------------------------------------------------------------

    def _name_length(self, amount_s: float | None, start: float) -> None:
        """The coming break's length: said (`amount_s`) or the configured one."""
        self._length_s = self._config.break_minutes * 60 if amount_s is None else amount_s
        self._length_named = amount_s is not None
        # Saved now, before the exercise: a crash during it must not lose the break.
        # The exact start is set when the break is announced after the exercise.
        length = min(self._length_s, MAX_BREAK_S)
        if self._length_named:
            length = max(length, MIN_SPOKEN_BREAK_S)
        self._set_break(Break(started_at=start, due_at=start + length, length_s=length))

    def _begin_break(self, t: float) -> None:
        length = self._length_s
        if self._length_unclear and not self._length_named:
            # They said how long, and it was not made out: not silently the default.
            self._length_unclear = False
            t = self._speak(self._lines["length_unheard"].format(duration=say_duration(length)), t)
        if self._length_named and length < MIN_SPOKEN_BREAK_S:
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
        self._set_break(Break(started_at=t, due_at=end + length, length_s=length))
        self._emit({"t": t, "type": "break_started", "length_s": length, "due": end + length})

    def _how_long(self, t: float) -> None:
        pending = self._break
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

    def _snooze(self, pending: Break, t: float, amount_s: float) -> None:
        latest = pending.started_at + MAX_BREAK_S
        capped = t + amount_s > latest
        if capped:
            amount_s = max(latest - t, 0.0)
            line = self._lines["snooze_capped"]
        else:
            line = self._lines["snooze"]
        end = self._speak(line.format(duration=say_duration(amount_s)), t)
        self._set_break(
            Break(
                started_at=pending.started_at,
                due_at=min(end + amount_s, latest),
                length_s=pending.length_s,
            )
        )

    def _remind(self, pending: Break, t: float) -> None:
        if pending.reminded > self._config.reminder_repeats:
            self._end_break(t, "unanswered")
            return
        overdue, self._overdue = self._overdue, False
        self._emit(
            {
                "t": t,
                "type": "reminder",
                "repeat": pending.reminded,
                "overdue": overdue,
                "wall": round(self._epoch + t, 3),
            }
        )
        end = self._tone(t)
        if overdue:
            line = self._lines["overdue"].format(
                when=say_when(self._epoch + pending.started_at, self._epoch + t)
            )
        else:
            taken = pending.length_s if pending.reminded == 0 else t - pending.started_at
            line = self._lines["reminder"].format(duration=say_duration(taken))
        end = self._speak(line, end + 0.2)
        end = self._speak(next(self._return_prompts), end + 0.4)
        # Speaking only schedules the words, so this is saved before any of them is heard:
        # a crash while they play gives the reminder again 5 minutes on, never loses it.
        self._last_reminder = (end, pending)
        self._set_break(
            Break(
                started_at=pending.started_at,
                due_at=end + REPEAT_AFTER_S,
                length_s=pending.length_s,
                reminded=pending.reminded + 1,
            )
        )
        if pending.reminded + 1 > self._config.reminder_repeats:
            # Said for the last time: it goes quiet once the repeat would fall due.
            _LOGGER.info(
                "Reminder given %d times; it goes quiet after this one.", pending.reminded + 1
            )

    def _end_break(self, t: float, how: str) -> None:
        pending = self._break
        if pending is None:
            return
        if how == "unanswered":
            _LOGGER.info("The reminder went unanswered %d times; going quiet.", pending.reminded)
        self._set_break(None)
        self._emit({"t": t, "type": "break_ended", "how": how})
        if self._history is not None:
            self._history.add(
                started=self._epoch + pending.started_at,
                ended=self._epoch + t,
                length_s=pending.length_s,
                how=how,
            )
