"""The phrase models on the stream (phrase_model.py): the requests' model outside a
session, the replies' in one. Woken by speech, each hears it from well before the VAD
says it began; in a quiet room they rest (they cost as much on silence as on talk)."""

from __future__ import annotations

import logging

import numpy as np

from pausebuddy.config import HearingConfig
from pausebuddy.hearing import SAMPLE_RATE_HZ, HearingError
from pausebuddy.hearing.embeddings import SpeechEmbedder
from pausebuddy.hearing.front_end import FrontEnd
from pausebuddy.hearing.phrase_model import (
    Detection,
    PhraseSpotter,
    find_model,
    intent_groups,
    reply_phrases,
    request_phrases,
)
from pausebuddy.phrases import Intent, PhraseBook

_LOGGER = logging.getLogger(__name__)

PHRASE_LEAD = SAMPLE_RATE_HZ * 3 // 2
"""Woken by speech, a model hears it from this long before the VAD says it began (its
window is 2 s; the ring holds more)."""


class PhraseStage:
    def __init__(
        self, config: HearingConfig, phrases: PhraseBook, front: FrontEnd, candidate: float
    ) -> None:
        """`candidate`: how sure the requests' model must be of a request to report it as
        a candidate (0: none)."""
        self._config = config
        self._phrases = phrases
        self._front = front
        self.intents: list[Intent] = []
        """The intent of each of the requests' model's groups."""
        self.requests = self._load(request_phrases(phrases), "phrase", candidate=candidate)
        # One embedder for both models: only one listens at a time.
        self.replies = self._load(
            reply_phrases(phrases), "reply", self.requests.embedder if self.requests else None
        )
        self.resting = True
        """Not fed (quiet, or not listening just before)."""
        self._fed: PhraseSpotter | None = None
        """The model that was fed last: requests' or replies'."""

    def listening(self, expecting_reply: bool) -> bool:
        """Whether a model listens now: the replies' while a reply is expected, else the
        requests'."""
        return (self.replies if expecting_reply else self.requests) is not None

    def hear(
        self, samples: np.ndarray, speech_began: int | None, expecting_reply: bool
    ) -> list[Detection]:
        """What the listening model found in this block (`speech_began`: the front end's)."""
        spotter = self.replies if expecting_reply else self.requests
        assert spotter is not None
        front = self._front
        if spotter is not self._fed:
            self._fed, self.resting = spotter, True  # a session began or ended
        if self.resting:
            if speech_began is None and not front.in_speech:
                return []
            # Speech again: heard from well before the VAD says it began, so that the
            # model's 2 s window is full by the end of a phrase said straight away.
            began = speech_began if speech_began is not None else front.pos - len(samples)
            since = max(began - PHRASE_LEAD, front.ring_start)
            spotter.restart(since)
            self.resting = False
            samples = front.ring[since - front.ring_start :]
        found = spotter.accept(samples)
        for each in found:
            _LOGGER.debug(
                "phrase model: '%s' (%.2f%s) at %.2f s",
                each.phrase,
                each.score,
                "" if each.sure else ", a candidate",
                each.end / SAMPLE_RATE_HZ,
            )
        if front.quiet_room:
            self.resting = True  # a quiet room costs nothing
        return found

    def most_sure(self, intent: Intent, start: int, end: int) -> float | None:
        """How sure the requests' model was of `intent` between stream samples start and
        end; None where it cannot say (no model, an intent it has no phrase for, speech it
        did not hear)."""
        if self.requests is None or intent not in self.intents:
            return None
        return self.requests.most_sure(self.intents.index(intent), start, end)

    def _load(
        self,
        said: list[str],
        kind: str,
        embedder: SpeechEmbedder | None = None,
        candidate: float = 0.0,
    ) -> PhraseSpotter | None:
        """The spotter for the request phrases (kind "phrase") or the replies ("reply"),
        if their model is learned."""
        if not self._config.phrase_model or not said:
            return None
        fallback = "the wake-word spotter" if kind == "phrase" else "the command grammar"
        try:
            model = find_model(said)
            if model is None:
                _LOGGER.info(
                    "No %s model is learned for the configured phrases yet: %s "
                    "hears them ('pausebuddy learn%s' learns one, in a few minutes).",
                    kind,
                    fallback,
                    " --replies" if kind == "reply" else "",
                )
                return None
            intents, groups = intent_groups(model, self._phrases)
            if kind == "phrase":
                self.intents = intents
            return PhraseSpotter(
                model, self._config.phrase_threshold, groups, embedder=embedder, candidate=candidate
            )
        except HearingError as err:
            _LOGGER.warning("%s. Until then %s hears the phrases.", err, fallback)
            return None
