"""The verifier's grammar and verdict: pure rules, with hand-made scores."""

from __future__ import annotations

import pytest

from pausebuddy.config import PhrasesConfig
from pausebuddy.hearing.verdict import (
    Expansion,
    Parts,
    Verdict,
    best,
    length_grammar,
    part_score,
    request_grammar,
    with_length,
)
from pausebuddy.phrases import Intent, PhraseBook

BOOK = PhraseBook(PhrasesConfig())
TIMEOUT = Expansion(Intent.TIMEOUT, "pause buddy, time out")
BREATHE = Expansion(Intent.BREATHE, "pause buddy, let's breathe")


def test_the_grammar_is_every_request_after_the_wake_word() -> None:
    texts = {e.text: e.intent for e in request_grammar(BOOK)}
    assert texts["pause buddy, time out"] is Intent.TIMEOUT
    assert texts["pause buddy, we need a time out"] is Intent.TIMEOUT
    assert texts["pause buddy, let's breathe"] is Intent.BREATHE
    assert texts["pause buddy, cancel the break"] is Intent.CANCEL
    assert not any(intent is Intent.STOP for intent in texts.values())


def test_a_couples_own_phrase_is_in_the_grammar() -> None:
    book = PhraseBook(PhrasesConfig(timeout=["pause buddy, red balloon"]))
    assert "pause buddy, red balloon" in {e.text for e in request_grammar(book)}


def test_each_length_names_its_seconds() -> None:
    lengths = {e.text: e.length_s for e in length_grammar(TIMEOUT)}
    assert lengths["pause buddy, time out for half an hour"] == 1800
    assert lengths["pause buddy, time out for forty five minutes"] == 2700
    assert lengths["pause buddy, time out for two hours"] == 7200


def test_the_likeliest_request_wins_above_the_thresholds() -> None:
    verdict = best([(TIMEOUT, Parts(-1.0, -1.5)), (BREATHE, Parts(-1.0, -3.0))], -3.5, -6.0)
    assert verdict == Verdict(TIMEOUT, -1.5)


def test_nothing_is_heard_below_the_thresholds() -> None:
    assert best([(TIMEOUT, Parts(-1.0, -4.0)), (BREATHE, Parts(-1.0, -5.0))], -3.5, -6.0) is None
    assert best([], -3.5, -6.0) is None


def test_the_wake_word_said_clearly_does_not_carry_another_request() -> None:
    # "Pause buddy, no, I mean the dinner": the wake word is likely, no request is.
    assert best([(TIMEOUT, Parts(-0.3, -4.4)), (BREATHE, Parts(-0.3, -3.9))], -3.5, -6.0) is None


def test_a_request_without_its_wake_word_is_not_heard() -> None:
    assert best([(TIMEOUT, Parts(-7.5, -0.5))], -3.5, -6.0) is None


def test_parts_split_the_tokens_at_the_wake_word() -> None:
    parts = Parts.of((-1.0, -1.0, -1.0, -1.0, -2.0, -4.0), wake_tokens=4)
    assert parts == Parts(-1.0, -3.0)


def test_a_length_that_was_said_is_kept() -> None:
    half = Expansion(Intent.TIMEOUT, "pause buddy, time out for half an hour", 1800)
    hour = Expansion(Intent.TIMEOUT, "pause buddy, time out for an hour", 3600)
    assert with_length(Verdict(TIMEOUT, -1.3), [(half, -0.2), (hour, -2.4)]) is half


def test_no_length_is_made_up_when_none_was_said() -> None:
    half = Expansion(Intent.TIMEOUT, "pause buddy, time out for half an hour", 1800)
    hour = Expansion(Intent.TIMEOUT, "pause buddy, time out for an hour", 3600)
    # "... for a fortnight": the nearest lengths' own words are unlikely.
    assert with_length(Verdict(TIMEOUT, -1.3), [(half, -3.9), (hour, -3.6)]) is TIMEOUT


def test_a_longer_phrases_added_words_are_scored_alone() -> None:
    # 4 tokens at -1 each, then 2 more at -0.5 each: the whole is -5/6 on average.
    assert part_score(-5 / 6, 6, -1.0, 4) == pytest.approx(-0.5)
