"""The verifier's stage: moments the other stages found likely, judged once the audio
after each is in.

A moment is queued with where the phrase may have begun and where it may end (stream
samples); when the ring holds a little more than its end, the verifier scores the
request grammar on two windows ending there, one from just before the phrase's likely
start (talk said before the wake word left out) and one as long as the ring allows (a
slow speaker's phrase kept whole), and from where the window began in which a stage
found it, if it did (scan_stage.py); the best verdict stands. A time-out's spoken
length is scored then too, so what is reported carries it.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from pausebuddy import native_memory
from pausebuddy.config import HearingConfig
from pausebuddy.hearing import SAMPLE_RATE_HZ, Heard, spoken_length
from pausebuddy.hearing.scan_stage import ScanStage
from pausebuddy.hearing.verdict import (
    WAKE_TOKEN_FLOOR,
    Expansion,
    Parts,
    best,
    ratio_holds,
    request_grammar,
    wake_may_pass,
)
from pausebuddy.hearing.verifier import Encoded, Scored, Verifier, load_verifier
from pausebuddy.phrases import Intent, PhraseBook, spoken_seconds

_LOGGER = logging.getLogger(__name__)

TAIL = SAMPLE_RATE_HZ * 3 // 10
"""Audio after a moment's end that the verifier waits for (a phrase's last sound; its
end is often placed early)."""
LEAD = SAMPLE_RATE_HZ * 3 // 10
"""The short window opens this long before the phrase's likely start."""
LONG_WINDOW = 3 * SAMPLE_RATE_HZ
LONGEST = SAMPLE_RATE_HZ * 7 // 2
"""No window judged is longer, but a held time-out's with the length after it (its cost
grows with its length)."""
MERGE = SAMPLE_RATE_HZ // 2
"""Moments ending within this of each other are judged once."""


FOLLOWS = 0.4
"""A phrase whose full stop scores this much below its words has more words after it."""
FOR_WAIT = SAMPLE_RATE_HZ * 3 // 10
"""A held time-out is first judged with this much more after it: room for a "for"."""
WAIT_LENGTH = SAMPLE_RATE_HZ * 3 // 10
MAX_WAITS = 6
"""A time-out with words after it (a length being said) is judged again this much later,
at most MAX_WAITS times, so that "for half an hour" is heard with it."""
EDGE_S = 0.3
"""A length whose last word ends this close to its window's end may go on after it."""


@dataclass
class _Moment:
    since: int
    end: int
    waits: int = 0
    opens: list[int] = field(default_factory=list)
    """Where windows that a stage found it likely in began: judged from there too."""
    held: Heard | None = None
    """What another stage heard there, reported if the verifier hears nothing better:
    a time-out held while the verifier listens for a length after it."""
    length_s: float | None = None
    """The length it heard there when it last judged it (while they talked on)."""
    length_begun: bool = False
    """A length had begun after it when it was last judged (spoken_length.begun)."""


class VerifyStage:
    def __init__(
        self,
        verifier: Verifier,
        phrases: PhraseBook,
        threshold: float,
        wake_threshold: float,
        ratio_threshold: float = -math.inf,
    ) -> None:
        self.verifier = verifier
        self.threshold = threshold
        self.wake_threshold = wake_threshold
        self.ratio_threshold = ratio_threshold
        """How far below the window's own likeliest words a phrase may score
        (verdict.ratio_holds)."""
        self._grammar = request_grammar(phrases)
        self._wake_tokens = verifier.count_tokens(f"{phrases.wake_word},")
        self._queue: list[_Moment] = []
        self.cpu_s = 0.0
        """CPU seconds spent judging (the benchmark's breakdown by stage)."""
        self._judged_until = -1
        """The end of the last moment judged: a moment ending before it is not judged
        again."""
        self._released: list[Heard] = []
        """The last time-outs it listened after for a length, and reported."""

    def queue(
        self, since: int, end: int, opens: int | None = None, held: Heard | None = None
    ) -> None:
        """A moment to judge: where its phrase may begin and end, and where the window a
        stage found it in began, if any (stream samples). `held`: what another stage
        heard there, reported as it is unless the verifier hears it with more (a length)."""
        if end <= self._judged_until and held is None:
            return
        windows = [opens] if opens is not None else []
        for moment in self._queue:
            if abs(moment.end - end) < MERGE:
                moment.since, moment.end = min(moment.since, since), max(moment.end, end)
                moment.opens += windows
                moment.held = moment.held or held
                return
        self._queue.append(_Moment(since, end, opens=windows, held=held))

    def hold(self, held: Heard) -> None:
        """A time-out another stage heard, while they talk on: reported once the verifier
        has listened for a length after it (with the length, if one was said)."""
        start, end = int(held.start_s * SAMPLE_RATE_HZ), int(held.end_s * SAMPLE_RATE_HZ)
        self.queue(start, end + FOR_WAIT, held=held)

    def listened_after(self, heard: Heard) -> bool:
        """Whether it reported `heard` after listening for a length after it."""
        return heard in self._released

    def holding(self) -> list[Heard]:
        """The time-outs held while it listens for a length after them."""
        return [m.held for m in self._queue if m.held is not None]

    def clear(self) -> list[Heard]:
        """Not listening any more (its own voice, a session): nothing left to judge. What
        other stages heard and the verifier held is returned, never lost."""
        held = [m.held for m in self._queue if m.held is not None]
        self._queue = []
        return held

    def judge(
        self, ring: np.ndarray, pos: int, ended: bool = False, talking: bool = False
    ) -> list[Heard]:
        """What the due moments were (all of them once the stream `ended`), judged on
        `ring` (the last audio, ending at stream sample `pos`); `talking`: there is speech
        at its end (a length may still be being said)."""
        heard = []
        due = [m for m in self._queue if ended or m.end + TAIL <= pos]
        for moment in due:
            self._queue.remove(moment)
            self._judged_until = max(self._judged_until, moment.end)
            cpu = time.process_time()
            found = self._judge(ring, pos - len(ring), moment, last_chance=ended, talking=talking)
            self.cpu_s += time.process_time() - cpu
            if found is None and moment.held is not None:
                if any(m.held is moment.held for m in self._queue):
                    continue  # still waiting for a length
                found = moment.held  # not heard better: as the other stage heard it
            if found is not None:
                heard.append(found)
                if moment.held is not None or spoken_seconds(found.text) is not None:
                    # Listened after it for a length (a moment judged for other reasons
                    # may have ended before the phrase did: held, it is judged again).
                    self._released = [*self._released[-4:], found]
        if due:
            native_memory.give_back()  # the scoring's tens of MB (verifier.BATCH)
        return heard

    def _judge(
        self, ring: np.ndarray, ring_start: int, moment: _Moment, last_chance: bool, talking: bool
    ) -> Heard | None:
        until = min(moment.end + TAIL, ring_start + len(ring))
        if moment.held is None:
            ring_start = max(ring_start, ring_start + len(ring) - LONGEST)
            ring = ring[-LONGEST:]
        spans = {
            (max(until - LONG_WINDOW, ring_start), until),
            (max(moment.since - LEAD, ring_start), until),
        }
        spans |= {(start, until) for start in moment.opens if start >= ring_start}
        grammar, threshold, wake_threshold = self._grammar, self.threshold, self.wake_threshold
        wake_floor = WAKE_TOKEN_FLOOR
        if moment.held is not None:
            # A time-out another stage heard, and where: only the length after it is in
            # question (a window that cut its start off took "forty five minutes" for
            # "five minutes").
            grammar = [e for e in grammar if e.intent is Intent.TIMEOUT]
            threshold = wake_threshold = wake_floor = -math.inf
            spans = {(max(moment.since - LEAD, ring_start), until)}
        verdicts = []
        for start, stop in sorted(spans):
            window = ring[start - ring_start : stop - ring_start]
            if len(window) < SAMPLE_RATE_HZ // 2:
                continue
            encoded = self.verifier.encode(window)
            judged, scored = self._score(encoded, grammar, wake_threshold, wake_floor)
            parts = [Parts.of(s.logs, self._wake_tokens) for s in scored]
            verdict = best(
                list(zip(judged, parts, strict=True)), threshold, wake_threshold, wake_floor
            )
            likeliest = max(range(len(parts)), key=lambda k: parts[k].request)
            _LOGGER.debug(
                "verifier %.2f-%.2f s: likeliest '%s' (wake word %.2f, request %.2f)",
                start / SAMPLE_RATE_HZ,
                stop / SAMPLE_RATE_HZ,
                scored[likeliest].text,
                parts[likeliest].wake,
                parts[likeliest].request,
            )
            if verdict is None:
                continue
            chosen = scored[judged.index(verdict.expansion)]
            if moment.held is None and not self.stands_against_talk(encoded, chosen):
                continue
            verdicts.append((verdict, encoded, start, chosen))
        if not verdicts:
            return None
        verdict, encoded, start, chosen = max(verdicts, key=lambda v: v[0].score)
        unclear = False
        if verdict.expansion.intent is Intent.TIMEOUT:
            length = spoken_length.length_after(self.verifier, verdict, encoded, chosen)
            verdict, chosen = length.verdict, length.chosen
            follows = chosen.ended < chosen.score - FOLLOWS
            length_s = verdict.expansion.length_s
            begun = moment.length_begun
            if moment.held is not None and length_s is None:
                # Other voices may go on after it (its full stop says little then):
                # whether "for" was said after it, now or when last judged, decides
                # ("for" heard at once grew less likely as "forty" went on).
                begun = follows = begun or spoken_length.begun(self.verifier, encoded, length)
            if length_s is not None:
                # A length heard whole stands, whatever follows it (other voices go on
                # under it). While they talk on, it is judged again until it is heard
                # the same twice and not at the window's end: "for fo..." was taken
                # for "for four hours" (its end placed well before the window's).
                at_edge = (until - start) / SAMPLE_RATE_HZ - chosen.end_s < EDGE_S
                follows = talking and (at_edge or length_s != moment.length_s)
            if follows:
                # Words follow the time-out (a length, or more of one): judged again a
                # moment later.
                if moment.waits < MAX_WAITS and not last_chance:
                    self._queue.append(
                        _Moment(
                            moment.since,
                            moment.end + WAIT_LENGTH,
                            moment.waits + 1,
                            moment.opens,
                            moment.held,
                            length_s,
                            begun,
                        )
                    )
                    return None
                unclear = length_s is None and (
                    begun or spoken_length.begun(self.verifier, encoded, length)
                )
        if moment.held is not None and verdict.expansion.length_s is None:
            # No length made out: the time-out stands as the other stage heard it.
            return replace(moment.held, length_unclear=True) if unclear else None
        end = start + int(chosen.end_s * SAMPLE_RATE_HZ)
        begin = min(start + int(chosen.start_s * SAMPLE_RATE_HZ), end - 1)
        return Heard(
            text=verdict.expansion.text,
            start_s=begin / SAMPLE_RATE_HZ,
            end_s=end / SAMPLE_RATE_HZ,
            score=float(np.exp(verdict.score)),
            length_unclear=unclear,
        )

    def _score(
        self, encoded: Encoded, grammar: list[Expansion], wake_threshold: float, wake_floor: float
    ) -> tuple[list[Expansion], list[Scored]]:
        """The expansions scored on `encoded`: written after a comma, and after a full
        stop too where the wake word may pass (on talk it rarely does)."""
        plain = [e for e in grammar if not e.written]
        scored = self.verifier.score(encoded, [e.scored_as for e in plain])
        if not scored or not wake_may_pass(
            scored[0].logs, self._wake_tokens, wake_threshold, wake_floor
        ):
            return plain, scored
        written = [e for e in grammar if e.written]
        return plain + written, scored + self.verifier.score(
            encoded, [e.scored_as for e in written]
        )

    def stands_against_talk(self, encoded: Encoded, chosen: Scored) -> bool:
        """Whether the phrase is likely enough against the window's own likeliest words
        (asked only where a phrase passed the thresholds, or another stage heard one:
        second_opinion.py)."""
        if self.ratio_threshold == -math.inf:
            return True
        transcribed = self.verifier.transcribed(encoded)
        if ratio_holds(chosen.score, transcribed, self.ratio_threshold):
            return True
        _LOGGER.debug(
            "verifier: '%s' (%.2f) is less likely than the window's own words (%.2f)",
            chosen.text,
            chosen.score,
            transcribed,
        )
        return False


def verifier_stages(
    config: HearingConfig, phrases: PhraseBook
) -> tuple[VerifyStage | None, ScanStage | None]:
    """The verifier's stages as the config has them: None where the verifier is off, its
    model is missing (load_verifier says so in the log), there is no wake word, or (the
    scan) hearing.verifier_scan_s is 0."""
    verifier = load_verifier(config.verifier_model, config.verifier)
    if verifier is None or not phrases.wake_word:
        return None, None
    verify = VerifyStage(
        verifier,
        phrases,
        config.verifier_threshold,
        config.verifier_wake_threshold,
        config.verifier_ratio_threshold,
    )
    if config.verifier_scan_s <= 0:
        return verify, None
    scan = ScanStage(
        verifier,
        phrases,
        config.verifier_threshold,
        config.verifier_wake_threshold,
        config.verifier_scan_s,
    )
    return verify, scan


def stage_costs(verify: VerifyStage | None, scan: ScanStage | None) -> dict[str, float]:
    """The verifier's stages' CPU seconds and window counts so far: the benchmark's
    breakdown by stage, and its verifier windows per hour."""
    costs: dict[str, float] = {}
    if scan is not None:
        costs |= {
            "scan_cpu_s": scan.cpu_s,
            "scan_windows": scan.windows,
            "scan_scored_whole": scan.scored_whole,
        }
    if verify is not None:
        costs |= {"verify_cpu_s": verify.cpu_s, "verifier_windows": verify.verifier.windows}
    return costs
