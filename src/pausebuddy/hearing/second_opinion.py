"""A request the other stages heard, checked by the verifier's model before it counts.

The phrase model and the grammar hear requests the verifier cannot make out under other
voices ("quieter" under babble), so what they report stands on its own, but not when
the verifier's model is sure the moment said other words: "the detective sat down by
the fire, and the house was quiet again" was "pause buddy, quieter" to the phrase model
(0.90 sure). The request is scored forced, wake word first, from just before where it
began to now, against the model's own transcription of the same audio
(verdict.ratio_holds, at hearing.verifier_ratio_threshold). The time-out is not
checked: it is answered at once, and no time-out of theirs was heard in talk.
"""

from __future__ import annotations

import math
import time

import numpy as np

from pausebuddy.hearing import SAMPLE_RATE_HZ, Heard
from pausebuddy.hearing.verify_stage import VerifyStage
from pausebuddy.phrases import REQUESTS, Intent, PhraseBook

_LEAD = SAMPLE_RATE_HZ * 3 // 10
_SHORTEST = SAMPLE_RATE_HZ // 2


class SecondOpinion:
    def __init__(self, verify: VerifyStage, phrases: PhraseBook) -> None:
        self._verify = verify
        """Its model, its check, and its CPU count."""
        self._phrases = phrases

    def keep(self, heard: list[Heard], ring: np.ndarray, pos: int) -> list[Heard]:
        """`heard` without the requests the model is sure were other words (`ring`: the
        last audio, ending at stream sample `pos`)."""
        return [h for h in heard if self._stands(h, ring, pos)]

    def _stands(self, heard: Heard, ring: np.ndarray, pos: int) -> bool:
        match = self._phrases.match(heard.text)
        if (
            self._verify.ratio_threshold == -math.inf
            or match is None
            or match.intent not in REQUESTS
            or match.intent is Intent.TIMEOUT
        ):
            return True
        start = max(int(heard.start_s * SAMPLE_RATE_HZ) - _LEAD - (pos - len(ring)), 0)
        window = ring[start:]
        if len(window) < _SHORTEST:
            return True
        cpu = time.process_time()
        encoded = self._verify.verifier.encode(window)
        said = self._verify.verifier.score(encoded, [f"{self._phrases.wake_word}, {match.phrase}"])
        stands = self._verify.stands_against_talk(encoded, said[0])
        self._verify.cpu_s += time.process_time() - cpu
        return stands
