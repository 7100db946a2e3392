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

All of them hear the audio after WebRTC's noise suppression (denoise.py,
hearing.noise_suppression), except the "stop" spotter (over its own voice and just after).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
from pocketsphinx import Decoder, get_model_path

from pausebuddy import native_memory
from pausebuddy.activity import WINDOW_S, Activity
from pausebuddy.config import HearingConfig
from pausebuddy.hearing import SAMPLE_RATE_HZ, Heard, HearingError, pauses, with_meaning
from pausebuddy.hearing.command_grammar import (
    BRIDGE,
    FILLER,
    GRAMMAR_END,
    PRONUNCIATION,
    command_fsg,
    extend,
    find_core,
    heard_from,
    is_silence,
    pronunciations,
)
from pausebuddy.hearing.denoise import NoiseSuppressor
from pausebuddy.hearing.embeddings import SpeechEmbedder
from pausebuddy.hearing.phrase_model import (
    PhraseSpotter,
    find_model,
    intent_groups,
    reply_phrases,
    request_phrases,
)
from pausebuddy.hearing.scan_stage import ScanStage
from pausebuddy.hearing.verifier import load_verifier
from pausebuddy.hearing.verify_stage import VerifyStage
from pausebuddy.phrases import REQUESTS, Intent, Match, PhraseBook, spoken_seconds

_LOGGER = logging.getLogger(__name__)

_FRAMES_PER_S = 100
_SAMPLES_PER_FRAME = SAMPLE_RATE_HZ // _FRAMES_PER_S
_RING_S = 3.5
"""Audio kept: a command window's replay, a phrase model's window, and the verifier's
3 s window ending a little after a phrase (which it judges a block or two later)."""
_FEED = SAMPLE_RATE_HZ // 20
"""Samples handed to the decoder per call (see _feed)."""
_CONFIRM_LEAD_S = 0.6
_CONFIRM_TAIL_S = 0.5
"""Audio around a bare time-out candidate that the grammar re-decodes to confirm it."""
_MAX_OTHER_WORDS = 2
_WAKE_LEAD = SAMPLE_RATE_HZ // 10
"""A command window opens this long before where the spotter says the wake word began:
the grammar then hears the wake word whole (its onset is often in the phone loop)."""
_REST_AFTER = SAMPLE_RATE_HZ
_SPOT_LEAD = SAMPLE_RATE_HZ * 3 // 10
"""The spotter rests after a second without speech, and when speech comes back hears it
from this long before the VAD says it began."""
_PHRASE_LEAD = SAMPLE_RATE_HZ * 3 // 2
"""The phrase model, woken by speech, hears it from this long before the VAD says it
began (its window is 2 s; the ring holds 3)."""
_TIMEOUT_ONLY = frozenset({Intent.TIMEOUT})
_CANDIDATE_LEAD = SAMPLE_RATE_HZ // 2
"""A candidate's window opens this long before where the model places the phrase's
start (from its typical length: a slow speaker's phrase begins earlier)."""
_SAME_PHRASE = 2 * SAMPLE_RATE_HZ
"""A request heard by both stages ends at about the same time: within this, it is one."""
_HOLD = SAMPLE_RATE_HZ * 2 // 5
_HOLD_LENGTH = SAMPLE_RATE_HZ
"""How long a request the phrase model heard waits for the grammar's words: a moment
(_HOLD), or up to a second while the grammar hears a length being said after it ("time
out for half an hour"; within the 1 s a reply may take)."""
_REPLY_OVERLAP = SAMPLE_RATE_HZ * 6 // 10
_ROLLING_WINDOW = SAMPLE_RATE_HZ * 3 // 2
"""Windows that follow each other through continuous sound are short: a reply is one or
two words, and a short window lets them stand out from the talk around them."""
_QUIET_S = 0.7
"""Silence that ends a command window: longer than the pause at a comma."""
_REPLY_WORD_S = 0.9
_NEXT_WORD_S = 0.4
"""A reply of n words the grammar heard lasts at most _REPLY_WORD_S + (n - 1) *
_NEXT_WORD_S: in loud noise it stretched "faster" over 1.25 s of noise and a "stop"."""
_STABLE_S = 0.25
"""A phrase counts once the grammar has held it this long (so "five" can become
"five more minutes" before it is reported)."""

# Extra pocketsphinx search options for the command grammar's decoder
# (scripts/bench_hearing.py --search tries others). The search keeps a history entry for
# each grammar state a word ends in, in every frame: as JSGF (702 states) a window of talk
# took 60 MB and about a CPU second per second, which maxhmmpf=2000 nearly halved. The
# grammar is now a few states (_grammar): about 1 MB and 0.1 CPU s per s, and maxhmmpf no
# longer binds (the same replies heard without it); it stays as a bound. The memory is
# given back after each window (native_memory). The "stop" spotter has a decoder of its
# own, which this does not touch (with one decoder it did: "stop" over its voice at
# -10 dB was heard 3 of 9 times instead of 8).
SEARCH_OPTIONS: dict[str, float | int] = {"maxhmmpf": 2000}
SPOTTER_OPTIONS: dict[str, float | int] = {}
"""The spotter's (wake word, "stop"): pocketsphinx's defaults."""

_STOP_THRESHOLD = 1e-15
"""Keyphrase threshold for "stop" over its own voice (after the echo canceller). Measured
on a breathing session with its voice at -10 dB and 0 dB: 1e-5 heard 3 and 2 of 9, 1e-15
heard 8 and 9 of 9, 1e-20 9 and 9 with one more false hit at 0 dB. With the room's
cepstral mean kept (below), 1e-20 made false stops in 3 of 16 whole sessions, but that
was measured before the loop scheduled cues ahead of the block they fall in (the likelier
cause); 1e-15 after that: none in 16."""
_STOP_LEAD = SAMPLE_RATE_HZ // 2
_STOP_RENEW = 5 * SAMPLE_RATE_HZ
"""While it speaks, the "stop" spotter starts a fresh utterance this often (from
_STOP_LEAD back): over a long one it went deaf. Live, a "stop" over the second cycle's
counts, heard from the start of the session, was missed in 1 of 4 runs; heard from 5 s
before it, found in each (the same recorded audio)."""
_STOP_RENEW_LEAD = SAMPLE_RATE_HZ
"""A fresh utterance hears this much again, so that a "stop" (shorter than this) begun
before the last one ended is heard whole: with _STOP_LEAD (0.5 s) en-us+f3's "stop" begun
0.6 s before a renewal was missed at every noise suppression level (bench_barge_in,
"we breathe in" with no echo, in 1 or 2 of 3 runs, as the renewals fell)."""
_STOP_LINGER = SAMPLE_RATE_HZ
"""After its voice ends, the "stop" spotter stays on while there is sound, for at most
this long: a "stop" said across its last word is heard whole, and someone who talks on
right after it ("pause buddy, time out") is heard by the wake-word spotter."""


class PocketsphinxRecognizer:
    """Two decoders on one stream: a keyphrase spotter that hears all speech (the wake
    word; "stop" over its own voice; it rests in a quiet room), and a grammar decoder
    that only runs in command windows. The spotter never stops for a window: a wake word
    said while a window is open (a false start on noise, or the phrase said again) is
    still heard, and the grammar's search can be pruned without touching the spotter's."""

    def __init__(self, config: HearingConfig, phrases: PhraseBook) -> None:
        verifier = load_verifier(config.verifier_model, config.verifier)
        self._verify = (
            VerifyStage(
                verifier, phrases, config.verifier_threshold, config.verifier_wake_threshold
            )
            if verifier is not None and phrases.wake_word
            else None
        )
        """Judges what the other stages found likely but not sure (verify_stage.py)."""
        self._scan = (
            ScanStage(
                verifier,
                phrases,
                config.verifier_threshold,
                config.verifier_wake_threshold,
                config.verifier_scan_s,
            )
            if self._verify is not None and verifier is not None and config.verifier_scan_s > 0
            else None
        )
        """Finds moments for it in talk the other stages found nothing in (scan_stage.py)."""
        self.expecting_reply = False
        self.over_own_voice = False
        self._config = config
        self._phrases = phrases
        self._cores = phrases.all_cores() + phrases.timeout_with_lengths()
        self._bare = phrases.cores[Intent.TIMEOUT] if config.spot_bare_timeout else []
        shipped = Path(get_model_path()) / "en-us" / "en-us"
        model_dir = Path(config.model) if config.model else shipped
        self._spotter = self._load_spotter(model_dir)
        self._grammar = self._load_grammar(model_dir)
        self._vad = Activity()
        self._denoise = (
            NoiseSuppressor(config.noise_suppression) if config.noise_suppression else None
        )

        self._pos = 0
        """Samples seen so far: the stream clock."""
        self._speech_seen = 0
        """Where the VAD last heard speech."""
        self._own_voice_until = 0
        """Where its own voice was last in the input (over_own_voice)."""
        self._room_cmn: str | None = None
        """The cepstral mean from before its voice, while the "stop" spotter runs."""
        self._ring = np.zeros(0, dtype=np.int16)
        self._raw_ring = self._ring
        """The same stretch as heard, before the noise suppression: what the "stop" spotter
        hears."""
        self._spot_start = 0
        """Where the spotter's utterance began (its frames count from there)."""
        self._search = ""
        """The spotter's search: "spot" (the wake word) or "stop" (over its voice)."""
        self._window: _Window | None = None
        """The command window the grammar decoder is in, if any."""
        self._resting = False
        """The spotter is not fed: nobody has spoken for a while (_REST_AFTER)."""
        self._phrase_intents: list[Intent] = []
        """The intent of each of the phrase model's groups."""
        self._phrase_spotter = self._load_phrase_spotter(request_phrases(phrases), "phrase")
        # One embedder for both models: only one listens at a time.
        self._reply_spotter = self._load_phrase_spotter(
            reply_phrases(phrases),
            "reply",
            self._phrase_spotter.embedder if self._phrase_spotter else None,
        )
        self._phrases_resting = True
        """The phrase spotters are not fed (quiet, or not listening just before)."""
        self._spotter_fed: PhraseSpotter | None = None
        """The phrase spotter that was fed last: requests' or replies'."""
        self._held: list[Heard] = []
        """Heard, to be reported with the next block (its window was dropped)."""
        self._replies: list[Heard] = []
        """Replies heard, waiting to show a pause after them (pauses.stands_alone)."""
        self._replies_until = 0
        """Where the last reply heard ended: the next reply window starts after it."""
        self._last_report: tuple[Intent | None, int, float | None, bool] | None = None
        """The last thing reported: its intent, where it ended, the length it named and
        whether a length was said and not made out (see _once)."""
        self._start_spotting()

    @property
    def verifier_windows(self) -> int:
        """Windows the verifier has judged (the benchmark counts them per hour)."""
        return self._verify.verifier.windows if self._verify is not None else 0

    @property
    def stage_costs(self) -> dict[str, float]:
        """The verifier's stages' CPU seconds and window counts so far (the benchmark's
        breakdown by stage)."""
        costs = {}
        if self._scan is not None:
            costs |= {
                "scan_cpu_s": self._scan.cpu_s,
                "scan_windows": self._scan.windows,
                "scan_scored_whole": self._scan.scored_whole,
            }
        if self._verify is not None:
            costs |= {"verify_cpu_s": self._verify.cpu_s}
        return costs

    # -- set-up -----------------------------------------------------------------------

    def _load_phrase_spotter(
        self, said: list[str], kind: str, embedder: SpeechEmbedder | None = None
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
                self._phrase_intents = intents
            candidate = 0.0
            if kind == "phrase":
                candidate = (
                    self._config.verifier_candidate_threshold
                    if self._verify is not None
                    else self._config.candidate_threshold
                )
            return PhraseSpotter(
                model, self._config.phrase_threshold, groups, embedder=embedder, candidate=candidate
            )
        except HearingError as err:
            _LOGGER.warning("%s. Until then %s hears the phrases.", err, fallback)
            return None

    def _decoder(self, model_dir: Path, options: dict, words: set[str]) -> Decoder:
        """A decoder that knows `words` (what its searches use) and no others: the whole
        dictionary costs 22 MB more per decoder."""
        if not model_dir.is_dir():
            raise HearingError(
                f"pocketsphinx model directory {model_dir} does not exist: fix hearing.model"
                " in the config, or remove it to use the model that ships with pocketsphinx"
            )
        dict_path = model_dir.parent / "cmudict-en-us.dict"
        if not dict_path.exists():
            dict_path = model_dir / "cmudict-en-us.dict"
        known = pronunciations(dict_path, words)
        missing = sorted(w for w in self._phrases.words() if w in words and w not in known)
        if missing:
            raise HearingError(
                "these phrase words are not in pocketsphinx's dictionary: "
                + ", ".join(missing)
                + ". Say them with other words in the config phrases."
            )
        with tempfile.TemporaryDirectory(prefix="pausebuddy-") as tmp:
            small = Path(tmp) / "words.dict"
            small.write_text(
                "".join(line for lines in known.values() for line in lines), encoding="utf-8"
            )
            try:
                return Decoder(
                    hmm=str(model_dir),
                    dict=str(small),
                    lm=None,
                    bestpath=False,
                    samprate=SAMPLE_RATE_HZ,
                    loglevel="FATAL",
                    **options,
                )
            except (RuntimeError, ValueError) as exc:
                raise HearingError(f"pocketsphinx could not load {model_dir}: {exc}") from exc

    def _load_spotter(self, model_dir: Path) -> Decoder:
        cores = [self._phrases.wake_word, *self._bare, *self._phrases.cores[Intent.STOP]]
        decoder = self._decoder(
            model_dir, SPOTTER_OPTIONS, {w for core in cores for w in core.split()}
        )
        with tempfile.TemporaryDirectory(prefix="pausebuddy-") as tmp:
            kws = Path(tmp) / "keyphrases.txt"
            lines = [f"{self._phrases.wake_word} /{self._config.wake_threshold:g}/"]
            lines += [f"{core} /{self._config.bare_timeout_threshold:g}/" for core in self._bare]
            kws.write_text("\n".join(lines) + "\n", encoding="utf-8")
            decoder.add_kws("spot", str(kws))
            stop = Path(tmp) / "stop.txt"
            stop.write_text(
                "".join(
                    f"{core} /{_STOP_THRESHOLD:g}/\n" for core in self._phrases.cores[Intent.STOP]
                ),
                encoding="utf-8",
            )
            decoder.add_kws("stop", str(stop))
        return decoder

    def _load_grammar(self, model_dir: Path) -> Decoder:
        filler = [w for w in FILLER if w not in self._phrases.words()]
        words = {
            w
            for text in [self._phrases.wake_word, *self._cores, *filler, *BRIDGE]
            for w in text.split()
        }
        decoder = self._decoder(model_dir, SEARCH_OPTIONS, words)
        filler = [w for w in filler if decoder.lookup_word(w)]
        grammar = command_fsg(self._phrases.wake_word, self._cores, filler, decoder.config["lw"])
        decoder.add_fsg("command", decoder.create_fsg("command", 0, GRAMMAR_END, grammar))
        decoder.activate_search("command")
        return decoder

    # -- the stream -------------------------------------------------------------------

    def accept(self, samples: np.ndarray) -> list[Heard]:
        raw = samples = np.asarray(samples, dtype=np.int16)
        if self._denoise is not None and not self.over_own_voice:
            # The "stop" spotter hears what the echo canceller left, unsuppressed, as its
            # threshold was measured on (suppressed, en-us+f3's "stop" with no echo was
            # missed at every moment of a session).
            samples = self._denoise.process(raw)
        heard, self._held = self._held, []
        self._pos += len(samples)
        self._ring = np.concatenate([self._ring, samples])[-int(_RING_S * SAMPLE_RATE_HZ) :]
        self._raw_ring = (
            self._ring
            if self._denoise is None
            else np.concatenate([self._raw_ring, raw])[-int(_RING_S * SAMPLE_RATE_HZ) :]
        )
        speech_began, speech_ended = self._update_endpointer(samples)
        heard += self._replies_said_alone()

        # Over its own voice only "stop" counts: the spotter listens for it alone, and no
        # command window decodes what the echo canceller leaves as words. The spotter
        # stays on "stop" a little after its voice (_STOP_LINGER), so a "stop" said
        # across a gap is heard whole.
        if self.over_own_voice:
            self._own_voice_until = self._pos
            self._phrases_resting = True
            if self._window is not None:
                self._drop_window()
        if (
            self._search == "stop"
            and not self.over_own_voice
            and (not self._vad.in_speech or self._pos - self._own_voice_until > _STOP_LINGER)
        ):
            # Its voice has ended. If someone talks on right after it (the VAD still
            # hears speech), what they said since goes to the wake-word spotter.
            back = (
                min(self._pos - self._own_voice_until, len(self._ring))
                if self._vad.in_speech
                else len(samples)
            )
            self._spot_from(self._pos - max(back, len(samples)), until=self._pos - len(samples))
        if self._search == "stop" or self.over_own_voice:
            renewing = self._search == "stop"
            if not renewing or self._pos - len(samples) - self._spot_start >= _STOP_RENEW:
                # From a little before this block: the word may have begun in the gap,
                # or before the utterance it renews ended.
                lead = _STOP_RENEW_LEAD if renewing else _STOP_LEAD
                self._spot_from(
                    self._pos - len(samples) - lead, "stop", until=self._pos - len(samples)
                )
            _feed(self._spotter, raw)
            # Through _once too: a reply heard by both stages may be judged said on its
            # own only now, as its answer plays (it was reported twice).
            return self._once(heard + self._check_spotting())

        phrases_on = self._phrase_spotter is not None and not self.expecting_reply
        if phrases_on or (self._reply_spotter is not None and self.expecting_reply):
            heard += self._hear_phrases(samples, speech_began)
        if phrases_on and not self._config.wake_spotter:
            self._resting = True  # requests are heard by the phrase model alone
        elif self._resting and (speech_began is not None or self._vad.in_speech):
            # Speech again: the spotter wakes up and hears it from a little before the
            # VAD says it began.
            began = speech_began if speech_began is not None else self._pos - len(samples)
            self._spot_from(began - _SPOT_LEAD)
        elif not self._resting:
            _feed(self._spotter, samples)
        heard += self._check_spotting()
        if (
            not self._vad.in_speech
            and self._window is None
            and self._pos - self._speech_seen >= _REST_AFTER
        ):
            # A quiet room: the spotter rests (it costs as much on silence as on talk).
            self._resting = True
        if speech_ended and self._search == "spot" and not self._resting:
            # pocketsphinx's live CMN only adapts at the end of an utterance (or after
            # 8 s): restarting at each pause lets it adapt to this room and voice within
            # the first sentence instead of missing the phrase.
            self._start_spotting()
        if (
            self._window is None
            and self.expecting_reply
            and (speech_began is not None or self._vad.in_speech)
        ):
            # Any speech may be a reply, also speech that began before replies were
            # expected (they talked on while it answered).
            began = speech_began if speech_began is not None else self._pos - _REPLY_OVERLAP
            self._open_window(max(began - SAMPLE_RATE_HZ // 5, 0), wake=None)
        elif self._window is not None:
            window = self._window
            # Only the part of this block after the window opened (the rest was replayed).
            fresh = samples[max(window.fed_until - (self._pos - len(samples)), 0) :]
            if len(fresh):
                _feed(self._grammar, fresh)
                window.fed_until = self._pos
            heard += self._check_window()
            if (
                self._window is not None
                and self._window.holding is not None
                and self._pos >= self._window.holding[1]
                and not self._still_saying()
            ):
                # Waited long enough: report it now; the window may still add a length.
                heard.append(self._window.holding[0])
                self._window.reported = self._window.holding[0]
                self._window.holding = None
            if self._window is None and self.expecting_reply and self._vad.in_speech:
                # Still sound (talk, or its own voice): keep listening for a reply in
                # windows that overlap a little, so a word on the seam is heard whole.
                after_last = int(heard[-1].end_s * SAMPLE_RATE_HZ) if heard else 0
                opened = max(self._pos - _REPLY_OVERLAP, after_last, self._replies_until)
                self._open_window(opened, wake=None, closes=opened + _ROLLING_WINDOW)
        if self._verify is not None:
            if self.expecting_reply:
                self._verify.clear()
            else:
                if self._scan is not None:
                    for since, end, opens in self._scan.scan(
                        self._ring, self._pos, self._speech_seen, self._own_voice_until
                    ):
                        self._verify.queue(since, end, opens)
                heard += self._verify.judge(self._ring, self._pos, talking=self._vad.in_speech)
        return self._once(heard)

    def flush(self) -> list[Heard]:
        heard = self._close_window() if self._window is not None else []
        if self._verify is not None and not self.expecting_reply:
            heard += self._verify.judge(self._ring, self._pos, ended=True)
        return self._once(heard + self._replies_said_alone(ended=True))

    def _reply_heard(self, reply: Heard) -> None:
        """A reply counts once a pause after it shows it was said on its own."""
        self._replies.append(reply)
        self._replies_until = max(self._replies_until, int(reply.end_s * SAMPLE_RATE_HZ))

    def _replies_said_alone(self, ended: bool = False) -> list[Heard]:
        """The replies waiting for a pause after them that were said on their own (a
        pause before and after, pauses.stands_alone): as soon as the pause after is
        heard; dropped once it cannot come any more (or the stream `ended` without it)."""
        ring_start = self._pos - len(self._ring)
        ready, waiting = [], []
        for reply in self._replies:
            end = int(reply.end_s * SAMPLE_RATE_HZ)
            if pauses.stands_alone(
                self._ring,
                int(reply.start_s * SAMPLE_RATE_HZ) - ring_start,
                end - ring_start,
                ended,
            ):
                ready.append(reply)
            elif not ended and self._pos < end + int(pauses.AFTER_S * SAMPLE_RATE_HZ):
                waiting.append(reply)
            else:
                _LOGGER.debug("'%s' not said on its own: not a reply", reply.text)
        self._replies = waiting
        return ready

    def _once(self, heard: list[Heard]) -> list[Heard]:
        """Each phrase reported once, though both stages may hear it: the same request
        or reply again within _SAME_PHRASE of the last is dropped, unless it adds a
        length to a time-out."""
        out = []
        for item in heard:
            match = self._phrases.match(item.text)
            intent = match.intent if match else None
            end = int(item.end_s * SAMPLE_RATE_HZ)
            last = self._last_report
            length = spoken_seconds(item.text) if intent is Intent.TIMEOUT else None
            # A length, or the news that one was said and not made out, is worth a
            # second report: the loop gives it to the time-out it just heard.
            adds_length = last is not None and (
                (length is not None and last[2] != length)
                or (item.length_unclear and last[2] is None and not last[3])
            )
            if (
                intent is not None
                and last is not None
                and last[0] is intent
                and abs(end - last[1]) < _SAME_PHRASE
                and not adds_length
            ):
                _LOGGER.debug("'%s' heard again by the other stage", item.text)
                continue
            self._last_report = (intent, end, length, item.length_unclear)
            out.append(with_meaning(item, self._phrases))
        return out

    def skip(self, n_samples: int) -> None:
        """Not listening for n samples (its own voice is playing): drop what was half heard.
        A reply waiting for the pause after it is judged on what was heard."""
        self._held += self._replies_said_alone(ended=True)
        self._pos += n_samples
        self._ring = self._raw_ring = np.zeros(0, dtype=np.int16)
        self._vad.reset()
        if self._window is not None:
            self._drop_window()
        if self._verify is not None:
            self._verify.clear()
        self._phrases_resting = True
        self._start_spotting()

    # -- requests heard whole: the phrase model -------------------------------------------

    def _hear_phrases(self, samples: np.ndarray, speech_began: int | None) -> list[Heard]:
        spotter = self._reply_spotter if self.expecting_reply else self._phrase_spotter
        assert spotter is not None
        if spotter is not self._spotter_fed:
            self._spotter_fed, self._phrases_resting = spotter, True  # a session began or ended
        if self._phrases_resting:
            if speech_began is None and not self._vad.in_speech:
                return []
            # Speech again: heard from well before the VAD says it began, so that the
            # model's 2 s window is full by the end of a phrase said straight away.
            began = speech_began if speech_began is not None else self._pos - len(samples)
            ring_start = self._pos - len(self._ring)
            since = max(began - _PHRASE_LEAD, ring_start)
            spotter.restart(since)
            self._phrases_resting = False
            samples = self._ring[since - ring_start :]
        heard = []
        for found in spotter.accept(samples):
            _LOGGER.debug(
                "phrase model: '%s' (%.2f%s) at %.2f s",
                found.phrase,
                found.score,
                "" if found.sure else ", a candidate",
                found.end / SAMPLE_RATE_HZ,
            )
            phrase = heard_from(found.phrase, found.start, found.end, found.score)
            if self.expecting_reply:
                self._reply_heard(phrase)  # the grammar's window may hear it too (_once)
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
        if not self._vad.in_speech and self._pos - self._speech_seen >= _REST_AFTER:
            self._phrases_resting = True  # a quiet room costs nothing
        return heard

    # -- stage 1: the spotter ----------------------------------------------------------

    def _start_spotting(self, search: str = "spot") -> None:
        if self._search:
            self._spotter.end_utt()
        # The "stop" spotter hears what the echo canceller leaves: mostly silence. The
        # live cepstral mean would drift to that silence, and a word then sounds far too
        # loud (missed "stop"s): it uses the room's, from before its voice, and leaves
        # it unchanged.
        if search == "stop":
            if self._room_cmn is None:
                self._room_cmn = self._spotter.get_cmn(False)
            self._spotter.set_cmn(self._room_cmn)
        elif self._room_cmn is not None:
            self._spotter.set_cmn(self._room_cmn)
            self._room_cmn = None
        self._spotter.activate_search(search)
        self._spotter.start_utt()
        self._spot_start = self._pos
        self._search = search
        self._resting = False

    def _spot_from(self, since: int, search: str = "spot", until: int | None = None) -> None:
        """`search` anew from stream sample `since`: what the ring holds from there (up
        to `until`, by default all of it) is heard now; "stop" hears it unsuppressed."""
        ring = self._raw_ring if search == "stop" else self._ring
        ring_start = self._pos - len(ring)
        since = max(since, ring_start)
        until = self._pos if until is None else until
        self._start_spotting(search)
        self._spot_start = since
        if since < until:
            _feed(self._spotter, ring[since - ring_start : until - ring_start])

    def _check_spotting(self) -> list[Heard]:
        hyp = self._spotter.hyp()
        if hyp is None:
            return []
        segs = [s for s in self._spotter.seg() if s.word.strip()]
        search, utt_start = self._search, self._spot_start
        self._start_spotting(search)
        for seg in segs:
            word = seg.word.strip()
            start = utt_start + seg.start_frame * _SAMPLES_PER_FRAME
            end = utt_start + (seg.end_frame + 1) * _SAMPLES_PER_FRAME
            if search == "stop":
                _LOGGER.debug("'%s' over its own voice at %.2f s", word, start / SAMPLE_RATE_HZ)
                # Heard again from the word's end: when this one was its own voice, a
                # person's "stop" right after it must not lose its start (live, one did).
                self._spot_from(min(end, self._pos), search)
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

    # -- stage 2: the command grammar ---------------------------------------------------

    def _open_window(
        self, from_sample: float, wake: tuple[int, int] | None, closes: int | None = None
    ) -> None:
        ring_start = self._pos - len(self._ring)
        from_sample = max(int(from_sample), ring_start)
        if closes is None:
            closes = from_sample + int(self._config.command_window_s * SAMPLE_RATE_HZ)
        self._window = _Window(opened=from_sample, wake=wake, closes=closes, fed_until=self._pos)
        # The cepstral mean as the spotter has it (it hears all speech, the grammar only
        # its windows), brought up to date with what it heard since its utterance began.
        if self._resting:
            # It was not listening (the phrase model hears requests alone): it hears the
            # ring now, only for its mean (a keyphrase search is cheap), then forgets it.
            self._start_spotting()
            _feed(self._spotter, self._ring)
            self._grammar.set_cmn(self._spotter.get_cmn(True))
            self._start_spotting()
            self._resting = True
        else:
            self._grammar.set_cmn(self._spotter.get_cmn(True))
        self._grammar.start_utt()
        replay = self._ring[from_sample - ring_start :]
        if len(replay):
            _feed(self._grammar, replay)

    def _drop_window(self) -> None:
        if self._window is not None and self._window.holding is not None:
            self._held.append(self._window.holding[0])
        self._grammar.end_utt()
        self._window = None
        native_memory.give_back()

    def _check_window(self) -> list[Heard]:
        window = self._window
        assert window is not None
        hyp = self._grammar.hyp()
        words = hyp.hypstr.split() if hyp else []
        window.words = words
        found = find_core(words, self._cores)
        last = extend(words, found, self._cores) if found else -1
        saying_length = found is not None and last > found[1]  # "... time out for ten"
        if self._pos >= window.closes and not (
            saying_length and self._pos < window.closes + _HOLD_LENGTH
        ):
            return self._close_window()  # its time is up
        # Stable means the words up to and including a phrase stopped changing; talk
        # after the phrase may go on changing without delaying the answer, unless it is
        # still becoming a longer phrase ("time out" -> "time out for half an hour").
        text = " ".join(words[: last + 1]) if found else " ".join(words)
        if text != window.last_text:
            window.last_text, window.text_since = text, self._pos
        elif (
            found
            and not saying_length
            and self._pos - window.text_since >= _STABLE_S * SAMPLE_RATE_HZ
        ):
            return self._close_window()
        elif not self._vad.in_speech and self._pos - self._speech_seen >= _QUIET_S * SAMPLE_RATE_HZ:
            return self._close_window()  # they stopped talking
        return []

    def _still_saying(self) -> bool:
        """Whether the grammar hears the held request's sentence going on, so that it
        waits for the grammar's words: a length after the request, or talk right after
        it that the grammar has no words for yet (until _HOLD_LENGTH after it); or a
        bridge after the wake word ("pause buddy, we need a time out": the phrase model
        never heard such words, and may take "we need a" for "breathing"), until the
        window closes."""
        window = self._window
        assert window is not None and window.holding is not None
        words = window.words
        wake = find_core(words, [self._phrases.wake_word])
        if wake is not None:
            after = words[wake[1] + 1 :]
            if any(
                after[: len(bridge.split())] == bridge.split()
                or (after and bridge.startswith(" ".join(after) + " "))
                for bridge in BRIDGE
            ):
                return True
        held_end = int(window.holding[0].end_s * SAMPLE_RATE_HZ)
        if self._pos >= held_end + _HOLD_LENGTH:
            return False
        found = find_core(words, self._cores)
        if found is None:
            return False
        # The words after it begin a length, or none are heard yet while they talk on
        # (the grammar's words lag the speech by a word).
        return extend(words, found, self._cores) > found[1] or (
            found[1] == len(words) - 1 and self._vad.in_speech
        )

    def _close_window(self) -> list[Heard]:
        window = self._window
        assert window is not None
        # The window may close mid-phrase ("cancel the" of "cancel the break"), where no
        # path has reached the grammar's end yet: then the partial result is the answer.
        partial = [_Seg(s) for s in (self._grammar.seg() or [])]
        self._grammar.end_utt()
        final = [_Seg(s) for s in (self._grammar.seg() or [])]
        self._window = None
        native_memory.give_back()  # the window's search history, tens of MB
        segs = [s for s in (final or partial) if not is_silence(s.word)]
        # Segments name the pronunciation used: "ready(2)" is still "ready".
        words = [PRONUNCIATION.sub("", s.word) for s in segs]
        found = find_core(words, self._cores)
        _LOGGER.debug(
            "window %.2f-%.2f s heard: %s",
            window.opened / SAMPLE_RATE_HZ,
            self._pos / SAMPLE_RATE_HZ,
            words,
        )
        holding = window.holding[0] if window.holding is not None else None
        if found is None:
            _LOGGER.debug("command window closed with no phrase")
            if (
                window.wake is not None
                and holding is None
                and self._verify is not None
                and not self.expecting_reply
            ):
                # The wake word, then only filler: under other voices the grammar often
                # hears the request so. The verifier judges from the wake word on.
                self._verify.queue(
                    window.wake[0],
                    min(
                        max(self._speech_seen, window.wake[1]), window.wake[0] + 3 * SAMPLE_RATE_HZ
                    ),
                )
            return [holding] if holding else []
        first, last = found
        wake_at = find_core(words[:first], [self._phrases.wake_word])
        woken = window.wake is not None or wake_at is not None
        others = len(words) - (last - first + 1)
        if not woken and others > _MAX_OTHER_WORDS:
            # Without the wake word only a short utterance counts as a reply: "stop",
            # "okay, stop". A command word inside a longer sentence is conversation.
            _LOGGER.debug("'%s' inside longer talk: not a reply", " ".join(words[first : last + 1]))
            return []
        core_segs = segs[first : last + 1]
        text = " ".join(words[first : last + 1])
        start = window.opened + core_segs[0].start_frame * _SAMPLES_PER_FRAME
        end = window.opened + (core_segs[-1].end_frame + 1) * _SAMPLES_PER_FRAME
        # The phrase starts at the wake word: where the grammar heard it, else where
        # the spotter did.
        if wake_at is not None:
            start = window.opened + segs[wake_at[0]].start_frame * _SAMPLES_PER_FRAME
        elif window.wake is not None:
            start = window.wake[0]
        if woken:
            text = f"{self._phrases.wake_word} {text}"
        heard_here = self._phrases.match(text)
        bridged = wake_at is not None and first > wake_at[1] + 1
        if holding is not None:
            # The phrase model heard a request in this window: the grammar's words win
            # if they are the same request, or if they put a bridge after the wake word
            # (the model never heard one: see _still_saying).
            held = self._phrases.match(holding.text)
            if (
                heard_here is None
                or held is None
                or (heard_here.intent is not held.intent and not bridged)
            ):
                return [holding]
        elif window.reported is not None and spoken_seconds(text) is None:
            return []  # reported already; only a length would add something
        elif window.candidate is not None and (
            heard_here is None or wake_at is None or heard_here.intent is not window.candidate
        ):
            # The grammar must hear it all, the wake word too.
            _LOGGER.debug("the grammar heard '%s', not the candidate", " ".join(words))
            return []
        elif (
            window.reported is None and not bridged and not self._confirmed(heard_here, start, end)
        ):
            # The phrase model is not asked about a bridged request: it never heard one
            # (it vetoed "pause buddy, we need a time out"). The verifier may still hear it.
            _LOGGER.debug("'%s' not confirmed by the phrase model", text)
            if self._verify is not None:
                self._verify.queue(start, end)
            return []
        score = min((s.prob for s in core_segs), default=1.0)
        reply = heard_here is not None and heard_here.intent not in REQUESTS
        if self.expecting_reply and (not woken or reply):
            words_said = last - first + 1
            if (
                not woken
                and end - start > (_REPLY_WORD_S + _NEXT_WORD_S * (words_said - 1)) * SAMPLE_RATE_HZ
            ):
                # Longer than anyone says it: the grammar stretched it over noise.
                _LOGGER.debug("'%s' took %.1f s: not a reply", text, (end - start) / SAMPLE_RATE_HZ)
                return []
            # A reply after the wake word too must be said on its own: in talk during a
            # session the wake word was misheard and the grammar found "slower" or "skip"
            # after it (4 times in 20 minutes of bench_hearing's session talk).
            self._reply_heard(heard_from(text, start, end, score))
            return []
        return [heard_from(text, start, end, score)]

    def _confirmed(self, match: Match | None, start: int, end: int) -> bool:
        """Whether a request the grammar heard (and the phrase model did not report) was
        likely enough to the phrase model too, from where it began to a second after it
        (hearing.confirm_threshold). What the model cannot judge stands: replies (the
        reply model vetoed some the grammar heard right: Piper's "repeat", 0.02 sure),
        intents it has no phrase for, speech it did not hear (resting)."""
        spotter = self._phrase_spotter
        if (
            spotter is None
            or self.expecting_reply
            or match is None
            or match.intent not in self._phrase_intents
        ):
            return True
        threshold = min(self._config.confirm_threshold, self._config.phrase_threshold)
        sure = spotter.most_sure(
            self._phrase_intents.index(match.intent), start, end + SAMPLE_RATE_HZ
        )
        _LOGGER.debug("phrase model on '%s': %s", match.phrase, sure)
        return sure is None or sure >= threshold

    def _update_endpointer(self, samples: np.ndarray) -> tuple[int | None, bool]:
        """Feed the VAD: (sample where speech began in this block or None, whether it ended)."""
        began, ended = None, False
        was = self._vad.in_speech
        for end_offset, now in self._vad.frames(samples):
            frame_end = self._pos + end_offset
            if now:
                self._speech_seen = frame_end
            if now and not was:
                # The endpointer decides after its window; speech began about then.
                began = frame_end - self._vad.frame - int(WINDOW_S * SAMPLE_RATE_HZ)
            ended = ended or (was and not now)
            was = now
        return began, ended


def _feed(decoder: Decoder, samples: np.ndarray) -> None:
    """To a decoder a piece at a time: pocketsphinx holds Python's GIL while it decodes
    (a 3 s replay through the grammar: 0.3 s here), and the microphone's callback needs
    it to take its audio."""
    for i in range(0, len(samples), _FEED):
        decoder.process_raw(samples[i : i + _FEED].tobytes(), False, False)


class _Seg:
    """A copy of a pocketsphinx segment (the decoder reuses its own)."""

    def __init__(self, seg) -> None:
        self.word: str = seg.word
        self.start_frame: int = seg.start_frame
        self.end_frame: int = seg.end_frame
        self.prob: float = seg.prob


class _Window:
    def __init__(self, opened: int, wake: tuple[int, int] | None, closes: int, fed_until: int):
        self.opened = opened
        self.wake = wake
        self.closes = closes
        self.fed_until = fed_until
        self.holding: tuple[Heard, int] | None = None
        """A request the phrase model heard, reported when the window closes (as the
        grammar's words, which may name a length, if they are the same request) or at the
        sample given, whichever is first."""
        self.reported: Heard | None = None
        """What the phrase model heard in this window and was reported already."""
        self.candidate: Intent | None = None
        """The request the phrase model was unsure of, which opened this window: it
        counts if the grammar hears it."""
        self.words: list[str] = []
        """What the grammar hears so far (its partial result, as of this block)."""
        self.last_text = ""
        self.text_since = opened
