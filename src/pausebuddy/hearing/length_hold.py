"""A time-out said while they talk on waits for the verifier to listen for its length.

The loop answers the first report of a time-out, and once it speaks it hears only "stop":
a length reported a moment later is lost. Under other voices the grammar (or Vosk) often
misses the length, or mishears it ("for forty five minutes" as "for four hours"); the
verifier, scoring the lengths forced, does not (docs/hearing-verifier.md, "Lengths"). So
a time-out heard while speech goes on with no pause after it is held by the verify stage
(VerifyStage.hold) and reported with the length it makes out, or as it was heard. After a
pause, what follows is not its length, and it is answered at once. Other requests heard
inside a held time-out are its length's words ("five things" in "... forty five
minutes"), and are dropped. Shared by both engines.
"""

from __future__ import annotations

from pausebuddy.hearing import SAMPLE_RATE_HZ, Heard, pauses
from pausebuddy.hearing.arbiter import inside_held
from pausebuddy.hearing.front_end import FrontEnd
from pausebuddy.hearing.verify_stage import VerifyStage
from pausebuddy.phrases import Intent, PhraseBook

_TIMEOUT_ONLY = frozenset({Intent.TIMEOUT})


class LengthHold:
    def __init__(self, verify: VerifyStage, front: FrontEnd, phrases: PhraseBook) -> None:
        self._verify = verify
        self._front = front
        self._phrases = phrases
        self._undecided: list[Heard] = []
        """Time-outs heard while they talk on, waiting for the audio that says whether a
        pause follows."""

    def sort(self, heard: list[Heard]) -> list[Heard]:
        """`heard` as it may be reported now: less the time-outs the verifier is to
        listen after first, and less what was heard inside one it holds."""
        reported, undecided = [], []
        for item in self._undecided + heard:
            question = False if self._verify.listened_after(item) else self._in_question(item)
            if question is None:
                undecided.append(item)  # the audio after it is still coming
            elif question:
                self._verify.hold(item)
            else:
                reported.append(item)
        self._undecided = undecided
        held = self._verify.holding()
        return [h for h in reported if not inside_held(h, held, self._phrases)]

    def release(self) -> list[Heard]:
        """Not listening for a length any more (its own voice, a session, the stream's
        end): what is waiting, to be reported as heard. Nothing is lost."""
        waiting, self._undecided = self._undecided, []
        return waiting + self._verify.clear()

    def _in_question(self, heard: Heard) -> bool | None:
        """Whether `heard` is a time-out said while they talk on with no pause after it;
        None until the audio after it says."""
        if not self._front.in_speech or self._phrases.match(heard.text, _TIMEOUT_ONLY) is None:
            return False
        ring_start = self._front.ring_start
        start, end = (int(t * SAMPLE_RATE_HZ) - ring_start for t in (heard.start_s, heard.end_s))
        pause = pauses.pause_after(self._front.ring, start, end)
        return None if pause is None else not pause
