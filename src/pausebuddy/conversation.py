"""The conversation: idle, exercise session, break, reminder. Pure and clocked.

It never touches audio or a clock of its own: the loop calls `on_heard(intent, t)` and
`tick(t)` with times on the audio's clock, and the conversation answers through two
ports, `speak(text, at_s) -> end_s` and `emit(event)`. Tests drive it with fakes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from pausebuddy.config import Config
from pausebuddy.exercises import Cue, breathing_cues, grounding_cues
from pausebuddy.phrases import Intent

_LOGGER = logging.getLogger(__name__)

SpeakPort = Callable[[str, float], float]
"""speak(text, at_s) -> end_s: says `text` no earlier than `at_s`, returns when it ends."""
EmitPort = Callable[[dict], None]


@cache
def prompts() -> dict[str, str]:
    text = resources.files("pausebuddy").joinpath("data/prompts.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def say_duration(seconds: float) -> str:
    """20 minutes, 1 hour and 5 minutes, 30 seconds: how a person says it."""
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


@dataclass
class Break:
    started_at: float
    due_at: float
    reminded: int = 0
    """How many times the reminder has been given."""
    reminding: bool = False
    length_s: float = 0.0


class Conversation:
    def __init__(self, config: Config, speak: SpeakPort, emit: EmitPort) -> None:
        self._config = config
        self._speak = speak
        self._emit = emit
        self._lines = prompts()
        self.session: Session | None = None
        self.pending_break: Break | None = None

    # -- what the hearing should listen for -------------------------------------------

    def allowed_intents(self) -> frozenset[Intent]:
        if self.session is not None:
            return frozenset({Intent.STOP, Intent.NEXT, Intent.REPEAT, Intent.CANCEL})
        allowed = {Intent.TIMEOUT, Intent.BREATHE, Intent.GROUND}
        if self.pending_break is not None:
            allowed |= {Intent.CANCEL, Intent.READY, Intent.MORE_TIME}
        return frozenset(allowed)

    @property
    def expecting_reply(self) -> bool:
        """True when a reply without the wake word makes sense."""
        return self.session is not None or (
            self.pending_break is not None and self.pending_break.reminding
        )

    def next_due(self) -> float | None:
        """When something is next scheduled; None when nothing is pending."""
        if self.session is not None:
            return self.session.next_at
        if self.pending_break is not None:
            return self.pending_break.due_at
        return None

    # -- inputs -----------------------------------------------------------------------

    def start(self, kind: str, t: float, for_break: bool = False) -> None:
        """Start an exercise now (also used by `pausebuddy breathe` / `ground`)."""
        if kind == "breathing":
            cues = breathing_cues(self._config.breathing_cycles)
        else:
            cues = grounding_cues(self._config.grounding_answer_s)
        self.session = Session(kind, cues, for_break, next_at=t, last_start=t, last_end=t)
        self._emit({"t": t, "type": "session_started", "exercise": kind})

    def on_heard(self, intent: Intent, t: float) -> None:
        session, pending = self.session, self.pending_break
        if intent is Intent.TIMEOUT:
            if session is not None:
                return  # already pausing together
            if pending is not None and not pending.reminding:
                left = say_duration(pending.due_at - t)
                self._speak(self._lines["break_running"].format(duration=left), t)
                return
            end = self._speak(self._lines["timeout_ack"], t)
            self.pending_break = None
            if self._config.timeout_exercise == "none":
                self._begin_break(end)
            else:
                self.start(self._config.timeout_exercise, end, for_break=True)
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
        elif intent is Intent.MORE_TIME and pending is not None:
            snooze = self._config.snooze_minutes * 60
            end = self._speak(self._lines["snooze"].format(duration=say_duration(snooze)), t)
            self.pending_break = Break(started_at=pending.started_at, due_at=end + snooze,
                                       length_s=pending.length_s)
        elif intent is Intent.READY and pending is not None:
            self._speak(self._lines["ready"], t)
            self.pending_break = None
        elif intent is Intent.CANCEL and (pending is not None or session is not None):
            end = self._speak(self._lines["cancel"], t)
            self.pending_break = None
            if session is not None:
                session.for_break = False
                self._end_session(end, stopped=True)

    def tick(self, t: float) -> None:
        """Say whatever has fallen due by time `t`."""
        while self.session is not None and t >= self.session.next_at:
            self._next_cue(self.session)
        pending = self.pending_break
        if self.session is None and pending is not None and t >= pending.due_at:
            self._remind(pending, max(t, pending.due_at))

    # -- sessions ---------------------------------------------------------------------

    def _next_cue(self, session: Session) -> None:
        if session.index >= len(session.cues):
            self._end_session(session.next_at, stopped=False)
            return
        cue = session.cues[session.index]
        at = session.next_at
        end = self._speak(cue.text, at)
        session.last_start, session.last_end = at, end
        session.answering = session.index if cue.waits_for_answer else None
        session.index += 1
        if session.index < len(session.cues):
            following = session.cues[session.index]
            anchor = end if following.after_end else at
            session.next_at = anchor + following.delay_s
        else:
            session.next_at = end

    def _end_session(self, t: float, stopped: bool) -> None:
        session = self.session
        assert session is not None
        self.session = None
        self._emit({"t": t, "type": "session_ended", "exercise": session.kind,
                    "stopped": stopped})
        if session.for_break:
            self._begin_break(t)

    # -- the break --------------------------------------------------------------------

    def _begin_break(self, t: float) -> None:
        length = self._config.break_minutes * 60
        line = self._lines["remind_in"].format(duration=say_duration(length))
        end = self._speak(line, t)
        # The break is counted from the moment its length is announced, so the words
        # "I'll remind you in 20 minutes" are exactly true.
        self.pending_break = Break(started_at=t, due_at=end + length, length_s=length)

    def _remind(self, pending: Break, t: float) -> None:
        if pending.reminded > self._config.reminder_repeats:
            _LOGGER.info("The reminder went unanswered %d times; going quiet.", pending.reminded)
            self.pending_break = None
            return
        pending.reminded += 1
        pending.reminding = True
        self._emit({"t": t, "type": "reminder", "repeat": pending.reminded - 1})
        taken = say_duration(pending.length_s if pending.reminded == 1 else t - pending.started_at)
        end = self._speak(self._lines["reminder"].format(duration=taken), t)
        end = self._speak(self._lines["return_prompt"], end + 0.4)
        if pending.reminded > self._config.reminder_repeats:
            self.pending_break = None  # said for the last time: nothing left pending
            _LOGGER.info("Last reminder given; going quiet until someone asks.")
        else:
            pending.due_at = end + 5 * 60
