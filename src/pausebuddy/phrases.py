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


# Requests start something, so outside a session they need the wake word first.
# The time-out is the exception: it must be heard the first time, with or without it.
WAKE_REQUIRED = frozenset({Intent.BREATHE, Intent.GROUND, Intent.CANCEL})

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

    def words(self) -> set[str]:
        """Every word the hearing engine must know."""
        return set(self.wake_word.split()) | {w for c in self.all_cores() for w in c.split()}

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
