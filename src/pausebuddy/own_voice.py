"""What pausebuddy knows of its own voice, to tell it from the room's: the clips it played
(the echo canceller's reference), the stretches when it may hear itself, the lines it
said. Two questions: clean this block of its voice, and was this phrase its own voice.

Barge-in (docs/barge-in.md): while it speaks it listens on with its voice taken out,
and only "stop" counts then; until the canceller has learned the room it stays deaf
to itself instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from pausebuddy.audio import RATE_HZ, resample
from pausebuddy.echo import SOMEONE_ELSE_DB, EchoCanceller, EchoError
from pausebuddy.echo_delay import LATEST, WINDOW, EchoDelay
from pausebuddy.hearing import Heard
from pausebuddy.phrases import Intent
from pausebuddy.timeline import Timeline
from pausebuddy.voice import Clip

_LOGGER = logging.getLogger("pausebuddy.loop")

_ECHO_LEAD = RATE_HZ // 20
"""The canceller's reference is lined up this much early (50 ms): within its tail."""
_PLAYED_KEPT = WINDOW + LATEST + RATE_HZ
"""What it played is kept this long: the delay is measured against it."""

OVER_ITS_VOICE = frozenset({Intent.STOP})
"""What counts while it is speaking; its own words never do. Only "stop": with other
replies allowed too, its own voice coming back from the room was heard as "slower",
"next" and the like (tests/test_self_hearing.py)."""


@dataclass(frozen=True)
class Cleaned:
    block: np.ndarray
    """The block, its own voice taken out where the canceller knows the room."""
    deaf: int
    """Samples at its start not to listen to at all (its voice, not taken out)."""
    own: int
    """Samples at its start where its own voice may be in the room."""


@dataclass(frozen=True)
class Judged:
    own: bool
    """It was its own voice (or heard over it, and not a phrase that counts then)."""
    over_its_voice: bool
    """Said while it was speaking (or its echo was in the room)."""
    left_db: float | None = None
    """How much of its voice the canceller left over the phrase, when measured."""


class OwnVoice:
    def __init__(self, tail_s: float, barge_in: bool) -> None:
        """`tail_s`: how long its voice lingers in the room after a line ends.
        `barge_in`: listen while it speaks, with the echo canceller."""
        self.tail_s = tail_s
        self._echo = _echo_canceller() if barge_in else None
        self._echo_delay = EchoDelay()
        self._echo_learned = False
        self._played = Timeline()
        """What it played lately on the audio clock (16 kHz): the canceller's reference."""
        self._deaf: list[tuple[float, float]] = []
        """(start, end plus the tail) of each line lately scheduled: its own voice may be
        in the input then. Lines are scheduled ahead of their time (the loop's
        lookahead), so only those that have begun count."""
        self._lines: list[tuple[float, float, str]] = []
        """(start, end, normalized text) of what it said lately: its own words are not
        commands, even when the room brings them back to the microphone."""

    @property
    def barge_in(self) -> bool:
        return self._echo is not None

    @barge_in.setter
    def barge_in(self, on: bool) -> None:
        if on != self.barge_in:
            self._echo = _echo_canceller() if on else None

    # -- what it played ---------------------------------------------------------------

    def played(self, clip: Clip, start_s: float, text: str | None = None) -> None:
        """`clip` plays from `start_s`; `text`: the line it says (normalized), if any."""
        end_s = start_s + clip.duration_s
        if self._echo is not None:
            self._played.place(
                int(round(start_s * RATE_HZ)), resample(clip.samples, clip.rate_hz, RATE_HZ)
            )
        self._deaf.append((start_s, end_s + self.tail_s))
        if text is not None:
            self._lines = [*self._lines[-20:], (start_s, end_s, text)]

    def moved(self, line_s: float, late_s: float) -> None:
        """The line scheduled at line_s plays late_s later (it reached the speaker late):
        so does its echo reference, and the deafness for it."""
        self._played.move(int(round(line_s * RATE_HZ)), int(round(late_s * RATE_HZ)))
        self._deaf = [
            (s + late_s, e + late_s) if abs(s - line_s) < 1e-6 else (s, e) for s, e in self._deaf
        ]

    def unsay(self, t: float) -> None:
        """Nothing it scheduled from `t` on is played (the echo reference neither)."""
        self._played.cut(int(round(t * RATE_HZ)))
        self._deaf = [(s, min(e, t)) for s, e in self._deaf if s < t]

    def new_room(self) -> None:
        """A reopened microphone has its own latency (and may be in another place):
        measure the delay afresh and learn the room again."""
        if self._echo is not None:
            self._echo_delay = EchoDelay()
            self._echo = EchoCanceller()

    # -- the two questions ------------------------------------------------------------

    def clean(self, block: np.ndarray, start_s: float) -> Cleaned:
        """This block (from `start_s`) with its own voice taken out, or how much of it to
        be deaf to."""
        end_s = start_s + len(block) / RATE_HZ
        early, late = self._reach()
        self._deaf = [(s, e) for s, e in self._deaf if e + late > start_s]
        deaf_until = max((e + late for s, e in self._deaf if s + early < end_s), default=0.0)
        own = min(len(block), max(0, int(round((deaf_until - start_s) * RATE_HZ))))
        if self._echo is None:
            return Cleaned(block, own, own)
        at = int(round(start_s * RATE_HZ))
        if self._echo_delay.observe(block, at + len(block), self._played.mix):
            _LOGGER.debug(
                "At %.1f s its voice reaches the microphone %.0f ms after its"
                " time: the echo canceller starts anew.",
                start_s,
                1000 * self._echo_delay.delay / RATE_HZ,
            )
            self._echo = EchoCanceller()
        block = self._echo.process(block, self._reference(at, len(block)), at=at)
        if self._echo.learned != self._echo_learned:
            self._echo_learned = self._echo.learned
            _LOGGER.debug(
                "At %.1f s the echo canceller %s.",
                start_s,
                "has learned the room"
                if self._echo_learned
                else "no longer fits the room: deaf while it speaks",
            )
        # Until the canceller has learned the room it stays deaf to its own voice.
        return Cleaned(block, 0 if self._echo.learned else own, own)

    def judge(self, heard: Heard) -> Judged:
        """Whether `heard` was its own voice, or said over it and not to be taken."""
        intent, phrase = heard.intent, heard.phrase or ""
        over = self._lines_during(heard)
        if not over:
            return Judged(own=False, over_its_voice=False)
        if intent not in OVER_ITS_VOICE or any(_contains(text, phrase) for text in over):
            _LOGGER.debug("Heard '%s' while saying it or something else: not a command.", phrase)
            return Judged(own=True, over_its_voice=True)
        if self._echo is None:
            return Judged(own=False, over_its_voice=True)
        start, end = int(heard.start_s * RATE_HZ), int(heard.end_s * RATE_HZ)
        left = self._echo.left_db(start, end)
        # Checked against what it played directly too: a canceller whose timing is off
        # (the speaker ran dry) takes nothing out until the delay is measured again.
        direct = self._echo_delay.left_db(start, end, self._played.mix)
        if direct is not None:
            _LOGGER.debug(
                "Of '%s' the canceller left %.1f dB, a fit of its voice %.1f dB.",
                phrase,
                left,
                direct,
            )
            left = min(left, direct)
        if left < SOMEONE_ELSE_DB:
            # What the canceller left of its own voice, heard as a word.
            _LOGGER.debug("Heard '%s' in its own voice (%.0f dB): not a command.", phrase, left)
            return Judged(own=True, over_its_voice=True, left_db=left)
        return Judged(own=False, over_its_voice=True, left_db=left)

    def _reference(self, start: int, n: int) -> np.ndarray:
        """What it played over these samples, as the microphone hears it: lined up by
        the measured delay, a little early so that the echo always comes after its
        reference (the canceller reaches forward, echo.TAIL, not back)."""
        self._played.forget_before(start - _PLAYED_KEPT)  # what may still be measured
        return self._played.mix(start - self._echo_delay.delay + _ECHO_LEAD, n)

    def _lines_during(self, heard: Heard) -> list[str]:
        """What it was saying (or echoing) while `heard` was said."""
        early, late = self._reach()
        return [
            text
            for start, end, text in self._lines
            if heard.start_s < end + self.tail_s + late and heard.end_s > start + early
        ]

    def _reach(self) -> tuple[float, float]:
        """How much before and after its time its voice is in the microphone (s): the
        measured delay widens the stretch its own voice may be heard in (live, through a
        busy sound server, it reached the microphone 1.6 s after its time)."""
        delay_s = self._echo_delay.delay / RATE_HZ
        return min(delay_s, 0.0), max(delay_s, 0.0)


def _echo_canceller() -> EchoCanceller | None:
    try:
        return EchoCanceller()
    except EchoError as exc:
        _LOGGER.warning("%s", exc)
        return None


def _contains(text: str, phrase: str) -> bool:
    """Whole words: "stop" is in "safe to stop here", not in "stopwatch"."""
    return f" {phrase} " in f" {text} "
