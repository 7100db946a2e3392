"""The listening loop: audio in -> hearing -> intent -> conversation -> speech out.

Time is the audio's own clock (samples consumed / rate): the live microphone and a WAV
file run through the same code, a file as fast as the machine allows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pausebuddy.activity import Activity
from pausebuddy.audio import RATE_HZ
from pausebuddy.breaks import BreakStore
from pausebuddy.button import intent_for
from pausebuddy.config import Config, ConfigError
from pausebuddy.conversation import Conversation
from pausebuddy.events import EventLog
from pausebuddy.hearing import Heard, HearingError, Recognizer
from pausebuddy.history import HistoryLog
from pausebuddy.own_voice import OwnVoice
from pausebuddy.phrases import Intent, normalize
from pausebuddy.sinks import Sink
from pausebuddy.voice import Clip, Voice, VoiceError
from pausebuddy.voice.tones import at_gain, chime, under
from pausebuddy.volume import Volume

_LOGGER = logging.getLogger(__name__)

_DROPS_WHAT_IS_QUEUED = frozenset({Intent.STOP, Intent.CANCEL})
"""Heard while nothing is playing, these still drop lines queued ahead of their time."""


class Button(Protocol):
    def take(self) -> list[str]:
        """Gestures completed since last asked (button.py)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Parts:
    """What a config makes of the loop: built by the wiring code (app.py), taken whole."""

    config: Config
    recognizer: Recognizer
    voice: Voice


class Loop:
    def __init__(
        self,
        config: Config,
        recognizer: Recognizer,
        voice: Voice,
        sink: Sink,
        events: EventLog,
        store: BreakStore | None = None,
        epoch_s: float = 0.0,
        pace: Callable[[float], None] | None = None,
        history: HistoryLog | None = None,
        lookahead_s: float = 0.0,
        rewire: Callable[[Parts], Parts] | None = None,
        hearing_room: Callable[[], bool] | None = None,
        button: Button | None = None,
        volume: Volume | None = None,
    ) -> None:
        """`store`: where the pending break is kept across restarts. `epoch_s`: the wall
        clock at the start of the audio. `pace(t)`: waits until audio time t is now (live
        and --realtime runs); without it, waiting for the reminder takes no time.
        `lookahead_s`: live, cues are handed to the speaker this early, and it waits for
        their exact time (ticks come only once a block). `rewire(parts)`: the parts of
        the config read again, when `reload_requested` is set (SIGHUP). `hearing_room()`:
        whether the input is a device that is open (a missing microphone yields silence
        to keep the clock). `button`: its gestures are taken once a block (button.py).
        `volume`: the level it speaks at, changed by voice and kept (volume.py)."""
        self._config = config
        self._recognizer = recognizer
        self._voice = voice
        self._sink = sink
        self._events = events
        self._pace = pace
        self._lookahead = lookahead_s
        self._rewire = rewire
        self.reload_requested = False
        self._hearing_room = hearing_room or (lambda: True)
        self._button = button
        self._ready_said = False
        self.conversation = Conversation(
            config,
            self._speak,
            events,
            tone=self._chime,
            store=store,
            epoch_s=epoch_s,
            history=history,
            volume=volume,
        )
        self.conversation.restore(0.0)
        self.now_s = 0.0
        self._speaking_until = 0.0
        self._activity = Activity()
        self._own = OwnVoice(config.hearing.self_mute_tail_s, config.hearing.barge_in)

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
            for line_s, late_s in self._sink.moved():
                self._own.moved(line_s, late_s)
            # What falls due within this block is played from its exact time: scheduled
            # before the block is heard, so the block is known to hold its voice (deaf
            # to it, or its echo canceller has the reference from the first sample).
            self.conversation.tick(self.now_s + self._lookahead)
            if self._button is not None:
                for gesture in self._button.take():
                    self._pressed(gesture)
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
        if self._button is not None:
            self._button.close()
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
        if hearing:
            self._own.new_room()

    def _check_speaker(self) -> None:
        working = self._sink.working
        if working == self.conversation.speaker_working:
            return
        if working and not self._sink.speaking:
            # Back, with nothing playing: what it said meanwhile went nowhere, and what
            # is said again (a reminder) need not wait for it to end.
            self._unsay(self.now_s)
        self.conversation.speaker_changed(working, self.now_s, self._sink.failed_from_s)

    def _reload(self) -> None:
        """The config changed on disk: take it whole, or keep the old one whole."""
        self.reload_requested = False
        if self._rewire is None:
            return
        try:
            parts = self._rewire(Parts(self._config, self._recognizer, self._voice))
        except (ConfigError, HearingError, VoiceError) as exc:
            _LOGGER.warning("Kept the running config; the new one has a problem: %s", exc)
            return
        self._config, self._recognizer, self._voice = parts.config, parts.recognizer, parts.voice
        self._own.barge_in = parts.config.hearing.barge_in
        self._own.tail_s = parts.config.hearing.self_mute_tail_s
        self.conversation.reconfigure(parts.config)
        _LOGGER.info("Config reloaded.")

    def _listen(self, block: np.ndarray, start_s: float) -> None:
        cleaned = self._own.clean(block, start_s)
        block, deaf, own = cleaned.block, cleaned.deaf, cleaned.own
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
        intent = heard.intent
        judged = self._own.judge(heard)
        if judged.own:
            if judged.left_db is not None:
                self._events(
                    {
                        "t": self.now_s,
                        "type": "own_voice",
                        "intent": intent.value,
                        "start": heard.start_s,
                        "end": heard.end_s,
                        "left_db": round(judged.left_db, 1),
                    }
                )
            return
        left = judged.left_db
        self._stop_talking(intent, interrupting=judged.over_its_voice)
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

    def _pressed(self, gesture: str) -> None:
        """A button gesture: what it means now, acted on as a phrase heard."""
        intent = intent_for(gesture, self.conversation.state)
        _LOGGER.info("Button: a %s press: %s.", gesture, intent.value)
        self._events(
            {"t": self.now_s, "type": "pressed", "gesture": gesture, "intent": intent.value}
        )
        self._stop_talking(intent, interrupting=True)
        self.conversation.on_heard(intent, self.now_s)

    def _stop_talking(self, intent: Intent, interrupting: bool) -> None:
        if interrupting and intent is Intent.STOP and self.now_s < self._speaking_until:
            # "stop" over its own voice (or the button): it stops talking at once.
            self._sink.cut(self.now_s)
            self._unsay(self.now_s)
            self._events({"t": self.now_s, "type": "interrupted"})
        elif intent in _DROPS_WHAT_IS_QUEUED and self._speaking_until > self.now_s:
            # Live, lines reach the speaker ahead of their time: none of them after this.
            self._sink.cut(self.now_s)
            self._unsay(self.now_s)

    def _speak(self, text: str, at_s: float, tone: bool = False, volume: float = 1.0) -> float:
        if not text:
            return at_s
        clip = self._voice.render(text)
        if tone:
            clip = under(clip)
        event = {"type": "said", "text": text, **({} if volume == 1.0 else {"volume": volume})}
        gain = volume * self.conversation.volume.gain
        return self._play(at_gain(clip, gain), at_s, event, normalize(text))

    def _unsay(self, t: float) -> None:
        """Nothing it scheduled from `t` on is played."""
        self._speaking_until = min(self._speaking_until, t)
        self._own.unsay(t)

    def _chime(self, at_s: float, volume: float = 1.0) -> float:
        gain = volume * self.conversation.volume.gain
        return self._play(at_gain(chime(), gain), at_s, {"type": "tone"})

    def _play(self, clip: Clip, at_s: float, event: dict, text: str | None = None) -> float:
        start = max(at_s, self._speaking_until)
        end = start + clip.duration_s
        self._sink.play(clip, start)
        self._own.played(clip, start, text)
        self._speaking_until = end
        self._events({"t": start, **event, "end": end})
        return end
