"""The conversation: idle, exercise session, break, reminder. Pure and clocked.

It never touches audio or a clock of its own: the loop calls `on_heard(intent, t)` and
`tick(t)` with times on the audio's clock, and the conversation answers through its
ports, `speak(text, at_s) -> end_s`, `tone(at_s) -> end_s` and `emit(event)`. Tests drive
it with fakes. `epoch_s` is the wall-clock time (Unix seconds) of t = 0: the pending break
is saved in wall-clock time through `store` and named in clock time ("at 8:30").
"""

from __future__ import annotations

import logging

from pausebuddy.break_talk import BreakTalk, EmitPort, SpeakPort, TonePort
from pausebuddy.breaks import BreakStore
from pausebuddy.config import Config
from pausebuddy.history import HistoryLog
from pausebuddy.pending_break import Break
from pausebuddy.phrases import Intent
from pausebuddy.session import ANSWER_SETTLE_S, Session
from pausebuddy.volume import Volume
from pausebuddy.wording import prompts, say_duration

_LOGGER = logging.getLogger(__name__)

LENGTH_AFTER_S = 6.0
"""A length ("for half an hour") heard this soon after a time-out belongs to it."""

_VOLUME = {Intent.LOUDER, Intent.QUIETER}
_ANYTIME = {Intent.TIMEOUT, Intent.BREATHE, Intent.GROUND, Intent.HOW_LONG, *_VOLUME}
_IN_A_BREAK = _ANYTIME | {Intent.CANCEL, Intent.READY, Intent.MORE_TIME}
ALLOWED: dict[str, frozenset[Intent]] = {
    "idle": frozenset(_ANYTIME),
    "session": frozenset(
        {Intent.STOP, Intent.NEXT, Intent.REPEAT, Intent.CANCEL, Intent.SLOWER, Intent.FASTER}
        | _VOLUME
    ),
    "break": frozenset(_IN_A_BREAK),
    "reminding": frozenset(_IN_A_BREAK),
}
"""What each state acts on; everything else heard is let go."""


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
        volume: Volume | None = None,
    ) -> None:
        """`volume`: its level, which "louder" and "quieter" change (the loop plays at it)."""
        self._config = config
        self.volume = volume or Volume()
        self._speak = speak
        self._emit = emit
        self._tone = tone or (lambda at, volume=1.0: at)
        self._breaks = BreakTalk(config, speak, emit, self._tone, store, epoch_s, history)
        self._lines = prompts()
        self.session: Session | None = None
        self._length_heard_until = -1.0
        """A length heard until then belongs to the time-out just heard."""
        self.speaker_working = True
        """False while the speaker fails: a reminder then waits for it."""

    def reconfigure(self, config: Config) -> None:
        """A new config for what comes next; a running session and break carry on."""
        self._config = config
        self._breaks.config = config

    @property
    def pending_break(self) -> Break | None:
        return self._breaks.current

    def restore(self, t: float) -> None:
        """Take up the break saved before a restart; an overdue reminder falls due now."""
        self._breaks.restore(t)

    # -- what the hearing should listen for -------------------------------------------

    @property
    def state(self) -> str:
        """idle, session (an exercise), break, or reminding (the reminder was given and
        waits for an answer): what it listens for follows from it (ALLOWED)."""
        if self.session is not None:
            return "session"
        pending = self._breaks.current
        if pending is None:
            return "idle"
        return "reminding" if pending.reminding else "break"

    def allowed_intents(self) -> frozenset[Intent]:
        return ALLOWED[self.state]

    @property
    def expecting_reply(self) -> bool:
        """True when a reply without the wake word makes sense."""
        return self.state in ("session", "reminding")

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
        if self.session is not None:
            return self.session.due()
        if self._breaks.current is not None:
            return self._breaks.current.due_at
        return None

    # -- inputs -----------------------------------------------------------------------

    def start(self, kind: str, t: float, for_break: bool = False) -> None:
        """Start an exercise now (also used by `pausebuddy breathe` / `ground`)."""
        self.session = Session.begin(kind, self._config, t, for_break)
        self._emit({"t": t, "type": "session_started", "exercise": kind})

    def on_heard(
        self, intent: Intent, t: float, amount_s: float | None = None, length_unclear: bool = False
    ) -> None:
        """`amount_s`: a length named with it ("time out for half an hour", "ten more
        minutes"); `length_unclear`: a length was said with the time-out but not made
        out (the break says what it set instead)."""
        session, pending = self.session, self._breaks.current
        if intent is Intent.TIMEOUT:
            if (
                amount_s is not None
                and session is not None
                and session.for_break
                and pending is not None
                and not self._breaks.length_named
                and t <= self._length_heard_until
            ):
                # The length, heard a moment after the time-out itself ("time out ... for
                # half an hour"): hearing reports a phrase as soon as it ends.
                self._breaks.name_length(amount_s, pending.started_at)
                return
            if (
                length_unclear
                and session is not None
                and session.for_break
                and not self._breaks.length_named
                and t <= self._length_heard_until
            ):
                self._breaks.length_unclear = True  # said when the break is announced
                return
            if session is not None:
                return  # already pausing together
            if pending is not None and not pending.reminding:
                left = say_duration(pending.due_at - t)
                self._speak(self._lines["break_running"].format(duration=left), t)
                return
            end = self._speak(self._lines["timeout_ack"], t)
            self._length_heard_until = t + LENGTH_AFTER_S
            self._breaks.length_named = False
            self._breaks.length_unclear = length_unclear and amount_s is None
            self._breaks.name_length(amount_s, end)
            if self._config.timeout_exercise == "none":
                self._breaks.begin(end)
            else:
                self.start(self._config.timeout_exercise, end, for_break=True)
        elif intent is Intent.HOW_LONG and session is None:
            self._breaks.how_long(t)
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
        elif intent in _VOLUME:
            self._change_volume(t, louder=intent is Intent.LOUDER)
        elif intent is Intent.MORE_TIME and pending is not None:
            self._breaks.snooze(pending, t, amount_s or self._config.snooze_minutes * 60)
        elif intent is Intent.READY and pending is not None:
            self._breaks.ready(t)
        elif intent is Intent.CANCEL and (pending is not None or session is not None):
            end = self._speak(self._lines["cancel"], t)
            if pending is not None:
                self._breaks.end(t, "cancelled")
            if session is not None:
                session.for_break = False
                self._end_session(end, stopped=True)

    def tick(self, t: float) -> None:
        """Say whatever has fallen due by time `t`."""
        self._breaks.save_again()
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
        pending = self._breaks.current
        if (
            self.session is None
            and pending is not None
            and t >= pending.due_at
            and self.speaker_working
        ):
            self._breaks.remind(pending, t)

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
        if working or failed_from_s is None:
            return
        self._breaks.take_back_lost_reminder(t, failed_from_s)

    # -- sessions ---------------------------------------------------------------------

    def _next_cue(self, session: Session) -> None:
        if session.done:
            self._end_session(session.next_at, stopped=False)
            return
        cue = session.cues[session.index]
        at = session.next_at
        if cue.tone:
            # A breathing phase starts: the light rises and falls with the counts.
            phase = {"phase": cue.text.lower(), "seconds": round(session.phase_s(), 3)}
            self._emit({"t": at, "type": "breath", **phase})
        end = self._speak(cue.text, at, tone=cue.tone and self._config.breathing_tones)
        session.said(cue, at, end)

    def _change_pace(self, session: Session, t: float, slower: bool) -> None:
        if session.kind != "breathing":
            return
        pace_s = session.change_pace(self._config.breathing_pace_s, slower)
        self._emit({"t": t, "type": "pace", "pace_s": round(pace_s, 3)})

    def _change_volume(self, t: float, louder: bool) -> None:
        changed = self.volume.step(louder)
        self._emit({"t": t, "type": "volume", "level_db": self.volume.level_db})
        if self.session is not None and changed:
            return  # the next count is at the new level: no words between the counts
        if changed:
            line = "louder" if louder else "quieter"
        else:
            line = "loudest" if louder else "quietest"
        self._speak(self._lines[line], t)

    def _end_session(self, t: float, stopped: bool) -> None:
        session = self.session
        assert session is not None
        self.session = None
        self._emit({"t": t, "type": "session_ended", "exercise": session.kind, "stopped": stopped})
        if session.for_break:
            self._breaks.begin(t)
