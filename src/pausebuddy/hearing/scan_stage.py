"""A candidate stage that needs no other stage: while people talk, the verifier scans
the last few seconds every half second.

The keyphrase spotter and the phrase model miss most phrases said under another voice
(babble at 10 dB: half of them), so the verifier never sees those moments. Scanning
sliding windows with the verifier itself finds them: on the probe's windows (3 s, 0.5 s
hop; docs/hearing.md) the request rule found 77% under babble and 88% under a partner's
voice at 10 dB, with no window of 0.34 h of talk passing it. Each scan encodes the
window once and aligns the wake word alone; only a window whose wake word is close to
likely (GATE below the wake word's threshold: 4% of talk windows) is scored against the
whole request grammar, and only one whose request is close to likely too is queued for
the verify stage, which judges it as it judges any other stage's moment.
"""

from __future__ import annotations

import time

import numpy as np

from pausebuddy.hearing import SAMPLE_RATE_HZ
from pausebuddy.hearing.verdict import WAKE_TOKEN_FLOOR, Parts, request_grammar
from pausebuddy.hearing.verifier import Verifier
from pausebuddy.phrases import PhraseBook

WINDOW = 3 * SAMPLE_RATE_HZ
GATE = 0.5
"""A window whose wake word scores within this of the wake threshold is scored whole."""
LOOSE = 0.5
"""A window whose request's weakest token scores within this of the threshold is
queued for judging."""
TALK_LINGER = SAMPLE_RATE_HZ
"""Scanning goes on this long after the voice activity detector last heard speech (the
phrase's last word ends a window or two after it)."""


class ScanStage:
    def __init__(
        self,
        verifier: Verifier,
        phrases: PhraseBook,
        threshold: float,
        wake_threshold: float,
        hop_s: float,
    ) -> None:
        self.verifier = verifier
        self._grammar = [e.scored_as for e in request_grammar(phrases)]
        self._wake_tokens = verifier.count_tokens(f"{phrases.wake_word},")
        self._threshold = threshold
        self._wake_threshold = wake_threshold
        self._hop = int(hop_s * SAMPLE_RATE_HZ)
        self._next = self._hop
        """The stream sample at which the next window ends."""
        self.windows = 0
        self.scored_whole = 0
        """Windows scanned, and those scored against the whole grammar."""
        self.cpu_s = 0.0
        """CPU seconds spent scanning (the benchmark's breakdown by stage)."""

    def scan(
        self, ring: np.ndarray, pos: int, speech_seen: int, not_before: int = 0
    ) -> list[tuple[int, int, int]]:
        """Moments in the windows due by `pos` (the end of `ring`), each as (where its
        phrase may begin, where it may end, where the window began), in stream samples.
        `speech_seen`: where speech was last heard (no scan in a quiet room);
        `not_before`: audio before it is not scanned (its own voice, which may name the
        phrase)."""
        if pos < self._next:
            return []
        self._next = pos + self._hop
        length = min(WINDOW, pos - not_before, len(ring))
        if pos - speech_seen > TALK_LINGER or length < SAMPLE_RATE_HZ:
            return []
        window = ring[len(ring) - length :]  # not ring[-0:], the whole ring
        cpu = time.process_time()
        try:
            return self._scan(window, pos - len(window))
        finally:
            self.cpu_s += time.process_time() - cpu

    def _scan(self, window: np.ndarray, start: int) -> list[tuple[int, int, int]]:
        self.windows += 1
        encoded = self.verifier.encode(window)
        first = self.verifier.score(encoded, self._grammar[:1])[0]
        wake = Parts.of(first.logs, self._wake_tokens)
        if wake.wake < self._wake_threshold - GATE or wake.wake_weakest < WAKE_TOKEN_FLOOR:
            return []
        self.scored_whole += 1
        scored = self.verifier.score(encoded, self._grammar)
        likely = [
            s
            for s in scored
            if Parts.of(s.logs, self._wake_tokens).request_weakest >= self._threshold - LOOSE
        ]
        if not likely:
            return []
        chosen = max(likely, key=lambda s: Parts.of(s.logs, self._wake_tokens).request)
        return [
            (
                start + int(chosen.start_s * SAMPLE_RATE_HZ),
                start + int(chosen.end_s * SAMPLE_RATE_HZ),
                start,
            )
        ]
