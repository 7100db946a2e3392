"""Whether a length has begun after a heard time-out: glue over the verifier's scores,
with a stand-in verifier that scores "for" as told (the real one is in test_verifier)."""

from __future__ import annotations

from pausebuddy.hearing.spoken_length import LengthHeard, begun
from pausebuddy.hearing.verdict import Expansion, Verdict
from pausebuddy.hearing.verifier import Scored
from pausebuddy.phrases import Intent

TIMEOUT = Verdict(Expansion(Intent.TIMEOUT, "pause buddy, time out"), -1.0)


class _ForScorer:
    """Scores "<time-out> for" with "for" at `for_log` after the time-out's 6 tokens."""

    def __init__(self, for_log: float) -> None:
        self.for_log = for_log

    def score(self, encoded: object, texts: list[str]) -> list[Scored]:
        logs = (-1.0,) * 6 + (self.for_log,)
        return [_scored(text, logs) for text in texts]


def _scored(text: str, logs: tuple[float, ...]) -> Scored:
    return Scored(text, sum(logs) / len(logs), -1.0, 0.0, 1.0, len(logs), logs)


def _heard(nearest: float) -> LengthHeard:
    return LengthHeard(TIMEOUT, _scored("pause buddy, time out", (-1.0,) * 6), nearest)


def test_a_length_begun_by_its_words_or_by_for() -> None:
    # The length's own words are likely enough, whatever "for" scores.
    assert begun(_ForScorer(-9.0), None, _heard(-4.0))
    # "for" is, though no length's words are yet.
    assert begun(_ForScorer(-2.0), None, _heard(-6.0))
    # Neither: other words follow the time-out.
    assert not begun(_ForScorer(-6.0), None, _heard(-6.0))
