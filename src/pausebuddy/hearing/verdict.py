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
    written: str = ""
    """The same words as the verifier asks the model to write them, if not as `text`:
    after the wake word and a full stop ("pause buddy. Grounding")."""

    @property
    def scored_as(self) -> str:
        """What the verifier scores: `written`, or else `text`."""
        return self.written or self.text


@dataclass(frozen=True)
class Verdict:
    expansion: Expansion
    score: float
    """The verifier's score of the request's own words (mean token log probability)."""


@dataclass(frozen=True)
class Parts:
    """An expansion's scores in two parts: the wake word's tokens and the request's."""

    wake: float
    """The wake word's tokens' mean log probability."""
    request: float
    """The request's tokens' mean (what ranks the requests heard)."""
    wake_weakest: float = 0.0
    """The wake word's least likely token but its first (the first also pays for any
    talk before the phrase in the window)."""
    request_weakest: float = 0.0
    """The request's least likely token."""

    @classmethod
    def of(cls, logs: tuple[float, ...], wake_tokens: int) -> Parts:
        """From each token's log probability, the first `wake_tokens` the wake word's."""
        head, tail = logs[:wake_tokens], logs[wake_tokens:]
        return cls(
            sum(head) / max(len(head), 1),
            sum(tail) / len(tail) if tail else -99.0,
            min(head[1:], default=0.0),
            min(tail, default=-99.0),
        )


def request_grammar(phrases: PhraseBook) -> list[Expansion]:
    """Every request as said after the wake word, without a length; a request of one or
    two words also written as a sentence of its own, after a full stop.

    Whisper writes a short request said after a breath as a sentence of its own ("Pause
    buddy. Grounding."), and the words it would write otherwise are less likely: asked
    both ways, the verifier heard more of the requests said under other voices at 10 dB,
    and no more talk. Longer ones gained nothing, and starting a sentence ("We need a
    time out") they were more often heard in other requests (docs/hearing-verifier.md,
    "Written two ways")."""
    wake = phrases.wake_word
    said = []
    for intent in Intent:
        if intent not in REQUESTS:
            continue
        for core in phrases.cores[intent]:
            said.append((intent, core))
            if intent is Intent.TIMEOUT:
                said += [(intent, f"{bridge} {core}") for bridge in TIMEOUT_BRIDGES]
    grammar = [Expansion(intent, f"{wake}, {words}") for intent, words in said]
    return grammar + [
        Expansion(intent, f"{wake}, {words}", written=f"{wake}. {words[0].upper()}{words[1:]}")
        for intent, words in said
        if len(words.split()) <= SHORT_REQUEST_WORDS
    ]


SHORT_REQUEST_WORDS = 2
"""A request of at most this many words is also scored as a sentence of its own."""


def length_grammar(timeout: Expansion) -> list[Expansion]:
    """The heard time-out followed by each spoken length."""
    return [
        Expansion(
            Intent.TIMEOUT,
            f"{timeout.text} for {said}",
            spoken_seconds(f"for {said}"),
            f"{timeout.written} for {said}" if timeout.written else "",
        )
        for said in DURATIONS
    ]


WAKE_TOKEN_FLOOR = -9.0
"""Each of the wake word's tokens but the first must be at least this likely: a mean
that passes with one of them unlikely is a wake word partly said ("Hey buddy"), or not
at all. Measured (docs/hearing-verifier.md): in the requests the verifier heard (3
voices, clean, babble and a partner at 10 dB) none was under -8.5; in the talk it took
for a phrase, and in windows of talk close to it, one was -9.6 to -15.5."""


def best(
    scores: list[tuple[Expansion, Parts]],
    request_threshold: float,
    wake_threshold: float,
    wake_token_floor: float = WAKE_TOKEN_FLOOR,
) -> Verdict | None:
    """The expansion whose request is likeliest, among those heard: each of the
    request's tokens at least `request_threshold` likely, the wake word's mean at least
    `wake_threshold` and each of its tokens but the first at least `wake_token_floor`.

    Scored whole, the wake word's tokens decided: "pause buddy, no, I mean the dinner"
    scored -4.0 or better as some request in 53 of 160 such utterances (8 voices, clean
    and under babble), since "pause buddy," is said and the request's few tokens weigh
    little in the mean. Judged by means, a word said in the phrase carried one that was
    not ("how are you" for "how long"; "Hey buddy" for "pause buddy"). Each part and
    each token on its own (docs/hearing-verifier.md): of the requests said under babble /
    a partner at 10 dB, 80 / 80% heard where means heard 66 / 78%, with none of 895
    windows of talk or 80 near-misses taken.
    """
    likely = [
        (expansion, parts)
        for expansion, parts in scores
        if parts.wake >= wake_threshold
        and parts.wake_weakest >= wake_token_floor
        and parts.request_weakest >= request_threshold
    ]
    if not likely:
        return None
    expansion, parts = max(likely, key=lambda pair: pair[1].request)
    return Verdict(expansion, parts.request)


def wake_may_pass(
    logs: tuple[float, ...], wake_tokens: int, wake_threshold: float, wake_token_floor: float
) -> bool:
    """Whether a phrase whose first tokens scored `logs` could pass `best`'s wake-word
    tests in any writing. Its writings share every token of the wake word but the comma
    or full stop after it, so if the rest fail, scored with that one certain, no other
    writing need be scored (on talk, most windows judged)."""
    shared = logs[: wake_tokens - 1]
    return (
        sum(shared) / max(wake_tokens, 1) >= wake_threshold
        and min(shared[1:], default=0.0) >= wake_token_floor
    )


def with_length(heard: Verdict, lengths: list[tuple[Expansion, float]]) -> Expansion:
    """The time-out with the length that was said, if one was: the length whose own
    words are likeliest after the phrase (`lengths`: each expansion with the mean log
    probability of the tokens it adds), if they are likely enough (LENGTH_THRESHOLD); or
    a longer length that ends with its words, within NESTED_MARGIN of it."""
    if not lengths:
        return heard.expansion
    expansion, part = max(lengths, key=lambda pair: pair[1])
    if part < LENGTH_THRESHOLD:
        return heard.expansion
    words = expansion.text[len(f"{heard.expansion.text} for") :]  # " five minutes"
    longer = [
        (e, p)
        for e, p in lengths
        if e is not expansion and e.text.endswith(words) and p >= part - NESTED_MARGIN
    ]
    return max(longer, key=lambda pair: pair[1])[0] if longer else expansion


def ratio_holds(phrase: float, transcribed: float, threshold: float) -> bool:
    """Whether the phrase is likely enough against the window's own likeliest words
    (a likelihood ratio: the phrase's mean token log probability less that of the
    model's free transcription of the same window, `Verifier.transcribed`).

    The wake word and the request each pass their thresholds on a few windows of plain
    talk ("Hey buddy, how have you been?" as "pause buddy, how long"), where the model is
    sure of other words (-0.2 to -0.9 a token); under other voices it is sure of nothing,
    so a phrase said there loses little against it. Measured (docs/hearing-verifier.md):
    the verifier's false accepts probed were -2.6 to -6.5; requests it heard, clean
    -2.3 or more, under babble or a partner at 10 dB all but one -3.1 or more."""
    return phrase - transcribed >= threshold


LENGTH_THRESHOLD = -3.0
"""Measured on the 8 lengths said after the phrase by four voices, clean and under
babble at 10 dB: the length said scored -0.04 to -2.9; the best wrong length on a
length that is not in the grammar ("for a fortnight"), on no length and on other words
after the phrase, -3.4 or less."""


NESTED_MARGIN = 1.0
"""A length that ends with the likeliest one's words ("forty five minutes" for "five
minutes", "half an hour" for "an hour") is taken if it scores within this of it: the
verifier passes over a word it hears poorly. Measured (docs/hearing-verifier.md,
"Lengths"): 8 lengths said after the phrase by 12 voices, clean and under babble or a
partner at 10 dB: where the shorter was said, the longer scored 1.2 or more below it;
where the longer was, at worst 1.44 below the shorter, in 1 of 96 (0.43 in the
benchmark's scene that had it wrong)."""


def part_score(whole: float, whole_tokens: int, start: float, start_tokens: int) -> float:
    """The mean log probability of the tokens a longer phrase adds to its start: the
    start's tokens have the same probabilities in both (the decoder reads left to
    right), so this is what is left of the longer one's mean."""
    added = whole_tokens - start_tokens
    return (whole * whole_tokens - start * start_tokens) / added if added > 0 else whole
