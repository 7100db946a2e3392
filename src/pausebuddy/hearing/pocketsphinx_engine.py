"""pocketsphinx: wake-word spotting, then a small grammar for the command after it.

Why two stages: a multi-word keyphrase ("pause buddy time out") has no room for the pause
people leave at the comma, so it is rarely spotted whole. The wake word alone spots
reliably, and the few seconds after it are then decoded with a grammar of the configured
phrases plus common filler words (the filler soaks up talk that is not a phrase).
While a reply is expected (a session, a reminder), any speech opens that grammar window,
so "stop" and "five more minutes" need no wake word.

Outside a session the phrase model (phrase_model.py) listens for requests, when one is
learned for the configured phrases. What it is sure of is heard; what it finds likely
but is not sure of (hearing.candidate_threshold) the grammar decodes, and it counts if
the grammar hears the same request. The wake-word spotter may listen alongside
(hearing.wake_spotter): what only it hears counts if the model found it likely enough
there too (hearing.confirm_threshold), and what both hear is reported once.

All of them hear the audio after WebRTC's noise suppression (denoise.py), except the
"stop" spotter (over its own voice and just after).

Each stage is a module of its own: the front end (front_end.py), the spotter
(wake_spotter.py), the grammar's windows (command_window.py), the phrase models
(phrase_stage.py), the verifier (verify_stage.py, scan_stage.py, second_opinion.py) and
what is reported (arbiter.py). This one runs them on the stream and decides what each
one's find means given the others'.
"""

from __future__ import annotations

import logging

import numpy as np

from pausebuddy.config import HearingConfig
from pausebuddy.hearing import SAMPLE_RATE_HZ, Heard, sphinx_decoders
from pausebuddy.hearing.arbiter import Once, ReplyWait, judge_window
from pausebuddy.hearing.command_grammar import heard_from
from pausebuddy.hearing.command_window import CommandWindows, Window, phrase_in
from pausebuddy.hearing.front_end import FrontEnd
from pausebuddy.hearing.length_hold import LengthHold
from pausebuddy.hearing.phrase_stage import PhraseStage
from pausebuddy.hearing.second_opinion import SecondOpinion
from pausebuddy.hearing.verify_stage import stage_costs, verifier_stages
from pausebuddy.hearing.wake_spotter import WakeSpotter
from pausebuddy.phrases import Intent, Match, PhraseBook

_LOGGER = logging.getLogger(__name__)

_CONFIRM_LEAD_S = 0.6
_CONFIRM_TAIL_S = 0.5
"""Audio around a bare time-out candidate that the grammar re-decodes to confirm it."""
_WAKE_LEAD = SAMPLE_RATE_HZ // 10
"""A command window opens this long before where the spotter says the wake word began:
the grammar then hears the wake word whole (its onset is often in the phone loop)."""
_TIMEOUT_ONLY = frozenset({Intent.TIMEOUT})
_CANDIDATE_LEAD = SAMPLE_RATE_HZ // 2
"""A candidate's window opens this long before where the model places the phrase's
start (from its typical length: a slow speaker's phrase begins earlier)."""
_HOLD = SAMPLE_RATE_HZ * 2 // 5
"""How long a request the phrase model heard waits for the grammar's words: a moment, or
longer while the grammar hears a length being said after it (command_window.HOLD_LENGTH)."""
_REPLY_OVERLAP = SAMPLE_RATE_HZ * 6 // 10
_ROLLING_WINDOW = SAMPLE_RATE_HZ * 3 // 2
"""Windows that follow each other through continuous sound are short: a reply is one or
two words, and a short window lets them stand out from the talk around them."""


class PocketsphinxRecognizer:
    """Two decoders on one stream: a keyphrase spotter that hears all speech (the wake
    word; "stop" over its own voice; it rests in a quiet room), and a grammar decoder
    that only runs in command windows. The spotter never stops for a window: a wake word
    said while a window is open (a false start on noise, or the phrase said again) is
    still heard, and the grammar's search can be pruned without touching the spotter's."""

    def __init__(self, config: HearingConfig, phrases: PhraseBook) -> None:
        verify, self._scan = verifier_stages(config, phrases)
        self._verify = verify
        """Judges what the other stages found likely (verify_stage.py); the scan, off by
        default, finds moments in talk where they found nothing (scan_stage.py)."""
        self.expecting_reply = False
        self.over_own_voice = False
        self._config = config
        self._phrases = phrases
        self._cores = phrases.all_cores() + phrases.timeout_with_lengths()
        model = sphinx_decoders.model_dir(config)
        self._front = FrontEnd(config.noise_suppression)
        """The clock, the rings and voice activity every stage hears by (front_end.py)."""
        self._spotter = WakeSpotter(sphinx_decoders.spotter(model, config, phrases), self._front)
        self._windows = CommandWindows(
            sphinx_decoders.grammar(model, phrases, self._cores), self._front, phrases, self._cores
        )
        self._own_voice_until = 0
        """Where its own voice was last in the input (over_own_voice)."""
        self._phrase_models = PhraseStage(
            config,
            phrases,
            self._front,
            candidate=config.verifier_candidate_threshold if verify else config.candidate_threshold,
        )
        """Requests (and, in a session, replies) heard whole (phrase_stage.py)."""
        self._held: list[Heard] = []
        """Heard, to be reported with the next block (its window was dropped)."""
        self._replies = ReplyWait(self._front)
        """Replies heard, waiting to show a pause after them (arbiter.py)."""
        self._once = Once(phrases)
        """Each phrase reported once, with its meaning (arbiter.py)."""
        self._lengths = LengthHold(verify, self._front, phrases) if verify is not None else None
        """A time-out said while they talk on waits for its length (length_hold.py)."""
        self._second = SecondOpinion(verify, phrases) if verify is not None else None
        """What they heard stands unless the verifier's model hears other words there."""
        self._spotter.restart()

    @property
    def stage_costs(self) -> dict[str, float]:
        """The verifier's stages' work so far (verify_stage.stage_costs)."""
        return stage_costs(self._verify, self._scan)

    # -- the stream -------------------------------------------------------------------

    def accept(self, samples: np.ndarray) -> list[Heard]:
        raw = np.asarray(samples, dtype=np.int16)
        heard, self._held = self._held, []
        # The "stop" spotter hears what the echo canceller left, unsuppressed, as its
        # threshold was measured on (suppressed, en-us+f3's "stop" with no echo was
        # missed at every moment of a session).
        samples, speech_began, speech_ended = self._front.hear(raw, not self.over_own_voice)
        heard += self._replies.said_alone()

        if self.over_own_voice:
            # No command window decodes what the echo canceller leaves as words.
            self._own_voice_until = self._front.pos
            self._phrase_models.resting = True
            if self._window is not None:
                self._drop_window()
        if self._spotter.hear_stop(raw, self.over_own_voice, self._own_voice_until):
            # Through _once too: a reply heard by both stages may be judged said on its
            # own only now, as its answer plays (it was reported twice).
            return self._once(heard + self._check_spotting())

        phrases_on = self._phrase_models.requests is not None and not self.expecting_reply
        if self._phrase_models.listening(self.expecting_reply):
            heard += self._hear_phrases(samples, speech_began)
        self._spotter.hear(
            samples, speech_began, wanted=not (phrases_on and not self._config.wake_spotter)
        )
        heard += self._check_spotting()
        self._spotter.settle(self._window is not None, speech_ended)
        if (
            self._window is None
            and self.expecting_reply
            and (speech_began is not None or self._front.in_speech)
        ):
            # Any speech may be a reply, also speech that began before replies were
            # expected (they talked on while it answered).
            began = speech_began if speech_began is not None else self._front.pos - _REPLY_OVERLAP
            self._open_window(max(began - SAMPLE_RATE_HZ // 5, 0), wake=None)
        elif self._window is not None:
            self._windows.feed(samples)
            heard += self._check_window()
            if (
                self._window is not None
                and self._window.holding is not None
                and self._front.pos >= self._window.holding[1]
                and not self._windows.still_saying()
            ):
                # Waited long enough: report it now; the window may still add a length.
                held = self._window.holding[0]
                self._window.reported, self._window.holding = held, None
                heard.append(held)
            if self._window is None and self.expecting_reply and self._front.in_speech:
                # Still sound (talk, or its own voice): keep listening for a reply in
                # windows that overlap a little, so a word on the seam is heard whole.
                after_last = int(heard[-1].end_s * SAMPLE_RATE_HZ) if heard else 0
                opened = max(self._front.pos - _REPLY_OVERLAP, after_last, self._replies.until)
                self._open_window(opened, wake=None, closes=opened + _ROLLING_WINDOW)
        if self._verify is not None:
            if self.expecting_reply:
                heard += self._lengths.release()
            else:
                heard = self._second.keep(heard, self._front.ring, self._front.pos)
                if self._scan is not None:
                    for since, end, opens in self._scan.scan(
                        self._front.ring,
                        self._front.pos,
                        self._front.speech_seen,
                        self._own_voice_until,
                    ):
                        self._verify.queue(since, end, opens)
                heard += self._verify.judge(
                    self._front.ring, self._front.pos, talking=self._front.in_speech
                )
                heard = self._lengths.sort(heard)
        return self._once(heard)

    def flush(self) -> list[Heard]:
        heard = self._close_window() if self._window is not None else []
        if self._verify is not None and not self.expecting_reply:
            heard += self._verify.judge(self._front.ring, self._front.pos, ended=True)
            heard += self._lengths.release()
        return self._once(heard + self._replies.said_alone(ended=True))

    def skip(self, n_samples: int) -> None:
        """Not listening for n samples (its own voice is playing): drop what was half heard.
        A reply waiting for the pause after it is judged on what was heard."""
        self._held += self._replies.said_alone(ended=True)
        self._front.skip(n_samples)
        if self._window is not None:
            self._drop_window()
        if self._verify is not None:
            self._held += self._lengths.release()
        self._phrase_models.resting = True
        self._spotter.restart()

    # -- what each stage found means ---------------------------------------------------

    def _hear_phrases(self, samples: np.ndarray, speech_began: int | None) -> list[Heard]:
        heard = []
        for found in self._phrase_models.hear(samples, speech_began, self.expecting_reply):
            phrase = heard_from(found.phrase, found.start, found.end, found.score)
            if self.expecting_reply:
                self._replies.heard(phrase)  # the grammar's window may hear it too (_once)
                continue
            window = self._window
            timeout = self._phrases.match(found.phrase, _TIMEOUT_ONLY) is not None
            if not found.sure and self._verify is not None:
                self._verify.queue(found.start, found.end)  # judged when its end is in
                continue
            if not found.sure:
                if window is None:
                    # Likely, not sure: the grammar decodes the moment, from a little
                    # before where the phrase would begin, and judges it.
                    match = self._phrases.match(found.phrase)
                    self._open_window(found.start - _CANDIDATE_LEAD, wake=(found.start, found.end))
                    self._window.candidate = match.intent if match else None
                continue
            if window is None and timeout:
                # A length may follow ("... time out for half an hour"): the grammar
                # listens for it, from the phrase on, and the time-out waits for it a
                # moment (_HOLD, longer while a length is being said), as one waits for
                # someone to finish a sentence.
                self._open_window(found.start - _WAKE_LEAD, wake=(found.start, found.end))
                self._window.holding = (phrase, found.end + _HOLD)
            elif (
                window is not None
                and window.candidate is not None
                and not timeout
                and window.holding is None
                and window.reported is None
            ):
                # Sure now, of the candidate that opened the window: no need to wait.
                heard.append(phrase)
                window.reported = phrase
            elif (
                window is not None
                and window.wake is not None
                and window.holding is None
                and window.reported is None
            ):
                # The wake-word spotter heard it too, and its window is still decoding:
                # the window's words win if they are the same request (they may name a
                # length), else this is reported when the window closes.
                window.holding = (phrase, found.end + _HOLD)
            else:
                heard.append(phrase)
        return heard

    def _check_spotting(self) -> list[Heard]:
        search = self._spotter.search
        for word, start, end in self._spotter.found():
            if search == "stop":
                _LOGGER.debug("'%s' over its own voice at %.2f s", word, start / SAMPLE_RATE_HZ)
                # Heard again from the word's end: when this one was its own voice, a
                # person's "stop" right after it must not lose its start (live, one did).
                self._spotter.hear_from(min(end, self._front.pos), search)
                return [heard_from(word, start, end, 1.0)]
            heard = []
            window = self._window
            if window is not None and window.wake is not None and start < window.wake[1]:
                return []  # the wake word this window already opened from
            if window is not None:
                # A new start while a window is open: what that window heard stands, and
                # a new one opens from here (the phrase said again, or the first wake was
                # noise).
                heard = self._close_window()
            if word == self._phrases.wake_word:
                _LOGGER.debug("wake word at %.2f s", start / SAMPLE_RATE_HZ)
                self._open_window(start - _WAKE_LEAD, wake=(start, end))
                return heard
            # The time-out words alone are only a candidate: keyphrase spotting of two
            # short words fires on ordinary talk, so the grammar must hear them too.
            _LOGGER.debug("candidate '%s' at %.2f s", word, start / SAMPLE_RATE_HZ)
            self._open_window(
                start - _CONFIRM_LEAD_S * SAMPLE_RATE_HZ,
                wake=None,
                closes=end + int(_CONFIRM_TAIL_S * SAMPLE_RATE_HZ),
            )
            return heard
        return []

    @property
    def _window(self) -> Window | None:
        """The command window the grammar decoder is in, if any."""
        return self._windows.current

    def _open_window(
        self, from_sample: float, wake: tuple[int, int] | None, closes: int | None = None
    ) -> None:
        from_sample = max(int(from_sample), self._front.ring_start)
        if closes is None:
            closes = from_sample + int(self._config.command_window_s * SAMPLE_RATE_HZ)
        self._windows.open(from_sample, wake, closes, self._spotter.cmn())

    def _drop_window(self) -> None:
        window = self._windows.drop()
        if window.holding is not None:
            self._held.append(window.holding[0])

    def _check_window(self) -> list[Heard]:
        return self._close_window() if self._windows.due() else []

    def _close_window(self) -> list[Heard]:
        """What the window heard, judged against what the other stages heard there."""
        window, segs, words = self._windows.close()
        verdict = judge_window(
            window,
            phrase_in(window, segs, words, self._phrases.wake_word, self._cores),
            self._phrases,
            self.expecting_reply,
            self._confirmed,
            self._front.speech_seen,
        )
        if verdict.verify is not None and self._verify is not None:
            self._verify.queue(*verdict.verify)
        if verdict.reply is not None:
            self._replies.heard(verdict.reply)
        return verdict.report

    def _confirmed(self, match: Match | None, start: int, end: int) -> bool:
        """Whether a request the grammar heard (and the phrase model did not report) was
        likely enough to the phrase model too, from where it began to a second after it
        (hearing.confirm_threshold). What the model cannot judge stands: replies (the
        reply model vetoed some the grammar heard right: Piper's "repeat", 0.02 sure),
        intents it has no phrase for, speech it did not hear (resting)."""
        if self.expecting_reply or match is None:
            return True
        threshold = min(self._config.confirm_threshold, self._config.phrase_threshold)
        sure = self._phrase_models.most_sure(match.intent, start, end + SAMPLE_RATE_HZ)
        _LOGGER.debug("phrase model on '%s': %s", match.phrase, sure)
        return sure is None or sure >= threshold
