"""Phrase matching: recognized text -> intent, from the configured phrases only."""

from __future__ import annotations

import pytest

from pausebuddy.config import PhrasesConfig
from pausebuddy.phrases import Intent, PhraseBook, normalize

BOOK = PhraseBook(PhrasesConfig())


@pytest.mark.parametrize(
    "text",
    [
        "pause buddy time out",
        "timeout",
        "time-out please",
        "pause buddy we need a time out",
        "Time out!",
    ],
)
def test_time_out_said_many_ways(text: str) -> None:
    match = BOOK.match(text)
    assert match is not None and match.intent is Intent.TIMEOUT


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("pause buddy let's breathe", Intent.BREATHE),
        ("pause buddy breathing", Intent.BREATHE),
        ("pause buddy grounding", Intent.GROUND),
        ("pause buddy five things", Intent.GROUND),
        ("pause buddy cancel the break", Intent.CANCEL),
        ("stop", Intent.STOP),
        ("please stop", Intent.STOP),
        ("next", Intent.NEXT),
        ("repeat", Intent.REPEAT),
        ("five more minutes", Intent.MORE_TIME),
        ("we're ready", Intent.READY),
    ],
)
def test_each_intent(text: str, intent: Intent) -> None:
    match = BOOK.match(text)
    assert match is not None and match.intent is intent


def test_requests_need_the_wake_word() -> None:
    assert BOOK.match("let's breathe") is None
    assert BOOK.match("cancel") is None


def test_only_allowed_intents_count() -> None:
    assert BOOK.match("stop", frozenset({Intent.TIMEOUT})) is None
    assert BOOK.match("stop", frozenset({Intent.STOP})).intent is Intent.STOP


def test_words_are_whole_words() -> None:
    assert BOOK.match("stopwatch") is None
    assert BOOK.match("the next door neighbour", frozenset({Intent.TIMEOUT})) is None


def test_longer_phrase_wins_a_tie() -> None:
    assert BOOK.match("pause buddy five more minutes").intent is Intent.MORE_TIME


def test_phrases_come_from_the_config() -> None:
    book = PhraseBook(PhrasesConfig(timeout=["hey pineapple"], wake_word="hey"))
    assert book.match("hey pineapple").intent is Intent.TIMEOUT
    assert book.match("pineapple").intent is Intent.TIMEOUT
    assert book.match("pause buddy time out") is None


def test_normalize() -> None:
    assert normalize("Time-out, please!") == "time out please"
    assert normalize("We\u2019re  READY") == "we're ready"
