"""The listening loop: audio in -> hearing -> intent -> conversation -> speech out.

Time is the audio's own clock (samples consumed / rate): the live microphone and a WAV
file run through the same code, a file as fast as the machine allows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol

import numpy as np

from pausebuddy.activity import Activity
from pausebuddy.audio import RATE_HZ, resample
from pausebuddy.breaks import BreakStore
from pausebuddy.config import Config, ConfigError
from pausebuddy.conversation import Conversation
from pausebuddy.echo import SOMEONE_ELSE_DB, EchoCanceller, EchoError
from pausebuddy.echo_delay import LATEST, WINDOW, EchoDelay
from pausebuddy.events import EventLog
from pausebuddy.hearing import Heard, HearingError, Recognizer, create_recognizer
from pausebuddy.history import HistoryLog
from pausebuddy.phrases import Intent, PhraseBook, normalize
from pausebuddy.voice import Clip, Voice, VoiceError, create_voice
from pausebuddy.voice.tones import chime, under

_LOGGER = logging.getLogger(__name__)


_ECHO_LEAD = RATE_HZ // 20
"""The canceller's reference is lined up this much early (50 ms): within its tail."""
_PLAYED_KEPT = WINDOW + LATEST + RATE_HZ
"""What it played is kept this long: the delay is measured against it."""

_DROPS_WHAT_IS_QUEUED = frozenset({Intent.STOP, Intent.CANCEL})
"""Heard while nothing is playing, these still drop lines queued ahead of their time."""
_OVER_ITS_VOICE = frozenset({Intent.STOP})
"""What counts while it is speaking; its own words never do. Only "stop": with other
replies allowed too, its own voice coming back from the room was heard as "slower",
"next" and the like (tests/test_self_hearing.py)."""


class Sink(Protocol):
    def play(self, clip: Clip, start_s: float) -> None: ...
    def extend_to(self, seconds: float) -> None: ...
    def cut(self, seconds: float) -> None: ...
    def close(self) -> None: ...


class Loop:
    def __init__(
        self,
        config: Config,
        recognizer: Recognizer,
        phrases: PhraseBook,
        voice: Voice,
        sink: Sink,
        events: EventLog,
        store: BreakStore | None = None,
        epoch_s: float = 0.0,
        pace: Callable[[float], None] | None = None,
        history: HistoryLog | None = None,
        lookahead_s: float = 0.0,
        reload_config: Callable[[], Config] | None = None,
        hearing_room: Callable[[], bool] | None = None,
    ) -> None:
        """`store`: where the pending break is kept across restarts. `epoch_s`: the wall
        clock at the start of the audio. `pace(t)`: waits until audio time t is now (live
        and --realtime runs); without it, waiting for the reminder takes no time.
        `lookahead_s`: live, cues are handed to the speaker this early, and it waits for
        their exact time (ticks come only once a block). `reload_config`: reads the config
        again when `reload_requested` is set (SIGHUP). `hearing_room()`: whether the input
        is a device that is open (a missing microphone yields silence to keep the clock)."""
        self._config = config
        self._recognizer = recognizer
        self._phrases = phrases
        self._voice = voice
        self._sink = sink
        self._events = events
        self._pace = pace
        self._lookahead = lookahead_s
        self._reload_config = reload_config
        self.reload_requested = False
        self._hearing_room = hearing_room or (lambda: True)
        self._ready_said = False
        self.conversation = Conversation(
            config,
            self._speak,
            events,
            tone=self._chime,
            store=store,
            epoch_s=epoch_s,
            history=history,
        )
        self.conversation.restore(0.0)
        self.now_s = 0.0
        self._speaking_until = 0.0
        self._deaf: list[tuple[float, float]] = []
        """(start, end plus a room-echo tail) of each line lately scheduled: its own voice
        may be in the input then. Lines are scheduled ahead of their time (lookahead_s),
        so only those that have begun count."""
        self._activity = Activity()
        self._echo = _echo_canceller() if config.hearing.barge_in else None
        self._played: list[tuple[int, np.ndarray]] = []
        """(start sample on the audio clock, 16 kHz samples) of what it played lately:
        the echo canceller's reference."""
        self._echo_delay = EchoDelay()
        self._echo_learned = False
        self._own_lines: list[tuple[float, float, str]] = []
        """(start, end, normalized text) of what it said lately: its own words are not
        commands, even when the room brings them back to the microphone."""

    def run(
        self, blocks: Iterable[np.ndarray], drain: bool = True, until_idle: bool = False
    ) -> None:
        """Listen to `blocks`; with `drain`, then go on in silence until nothing is pending.
        `until_idle`: stop listening once nothing is pending and it has finished speaking
        (`pausebuddy breathe` on the microphone)."""
        for block in blocks:
            if not self._ready_said and self._hearing_room():
                self._say_ready()
            start_s = self.now_s
            # A reply can only start once the block that held the phrase has arrived.
            self.now_s += len(block) / RATE_HZ
            if self.reload_requested:
                self._reload()
            self._check_speaker()
            for line_s, late_s in getattr(self._sink, "moved", list)():
                self._moved(line_s, late_s)
            # What falls due within this block is played from its exact time: scheduled
            # before the block is heard, so the block is known to hold its voice (deaf
            # to it, or its echo canceller has the reference from the first sample).
            self.conversation.tick(self.now_s + self._lookahead)
            self._listen(block, start_s)
            if (
                until_idle
                and self.conversation.next_due() is None
                and self.now_s >= self._speaking_until
            ):
                break
        for heard in self._recognizer.flush():
            self._on_heard(heard)
        input_end = self.now_s
        if drain:
            # Nothing can be heard in silence, so jump straight to what is due next.
            while (due := self.conversation.next_due()) is not None:
                if self._pace is not None:
                    self._pace(due)
                self.now_s = max(self.now_s, due)
                self.conversation.tick(self.now_s)
        # As long as the input, or up to its last words: not the quiet waited through.
        self._sink.extend_to(max(input_end, self._speaking_until))

    def close(self, cut: bool = False) -> None:
        """Done: the sink and the event log closed; `cut`: its voice stops now."""
        if cut:
            self._sink.cut(self.now_s)
        self._sink.close()
        self._events.close()

    def _say_ready(self) -> None:
        # Once, when audio is first heard from a real source: the line the service's
        # journal and its tests wait for.
        self._ready_said = True
        _LOGGER.info("Ready: listening.")

    def microphone_changed(self, hearing: bool) -> None:
        """From the microphone, between blocks: it lost the room, or hears it again."""
        if hearing and not self._ready_said:
            self._say_ready()
        self.conversation.microphone_changed(hearing, self.now_s)
        if hearing and self._echo is not None:
            # A reopened stream has its own latency (and may be another microphone in
            # another place): measure the delay afresh and learn the room again.
            self._echo_delay = EchoDelay()
            self._echo = EchoCanceller()

    def _check_speaker(self) -> None:
        working = getattr(self._sink, "working", True)
        if working == self.conversation.speaker_working:
            return
        if working and not getattr(self._sink, "speaking", True):
            # Back, with nothing playing: what it said meanwhile went nowhere, and what
            # is said again (a reminder) need not wait for it to end.
            self._unsay(self.now_s)
        self.conversation.speaker_changed(
            working, self.now_s, getattr(self._sink, "failed_from_s", None)
        )

    def _reload(self) -> None:
        """The config changed on disk: take it whole, or keep the old one whole."""
        self.reload_requested = False
        if self._reload_config is None:
            return
        try:
            config = self._reload_config()
            phrases = PhraseBook(config.phrases)
            recognizer = create_recognizer(config.hearing, phrases)
            voice = (
                create_voice(config.voice) if config.voice != self._config.voice else self._voice
            )
        except (ConfigError, HearingError, VoiceError) as exc:
            _LOGGER.warning("Kept the running config; the new one has a problem: %s", exc)
            return
        if config.hearing.barge_in != (self._echo is not None):
            self._echo = _echo_canceller() if config.hearing.barge_in else None
        self._config, self._phrases, self._recognizer, self._voice = (
            config,
            phrases,
            recognizer,
            voice,
        )
        self.conversation.reconfigure(config)
        _LOGGER.info("Config reloaded.")

    def _listen(self, block: np.ndarray, start_s: float) -> None:
        # Samples at the start of this block where its own voice may be in the room.
        end_s = start_s + len(block) / RATE_HZ
        self._deaf = [(s, e) for s, e in self._deaf if e > start_s]
        deaf_until = max((e for s, e in self._deaf if s < end_s), default=0.0)
        own = min(len(block), max(0, int(round((deaf_until - start_s) * RATE_HZ))))
        deaf = own
        if self._echo is not None:
            # It listens on, with its own voice taken out; _on_heard sorts out what is left.
            # Until the canceller has learned the room it stays deaf to its own voice.
            at = int(round(start_s * RATE_HZ))
            if self._echo_delay.observe(block, at + len(block), self._played_between):
                _LOGGER.debug(
                    "At %.1f s its voice reaches the microphone %.0f ms after its"
                    " time: the echo canceller starts anew.",
                    start_s,
                    1000 * self._echo_delay.delay / RATE_HZ,
                )
                self._echo = EchoCanceller()
            block = self._echo.process(block, self._reference(at, len(block)), at=at)
            if self._echo.learned:
                deaf = 0
            if self._echo.learned != self._echo_learned:
                self._echo_learned = self._echo.learned
                _LOGGER.debug(
                    "At %.1f s the echo canceller %s.",
                    start_s,
                    "has learned the room"
                    if self._echo_learned
                    else "no longer fits the room: deaf while it speaks",
                )
        if deaf:
            self._recognizer.skip(deaf)
        self._recognizer.expecting_reply = self.conversation.expecting_reply
        self._recognizer.over_own_voice = own > deaf
        if deaf < len(block):
            for heard in self._recognizer.accept(block[deaf:]):
                self._on_heard(heard)
        # Voice activity, for grounding's answers: never while its own voice may be in
        # the room, so it does not wait on itself.
        if self.conversation.wants_activity and own < len(block):
            if self._activity.talking(block[own:]):
                self.conversation.on_activity(start_s + len(block) / RATE_HZ)

    def _on_heard(self, heard: Heard) -> None:
        if heard.intent is None or heard.intent not in self.conversation.allowed_intents():
            _LOGGER.debug("Heard something that is no phrase here.")
            return
        intent, phrase = heard.intent, heard.phrase or ""
        over = self._own_lines_during(heard)
        if over and (
            intent not in _OVER_ITS_VOICE or any(_contains(text, phrase) for text in over)
        ):
            _LOGGER.debug("Heard '%s' while saying it or something else: not a command.", phrase)
            return
        left = None
        if over and self._echo is not None:
            start, end = int(heard.start_s * RATE_HZ), int(heard.end_s * RATE_HZ)
            left = self._echo.left_db(start, end)
            # Checked against what it played directly too: a canceller whose timing is
            # off (the speaker ran dry) takes nothing out until the delay is measured again.
            direct = self._echo_delay.left_db(start, end, self._played_between)
            if direct is not None:
                _LOGGER.debug(
                    "Of '%s' the canceller left %.1f dB, a fit of its voice %.1f dB.",
                    phrase,
                    left,
                    direct,
                )
                left = min(left, direct)
            if left < SOMEONE_ELSE_DB:
                # What the canceller left of its own voice, heard as a word.
                _LOGGER.debug("Heard '%s' in its own voice (%.0f dB): not a command.", phrase, left)
                self._events(
                    {
                        "t": self.now_s,
                        "type": "own_voice",
                        "intent": intent.value,
                        "start": heard.start_s,
                        "end": heard.end_s,
                        "left_db": round(left, 1),
                    }
                )
                return
        if over and intent is Intent.STOP and self.now_s < self._speaking_until:
            # "stop" over its own voice: it stops talking at once.
            self._sink.cut(self.now_s)
            self._unsay(self.now_s)
            self._events({"t": self.now_s, "type": "interrupted"})
        elif intent in _DROPS_WHAT_IS_QUEUED and self._speaking_until > self.now_s:
            # Live, lines reach the speaker ahead of their time: none of them after this.
            self._sink.cut(self.now_s)
            self._unsay(self.now_s)
        _LOGGER.info("Heard %s.", intent.value)
        self._events(
            {  # t: when it was heard, i.e. this block; start/end: the phrase
                "t": max(heard.end_s, self.now_s),
                "type": "heard",
                "intent": intent.value,
                "text": heard.text,
                "start": heard.start_s,
                "end": heard.end_s,
                "score": heard.score,
                **({} if left is None else {"left_db": round(left, 1)}),
            }
        )
        # Answer from the end of the phrase: that is when a person expects the reply.
        self.conversation.on_heard(
            intent,
            max(heard.end_s, self.now_s),
            amount_s=heard.length_s,
            length_unclear=heard.length_unclear,
        )

    def _speak(self, text: str, at_s: float, tone: bool = False) -> float:
        if not text:
            return at_s
        clip = self._voice.render(text)
        if tone:
            clip = under(clip)
        end = self._play(clip, at_s, {"type": "said", "text": text})
        self._own_lines = [*self._own_lines[-20:], (end - clip.duration_s, end, normalize(text))]
        return end

    def _moved(self, line_s: float, late_s: float) -> None:
        """The line scheduled at line_s plays late_s later (it reached the speaker late):
        so does its echo reference, and the deafness for it."""
        at, late = int(round(line_s * RATE_HZ)), int(round(late_s * RATE_HZ))
        self._played = [
            (start + late if start == at else start, samples) for start, samples in self._played
        ]
        self._deaf = [
            (s + late_s, e + late_s) if abs(s - line_s) < 1e-6 else (s, e) for s, e in self._deaf
        ]

    def _unsay(self, t: float) -> None:
        """Nothing it scheduled from `t` on is played (the echo reference neither)."""
        cut = int(round(t * RATE_HZ))
        self._played = [(at, samples[: max(cut - at, 0)]) for at, samples in self._played]
        self._speaking_until = min(self._speaking_until, t)
        self._deaf = [(s, min(e, t)) for s, e in self._deaf if s < t]

    def _reference(self, start: int, n: int) -> np.ndarray:
        """What it played over these samples, as the microphone hears it: lined up by
        the measured delay, a little early so that the echo always comes after its
        reference (the canceller reaches forward, echo.TAIL, not back)."""
        self._played = [
            (at, s)
            for at, s in self._played  # what may still be measured
            if at + len(s) > start - _PLAYED_KEPT
        ]
        return self._played_between(start - self._echo_delay.delay + _ECHO_LEAD, n)

    def _played_between(self, start: int, n: int) -> np.ndarray:
        """What it scheduled to play over samples start..start+n."""
        played = np.zeros(n, dtype=np.float32)
        for at, samples in self._played:
            lo, hi = max(at, start), min(at + len(samples), start + n)
            if lo < hi:
                played[lo - start : hi - start] += samples[lo - at : hi - at]
        return played

    def _own_lines_during(self, heard: Heard) -> list[str]:
        """What it was saying (or echoing) while `heard` was said."""
        tail = self._config.hearing.self_mute_tail_s
        return [
            text
            for start, end, text in self._own_lines
            if heard.start_s < end + tail and heard.end_s > start
        ]

    def _chime(self, at_s: float) -> float:
        return self._play(chime(), at_s, {"type": "tone"})

    def _play(self, clip: Clip, at_s: float, event: dict) -> float:
        start = max(at_s, self._speaking_until)
        end = start + clip.duration_s
        self._sink.play(clip, start)
        if self._echo is not None:
            self._played.append(
                (int(round(start * RATE_HZ)), resample(clip.samples, clip.rate_hz, RATE_HZ))
            )
        self._speaking_until = end
        self._deaf.append((start, end + self._config.hearing.self_mute_tail_s))
        self._events({"t": start, **event, "end": end})
        return end


def _echo_canceller() -> EchoCanceller | None:
    try:
        return EchoCanceller()
    except EchoError as exc:
        _LOGGER.warning("%s", exc)
        return None


def _contains(text: str, phrase: str) -> bool:
    """Whole words: "stop" is in "safe to stop here", not in "stopwatch"."""
    return f" {phrase} " in f" {text} "
