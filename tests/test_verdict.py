"""The verifier's grammar and verdict: pure rules, with hand-made scores."""

from __future__ import annotations

import math

import pytest

from pausebuddy.config import PhrasesConfig
from pausebuddy.hearing.verdict import (
    Expansion,
    Parts,
    Verdict,
    best,
    length_grammar,
    part_score,
    ratio_holds,
    request_grammar,
    wake_may_pass,
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


def test_each_request_is_also_scored_as_a_sentence_of_its_own_with_the_same_meaning() -> None:
    grammar = request_grammar(BOOK)
    written = {e.scored_as: e for e in grammar}
    assert written["pause buddy, grounding"].text == "pause buddy, grounding"
    assert written["pause buddy. Grounding"].text == "pause buddy, grounding"
    assert written["pause buddy. Let's breathe"].intent is Intent.BREATHE
    assert written["pause buddy. Time out"].text == "pause buddy, time out"
    assert "pause buddy. We need a time out" not in written  # longer: after a comma only
    assert "pause buddy. Cancel the break" not in written
    assert len(written) == len(grammar)


def test_other_writings_are_scored_only_where_the_wake_word_may_pass() -> None:
    # " P", "ause", " buddy" are the same in every writing; the comma after them is not.
    assert wake_may_pass((-6.0, -2.0, -1.0, -9.0), 4, -7.0, -9.0)
    assert not wake_may_pass((-6.0, -9.5, -1.0, 0.0), 4, -7.0, -9.0)  # "ause" too unlikely
    assert not wake_may_pass((-20.0, -4.0, -5.0, 0.0), 4, -7.0, -9.0)  # the mean
    assert wake_may_pass((-20.0, -12.0, -5.0, -3.0), 4, -math.inf, -math.inf)  # held


def test_a_length_is_scored_as_its_time_out_was_written() -> None:
    timeout = Expansion(Intent.TIMEOUT, "pause buddy, time out", written="pause buddy. Time out")
    lengths = {e.scored_as: e for e in length_grammar(timeout)}
    half = lengths["pause buddy. Time out for half an hour"]
    assert (half.text, half.length_s) == ("pause buddy, time out for half an hour", 1800)
    assert [e.scored_as for e in length_grammar(TIMEOUT)][0].startswith("pause buddy, time out")


def test_each_length_names_its_seconds() -> None:
    lengths = {e.text: e.length_s for e in length_grammar(TIMEOUT)}
    assert lengths["pause buddy, time out for half an hour"] == 1800
    assert lengths["pause buddy, time out for forty five minutes"] == 2700
    assert lengths["pause buddy, time out for two hours"] == 7200


def _parts(*logs: float) -> Parts:
    """Scores from each token's log probability: the wake word's four, then the request's."""
    return Parts.of(logs, wake_tokens=4)


def test_the_likeliest_request_wins_above_the_thresholds() -> None:
    timeout = _parts(-2.0, -1.0, -1.0, -1.0, -1.0, -2.0)
    breathe = _parts(-2.0, -1.0, -1.0, -1.0, -3.0, -3.0)
    assert best([(TIMEOUT, timeout), (BREATHE, breathe)], -5.5, -7.0) == Verdict(TIMEOUT, -1.5)


def test_nothing_is_heard_below_the_thresholds() -> None:
    # One of each request's tokens is unlikely: a word of it was not said.
    timeout = _parts(-2.0, -1.0, -1.0, -1.0, -0.5, -7.0)
    breathe = _parts(-2.0, -1.0, -1.0, -1.0, -6.0, -1.0)
    assert best([(TIMEOUT, timeout), (BREATHE, breathe)], -5.5, -7.0) is None
    assert best([], -5.5, -7.0) is None


def test_the_wake_word_said_clearly_does_not_carry_another_request() -> None:
    # "Pause buddy, how are you?": the wake word and "how" are likely, "long" is not,
    # though the request's mean is -4.0.
    how_long = _parts(-1.0, -0.3, -0.3, -0.3, -0.5, -7.5)
    assert how_long.request == -4.0
    assert best([(TIMEOUT, how_long)], -5.5, -7.0) is None


def test_a_request_without_its_wake_word_is_not_heard() -> None:
    assert best([(TIMEOUT, _parts(-9.0, -7.0, -7.0, -7.0, -0.5, -0.5))], -5.5, -7.0) is None


def test_a_wake_word_partly_said_is_not_heard() -> None:
    # "Hey buddy, how have you been?": the wake word's mean passes, "ause" does not.
    parts = _parts(-5.0, -10.5, -1.5, -1.0, -1.0, -1.5)
    assert parts.wake > -7.0 and parts.wake_weakest == -10.5
    assert best([(TIMEOUT, parts)], -5.5, -7.0) is None
    # Its first token pays for any talk before the phrase in the window: not counted.
    said = _parts(-11.0, -1.5, -1.0, -1.0, -1.0, -1.5)
    assert best([(TIMEOUT, said)], -5.5, -7.0) is not None


def test_a_time_out_another_stage_heard_is_judged_with_no_floor() -> None:
    # Held for its length: another stage heard it, so a wake word token that other
    # voices made unlikely does not lose the time-out (and its length) here.
    under_babble = _parts(-5.0, -12.0, -2.0, -2.0, -1.0, -1.5)
    inf = float("-inf")
    assert best([(TIMEOUT, under_babble)], -5.5, -7.0) is None
    assert best([(TIMEOUT, under_babble)], inf, inf, wake_token_floor=inf) is not None


def test_parts_split_the_tokens_at_the_wake_word() -> None:
    assert _parts(-1.0, -1.0, -1.0, -1.0, -2.0, -4.0) == Parts(-1.0, -3.0, -1.0, -4.0)


def test_a_phrase_far_less_likely_than_the_moments_own_words_does_not_stand() -> None:
    # Talk the model is sure of (-0.3 a token) against a phrase at -4.2: other words.
    assert not ratio_holds(-4.2, -0.3, -3.5)
    # Under other voices it is sure of nothing (-2.0): the phrase stands.
    assert ratio_holds(-4.2, -2.0, -3.5)


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


def test_a_word_heard_poorly_at_a_lengths_start_is_not_dropped() -> None:
    five = Expansion(Intent.TIMEOUT, "pause buddy, time out for five minutes", 300)
    forty_five = Expansion(Intent.TIMEOUT, "pause buddy, time out for forty five minutes", 2700)
    hour = Expansion(Intent.TIMEOUT, "pause buddy, time out for an hour", 3600)
    half = Expansion(Intent.TIMEOUT, "pause buddy, time out for half an hour", 1800)
    # "forty" under a partner's voice: the verifier passes over it.
    assert with_length(Verdict(TIMEOUT, -1.3), [(five, -2.4), (forty_five, -2.9)]) is forty_five
    assert with_length(Verdict(TIMEOUT, -1.3), [(hour, -1.0), (half, -1.6), (five, -4)]) is half
    # Said as it is, the longer one scores well below it.
    assert with_length(Verdict(TIMEOUT, -1.3), [(five, -0.5), (forty_five, -2.0)]) is five
    assert with_length(Verdict(TIMEOUT, -1.3), [(hour, -0.4), (half, -1.8)]) is hour
