"""Recognized text -> Intent, by fuzzy matching against the configured phrases.

Phrases come from the config only. A configured phrase may start with the wake word
("pause buddy, time out"); what follows the wake word is its *core* ("time out"), and the
core is what is matched, so "timeout", "time-out please" and "pause buddy we need a time
out" all reach the time-out intent.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from pausebuddy.config import PhrasesConfig


class Intent(str, enum.Enum):
    TIMEOUT = "timeout"
    BREATHE = "breathe"
    GROUND = "ground"
    STOP = "stop"
    NEXT = "next"
    REPEAT = "repeat"
    MORE_TIME = "more_time"
    READY = "ready"
    CANCEL = "cancel"
    HOW_LONG = "how_long"
    SLOWER = "slower"
    FASTER = "faster"
    LOUDER = "louder"
    QUIETER = "quieter"


# Requests start something, so outside a session they need the wake word first.
# The time-out is the exception: it must be heard the first time, with or without it.
WAKE_REQUIRED = frozenset(
    {Intent.BREATHE, Intent.GROUND, Intent.CANCEL, Intent.HOW_LONG, Intent.LOUDER, Intent.QUIETER}
)
REQUESTS = WAKE_REQUIRED | {Intent.TIMEOUT}
"""Said with no session running, after the wake word; the other intents are replies."""

# A time-out may name its length: "pause buddy, time out for half an hour". These are the
# lengths the engines listen for after a time-out phrase; they are language, not phrases.
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
}
DURATIONS = [
    "two minutes",
    "five minutes",  # too short to keep: heard, so that it can say so
    "half an hour",
    "an hour",
    "one hour",
    "two hours",
    "three hours",
    "four hours",
    *(
        f"{n} minutes"
        for n in (
            "ten",
            "fifteen",
            "twenty",
            "twenty five",
            "thirty",
            "forty",
            "forty five",
            "fifty",
            "sixty",
            "ninety",
        )
    ),
]
"""Spoken lengths heard after a time-out phrase ("for ...")."""

# Spellings that mean the same words; they are language, not phrases.
_COMPOUNDS = {"timeout": "time out", "timeouts": "time out", "okay": "ok"}


def normalize(text: str) -> str:
    """Lowercase words separated by single spaces: 'Time-out, please!' -> 'time out please'."""
    text = text.lower().replace("-", " ").replace("\u2019", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    words = [_COMPOUNDS.get(w, w) for w in text.split()]
    return " ".join(" ".join(words).split())


@dataclass(frozen=True)
class Match:
    intent: Intent
    score: float
    """rapidfuzz score, 0-100."""
    phrase: str


class PhraseBook:
    """The configured phrases, normalized, and the matcher over them."""

    def __init__(self, config: PhrasesConfig) -> None:
        self.wake_word = normalize(config.wake_word)
        self.threshold = config.match_threshold
        self.cores: dict[Intent, list[str]] = {}
        for intent in Intent:
            cores = []
            for phrase in getattr(config, intent.value):
                core = self._strip_wake(normalize(phrase))
                if core and core not in cores:
                    cores.append(core)
            self.cores[intent] = cores

    def _strip_wake(self, text: str) -> str:
        if self.wake_word and text.startswith(self.wake_word):
            return text[len(self.wake_word) :].strip()
        return text

    def all_cores(self) -> list[str]:
        return sorted({core for cores in self.cores.values() for core in cores})

    def timeout_with_lengths(self) -> list[str]:
        """Each time-out core followed by each spoken length: "time out for an hour"."""
        return [f"{core} for {d}" for core in self.cores[Intent.TIMEOUT] for d in DURATIONS]

    def words(self) -> set[str]:
        """Every word the hearing engine must know."""
        cores = self.all_cores() + DURATIONS + ["for"]
        return set(self.wake_word.split()) | {w for c in cores for w in c.split()}

    def has_wake_word(self, text: str) -> bool:
        text = normalize(text)
        return bool(self.wake_word) and fuzz.partial_ratio(self.wake_word, text) >= self.threshold

    def match(self, text: str, allowed: frozenset[Intent] | None = None) -> Match | None:
        """The best intent for `text` among `allowed` (all if None), or None.

        Requests in WAKE_REQUIRED only count when the wake word was heard too.
        """
        text = normalize(text)
        if not text:
            return None
        woken = self.has_wake_word(text)
        rest = self._strip_wake(text) if woken else text
        best: Match | None = None
        for intent, cores in self.cores.items():
            if allowed is not None and intent not in allowed:
                continue
            if intent in WAKE_REQUIRED and not woken:
                continue
            for core in cores:
                score = _core_score(core, rest)
                if score < self.threshold:
                    continue
                # On a tie the longer core wins: "five more minutes" over "five things".
                if best is None or (score, len(core)) > (best.score, len(best.phrase)):
                    best = Match(intent, score, core)
        return best


def _core_score(core: str, text: str) -> float:
    """How well `core` matches some run of whole words in `text` (0-100).

    Word-aligned, so "stop" matches "please stop" but not "stopwatch".
    """
    words = text.split()
    n = len(core.split())
    best = 0.0
    for size in {max(1, n - 1), n, n + 1}:
        for i in range(max(1, len(words) - size + 1)):
            best = max(best, fuzz.ratio(core, " ".join(words[i : i + size])))
    return best


def spoken_seconds(text: str) -> float | None:
    """The length named in `text`: "for half an hour" -> 1800, "ten more minutes" -> 600."""
    words = normalize(text).split()
    if "half" in words and "hour" in words:
        return 1800.0
    for i, word in enumerate(words):
        if word.rstrip("s") not in ("minute", "hour") or i == 0:
            continue
        j = i - 2 if words[i - 1] == "more" else i - 1  # "ten more minutes"
        count = _NUMBERS.get(words[j]) if j >= 0 else None
        if count is None:
            continue
        if j >= 1 and words[j - 1] in ("twenty", "forty") and words[j] == "five":
            count += _NUMBERS[words[j - 1]]
        return count * (60.0 if word.startswith("minute") else 3600.0)
    return None
