"""What the verifier scores, and the pure rule that turns its scores into a verdict.

The grammar is the configured requests after the wake word ("pause buddy, let's
breathe"), the time-out also with the words people put before it ("pause buddy, we need
a time out"), and, once a time-out is heard, the time-out with each spoken length ("...
time out for half an hour"). The verdict needs no model and is tested with hand-made
scores.
"""

from __future__ import annotations

from dataclasses import dataclass

from pausebuddy.phrases import DURATIONS, REQUESTS, Intent, PhraseBook, spoken_seconds

TIMEOUT_BRIDGES = ("we need a", "can we have a", "i need a")
"""Words said between the wake word and the time-out that the verifier also scores."""


@dataclass(frozen=True)
class Expansion:
    intent: Intent
    text: str
    """As said, wake word first: "pause buddy, time out for half an hour"."""
    length_s: float | None = None
    """The length it names, if any."""


@dataclass(frozen=True)
class Verdict:
    expansion: Expansion
    score: float
    """The verifier's score of that expansion (mean token log probability)."""


def request_grammar(phrases: PhraseBook) -> list[Expansion]:
    """Every request as said after the wake word, without a length."""
    wake = phrases.wake_word
    grammar = []
    for intent in Intent:
        if intent not in REQUESTS:
            continue
        for core in phrases.cores[intent]:
            grammar.append(Expansion(intent, f"{wake}, {core}"))
            if intent is Intent.TIMEOUT:
                grammar += [Expansion(intent, f"{wake}, {bridge} {core}")
                            for bridge in TIMEOUT_BRIDGES]
    return grammar


def length_grammar(timeout: Expansion) -> list[Expansion]:
    """The heard time-out followed by each spoken length."""
    return [Expansion(Intent.TIMEOUT, f"{timeout.text} for {said}",
                      spoken_seconds(f"for {said}"))
            for said in DURATIONS]


def best(scores: list[tuple[Expansion, float]], threshold: float) -> Verdict | None:
    """The likeliest expansion, if it scores at least `threshold`."""
    if not scores:
        return None
    expansion, score = max(scores, key=lambda pair: pair[1])
    return Verdict(expansion, score) if score >= threshold else None


def with_length(heard: Verdict, lengths: list[tuple[Expansion, float]],
                bare_ended: float) -> Verdict:
    """The time-out with the length that was said, if one was: the likeliest length
    wins when its words score at least as well as the bare phrase ending there
    (`bare_ended`: its score with the full stop after it). A length that was not said
    makes its own words unlikely; one that was said makes the full stop unlikely."""
    if not lengths:
        return heard
    expansion, score = max(lengths, key=lambda pair: pair[1])
    if score >= bare_ended and score >= heard.score - LENGTH_MARGIN:
        return Verdict(expansion, score)
    return heard


LENGTH_MARGIN = 1.5
"""A length's words may score this much below the bare phrase's words and still count
(the length's own words are often less clear than the phrase's)."""
