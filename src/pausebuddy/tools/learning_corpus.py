"""What the phrase model learns from (tools/learning.py): the voices (espeak-ng variants,
accents, speeds and pitches that the hearing benchmark never uses) and the texts
around and instead of the phrases (everyday sentences from a small grammar of their own,
random dictionary words, near-sounding words, the wake word followed by other words)."""

from __future__ import annotations

import random
from pathlib import Path

from pausebuddy.phrases import normalize
from pausebuddy.synth.corpus import Speaker

ACCENTS = [
    "en-us",
    "en-gb",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-us-nyc",
    "en-gb-x-rp",
    "en-gb-scotland",
]
VARIANTS = [
    "m4",
    "m5",
    "m6",
    "m8",
    "f1",
    "f5",
    "Alex",
    "Andy",
    "Annie",
    "adam",
    "anika",
    "aunty",
    "belinda",
    "benjamin",
    "caleb",
    "david",
    "ed",
    "edward",
    "grandma",
    "grandpa",
    "john",
    "linda",
    "max",
    "michel",
    "norbert",
    "paul",
    "iven",
    "klatt3",
    "klatt5",
    "klatt6",
    "Mike",
    "Michael",
    "Lee",
    "Hugo",
    "Denis",
    "Gene",
]
"""espeak-ng voice variants to learn from: none of them is in voices.SPEAKERS or
voices.BABBLE_SPEAKERS (tests/test_phrase_learning.py checks)."""

NEAR_WORDS = [
    "pause",
    "buddy",
    "paws",
    "pass",
    "post",
    "cause",
    "because",
    "body",
    "bud",
    "daddy",
    "my buddy",
    "hey buddy",
    "pause it",
    "pause the film",
    "time",
    "out",
    "we need time",
    "out of time",
    "breathe",
    "ground",
    "cancel",
    "long",
    "five",
    "things",
    "okay",
    "top",
    "stopped",
    "shop",
    "nest",
    "text",
    "sip",
    "skipped",
    "peat",
    "slow",
    "low",
    "fast",
    "after",
    "master",
    "speed",
    "more",
    "minutes",
    "ready",
    "already",
    "steady",
    "we're",
]
"""Words near the phrases' sounds, said in the 'anything else' class."""

_WHO = [
    "I",
    "you",
    "we",
    "they",
    "she",
    "he",
    "my aunt",
    "the children",
    "our friend",
    "the man next door",
    "grandad",
    "nobody",
    "the teacher",
    "somebody",
    "the cat",
]
_DOES = [
    "forgot",
    "wants",
    "never liked",
    "can't find",
    "will bring",
    "has seen",
    "fixed",
    "is painting",
    "was washing",
    "keeps talking about",
    "should ring",
    "might sell",
    "just finished",
    "left",
    "bought",
    "lost",
    "hates",
    "is cooking",
    "moved",
    "paid",
]
_WHAT = [
    "the keys",
    "that show",
    "a new coat",
    "the bills",
    "lunch",
    "the fence",
    "her glasses",
    "the trip",
    "some bread",
    "the game",
    "his present",
    "the towels",
    "the plan",
    "the tickets",
    "the radio",
    "a letter",
    "the bike",
    "the window",
    "the boxes",
    "the photos",
]
_WHEN = [
    "",
    "",
    "yesterday",
    "last week",
    "again",
    "this afternoon",
    "on Friday",
    "before tea",
    "after school",
    "for months",
    "right away",
    "at the market",
    "in the hall",
    "twice",
    "at last",
    "tonight",
]
_AS_WELL = ["and then", "but", "because", "so", "although", "while", "or"]
_ASIDES = [
    "oh really",
    "yeah",
    "no way",
    "hmm okay",
    "I don't know",
    "sure",
    "well",
    "right",
    "honestly",
    "come on",
    "I mean it",
    "wait a second",
    "look",
    "oh no",
]
"""A small grammar of everyday sentences (written apart from pausebuddy.synth.talk, the
benchmark's talk): said around the phrases and as 'anything else', with the phrases'
words put into some of them."""


def everyday_sentence(rng: random.Random) -> str:
    def clause() -> str:
        when = rng.choice(_WHEN)
        return f"{rng.choice(_WHO)} {rng.choice(_DOES)} {rng.choice(_WHAT)} {when}".strip()

    text = clause()
    if rng.random() < 0.4:
        text += f" {rng.choice(_AS_WELL)} {clause()}"
    if rng.random() < 0.3:
        text = f"{rng.choice(_ASIDES)}, {text}"
    return text


def with_phrase_words(rng: random.Random, phrases: list[str]) -> str:
    """An everyday sentence with some of a phrase's words inside it (not the phrase)."""
    words = rng.choice(phrases).split()
    take = rng.randint(1, max(1, len(words) - 1))
    first = rng.randrange(len(words) - take + 1)
    part = " ".join(words[first : first + take])
    sentence = everyday_sentence(rng).split()
    at = rng.randint(0, len(sentence))
    return " ".join(sentence[:at] + [part] + sentence[at:])


def learning_voice(rng: random.Random) -> Speaker:
    return Speaker(
        "learn",
        f"{rng.choice(ACCENTS)}+{rng.choice(VARIANTS)}",
        rng.randint(115, 195),
        rng.randint(20, 85),
    )


_WORDS: list[str] = []


def dictionary_words() -> list[str]:
    if not _WORDS:
        from pocketsphinx import get_model_path

        path = Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            word = line.split(" ", 1)[0]
            if word.isalpha() and len(word) > 1:
                _WORDS.append(word)
    return _WORDS


def random_words(rng: random.Random, low: int = 2, high: int = 10) -> str:
    return " ".join(rng.choice(dictionary_words()) for _ in range(rng.randint(low, high)))


def other_text(rng: random.Random, phrases: list[str], wake_word: str) -> str:
    """Something that is none of the phrases, often close to one."""
    while True:
        text = _other_text(rng, phrases, wake_word)
        # A one-word reply ("stop") is its own words in another order, or a phrase's
        # words without the wake word: drawn again.
        if normalize(text) not in phrases:
            return text


def _other_text(rng: random.Random, phrases: list[str], wake_word: str) -> str:
    if rng.random() < 0.4:
        if rng.random() < 0.5:
            return everyday_sentence(rng)
        return with_phrase_words(rng, phrases)
    kind = rng.random()
    if kind < 0.3:
        return random_words(rng, 1, 6)
    if kind < 0.5:
        return f"{wake_word}, {random_words(rng, 1, 4)}"
    if kind < 0.7:
        core = rng.choice(phrases).removeprefix(wake_word).strip()
        return core or random_words(rng, 1, 3)
    if kind < 0.85:
        return rng.choice(NEAR_WORDS)
    words = rng.choice(phrases).split()
    return " ".join(rng.sample(words, len(words)))  # its words in another order


def context(rng: random.Random, low: int = 2, high: int = 10) -> str:
    """What is said before or after a clip's phrase, and in babble."""
    if rng.random() < 0.5:
        return everyday_sentence(rng)
    return random_words(rng, low, high)
