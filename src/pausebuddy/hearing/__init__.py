"""Hearing: audio in, what was asked for out. One module per engine behind `Recognizer`.

Engines hear the configured phrases; what a phrase means (its intent, and the length a
time-out or "five more minutes" names) is decided here once, with `phrases.PhraseBook`
(`with_meaning`), and carried in `Heard`: the loop does not parse the words again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from pausebuddy.config import HearingConfig
from pausebuddy.phrases import Intent, PhraseBook, spoken_seconds

SAMPLE_RATE_HZ = 16000
"""Every engine is fed 16 kHz mono int16."""


class HearingError(Exception):
    """The recognizer cannot start; the message says what to do next."""


@dataclass(frozen=True)
class Heard:
    text: str
    start_s: float
    """Seconds since the start of the stream."""
    end_s: float
    score: float
    """Engine confidence, 0-1."""
    intent: Intent | None = None
    """What it means (None: words that are no configured phrase)."""
    phrase: str | None = None
    """The configured phrase it matched, without the wake word ("time out")."""
    length_s: float | None = None
    """The length it names: a time-out's ("for half an hour": 1800 s) or more time's."""
    length_unclear: bool = False
    """A time-out said with a length ("... for") that was not made out."""


def with_meaning(heard: Heard, phrases: PhraseBook) -> Heard:
    """`heard` with its intent, the phrase it matched and the length it names."""
    match = phrases.match(heard.text)
    if match is None:
        return replace(heard, intent=None, phrase=None, length_s=None)
    length = (
        spoken_seconds(heard.text) if match.intent in (Intent.TIMEOUT, Intent.MORE_TIME) else None
    )
    return replace(heard, intent=match.intent, phrase=match.phrase, length_s=length)


class Recognizer(Protocol):
    expecting_reply: bool
    """True while someone may answer without the wake word (a session, a reminder)."""
    over_own_voice: bool
    """True while it speaks and listens on (barge-in): only "stop" is listened for."""

    def accept(self, samples: np.ndarray) -> list[Heard]:
        """Feed the next block of 16 kHz int16 audio; returns what was heard in it."""

    def flush(self) -> list[Heard]:
        """The stream ended: finish any half-heard phrase."""

    def skip(self, n_samples: int) -> None:
        """Not listening for n samples (its own voice is playing)."""


def hear_all(recognizer: Recognizer, audio: np.ndarray | Iterable[np.ndarray]) -> Iterator[Heard]:
    """A whole recording (samples, or its blocks) through `recognizer`, block by block as
    from a microphone; each thing heard as soon as it is heard."""
    from pausebuddy.audio import wav_blocks

    blocks = wav_blocks(audio) if isinstance(audio, np.ndarray) else audio
    for block in blocks:
        yield from recognizer.accept(block)
    yield from recognizer.flush()


def create_recognizer(config: HearingConfig, phrases: PhraseBook) -> Recognizer:
    if config.engine == "vosk":
        from pausebuddy.hearing.vosk_engine import VoskRecognizer

        return VoskRecognizer(config, phrases)
    from pausebuddy.hearing.pocketsphinx_engine import PocketsphinxRecognizer

    return PocketsphinxRecognizer(config, phrases)
