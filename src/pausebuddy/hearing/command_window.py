"""The command grammar's decoder, decoding one window of the stream at a time: opened at a
wake word, a candidate or (when a reply is expected) any speech, replaying the ring from
its start; closed when its phrase has held, when they stop talking, or when its time is
up. What its words mean is the engine's to decide."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pocketsphinx import Decoder

from pausebuddy import native_memory
from pausebuddy.hearing import SAMPLE_RATE_HZ, Heard
from pausebuddy.hearing.command_grammar import BRIDGE, PRONUNCIATION, extend, find_core, is_silence
from pausebuddy.hearing.front_end import FrontEnd
from pausebuddy.hearing.sphinx_decoders import SAMPLES_PER_FRAME, Seg, feed
from pausebuddy.phrases import Intent, PhraseBook

_LOGGER = logging.getLogger(__name__)

HOLD_LENGTH = SAMPLE_RATE_HZ
"""How long a request the phrase model heard waits, at most, while the grammar hears a
length being said after it ("time out for half an hour"; within the 1 s a reply may
take)."""
_QUIET_S = 0.7
"""Silence that ends a command window: longer than the pause at a comma."""
_STABLE_S = 0.25
"""A phrase counts once the grammar has held it this long (so "five" can become
"five more minutes" before it is reported)."""
_MAX_OTHER_WORDS = 2
"""Without the wake word, a phrase counts only in an utterance with at most this many
other words."""


class Window:
    def __init__(self, opened: int, wake: tuple[int, int] | None, closes: int, fed_until: int):
        self.opened = opened
        self.wake = wake
        """Where the wake word that opened it was, if one did."""
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


class CommandWindows:
    def __init__(
        self, decoder: Decoder, front: FrontEnd, phrases: PhraseBook, cores: list[str]
    ) -> None:
        """`decoder`: sphinx_decoders.grammar's; `cores`: the phrases it knows."""
        self._grammar = decoder
        self._front = front
        self._phrases = phrases
        self._cores = cores
        self.current: Window | None = None
        """The window the decoder is in, if any."""

    def open(self, from_sample: int, wake: tuple[int, int] | None, closes: int, cmn: str) -> Window:
        """A window from stream sample `from_sample` (the ring replayed from there) to
        `closes`, decoded with the cepstral mean `cmn` (the spotter's: it hears all speech,
        the grammar only its windows)."""
        window = Window(opened=from_sample, wake=wake, closes=closes, fed_until=self._front.pos)
        self.current = window
        self._grammar.set_cmn(cmn)
        self._grammar.start_utt()
        replay = self._front.ring[from_sample - self._front.ring_start :]
        if len(replay):
            feed(self._grammar, replay)
        return window

    def feed(self, block) -> None:
        """The latest block: only its part after the window opened (the rest was replayed)."""
        window = self.current
        assert window is not None
        fresh = block[max(window.fed_until - (self._front.pos - len(block)), 0) :]
        if len(fresh):
            feed(self._grammar, fresh)
            window.fed_until = self._front.pos

    def due(self) -> bool:
        """Whether the window should close now: its phrase has held, they stopped talking,
        or its time is up (later while a length is being said after a phrase)."""
        window, front = self.current, self._front
        assert window is not None
        hyp = self._grammar.hyp()
        words = hyp.hypstr.split() if hyp else []
        window.words = words
        found = find_core(words, self._cores)
        last = extend(words, found, self._cores) if found else -1
        saying_length = found is not None and last > found[1]  # "... time out for ten"
        if front.pos >= window.closes and not (
            saying_length and front.pos < window.closes + HOLD_LENGTH
        ):
            return True  # its time is up
        # Stable means the words up to and including a phrase stopped changing; talk
        # after the phrase may go on changing without delaying the answer, unless it is
        # still becoming a longer phrase ("time out" -> "time out for half an hour").
        text = " ".join(words[: last + 1]) if found else " ".join(words)
        if text != window.last_text:
            window.last_text, window.text_since = text, front.pos
            return False
        if (
            found
            and not saying_length
            and front.pos - window.text_since >= _STABLE_S * SAMPLE_RATE_HZ
        ):
            return True
        return not front.in_speech and front.pos - front.speech_seen >= _QUIET_S * SAMPLE_RATE_HZ

    def still_saying(self) -> bool:
        """Whether the grammar hears the held request's sentence going on, so that it
        waits for the grammar's words: a length after the request, or talk right after
        it that the grammar has no words for yet (until HOLD_LENGTH after it); or a
        bridge after the wake word ("pause buddy, we need a time out": the phrase model
        never heard such words, and may take "we need a" for "breathing"), until the
        window closes."""
        window = self.current
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
        if self._front.pos >= held_end + HOLD_LENGTH:
            return False
        found = find_core(words, self._cores)
        if found is None:
            return False
        # The words after it begin a length, or none are heard yet while they talk on
        # (the grammar's words lag the speech by a word).
        return extend(words, found, self._cores) > found[1] or (
            found[1] == len(words) - 1 and self._front.in_speech
        )

    def close(self) -> tuple[Window, list[Seg], list[str]]:
        """The window ends: it, the words it heard (no silences) and their segments."""
        window = self.current
        assert window is not None
        # The window may close mid-phrase ("cancel the" of "cancel the break"), where no
        # path has reached the grammar's end yet: then the partial result is the answer.
        partial = [Seg(s) for s in (self._grammar.seg() or [])]
        self._grammar.end_utt()
        final = [Seg(s) for s in (self._grammar.seg() or [])]
        self.current = None
        native_memory.give_back()  # the window's search history, tens of MB
        segs = [s for s in (final or partial) if not is_silence(s.word)]
        # Segments name the pronunciation used: "ready(2)" is still "ready".
        words = [PRONUNCIATION.sub("", s.word) for s in segs]
        _LOGGER.debug(
            "window %.2f-%.2f s heard: %s",
            window.opened / SAMPLE_RATE_HZ,
            self._front.pos / SAMPLE_RATE_HZ,
            words,
        )
        return window, segs, words

    def drop(self) -> Window:
        """The window ends unheard (its own voice began)."""
        window = self.current
        assert window is not None
        self._grammar.end_utt()
        self.current = None
        native_memory.give_back()
        return window


@dataclass(frozen=True)
class Said:
    """A phrase the grammar heard in a window, placed in the stream."""

    text: str
    """Its words, after the wake word when it was woken."""
    start: int
    """Where it began: at the wake word, where the grammar or the spotter heard one."""
    end: int
    score: float
    """The least likely of its words (pocketsphinx's segment probability)."""
    words: int
    """How many words it has, the wake word left out."""
    woken: bool
    """The wake word came before it (heard by the grammar, or it opened the window)."""
    wake_heard: bool
    """The grammar itself heard the wake word before it."""
    bridged: bool
    """Words came between the wake word and it ("pause buddy, we need a time out")."""
    in_talk: bool
    """Without the wake word, inside longer talk: conversation, not a reply."""


def phrase_in(
    window: Window, segs: list[Seg], words: list[str], wake_word: str, cores: list[str]
) -> Said | None:
    """The phrase among a closed window's `words` (command_grammar.find_core), if any."""
    found = find_core(words, cores)
    if found is None:
        return None
    first, last = found
    wake_at = find_core(words[:first], [wake_word])
    woken = window.wake is not None or wake_at is not None
    core_segs = segs[first : last + 1]
    text = " ".join(words[first : last + 1])
    start = window.opened + core_segs[0].start_frame * SAMPLES_PER_FRAME
    end = window.opened + (core_segs[-1].end_frame + 1) * SAMPLES_PER_FRAME
    # The phrase starts at the wake word: where the grammar heard it, else where the
    # spotter did.
    if wake_at is not None:
        start = window.opened + segs[wake_at[0]].start_frame * SAMPLES_PER_FRAME
    elif window.wake is not None:
        start = window.wake[0]
    return Said(
        text=f"{wake_word} {text}" if woken else text,
        start=start,
        end=end,
        score=min((s.prob for s in core_segs), default=1.0),
        words=last - first + 1,
        woken=woken,
        wake_heard=wake_at is not None,
        bridged=wake_at is not None and first > wake_at[1] + 1,
        in_talk=not woken and len(words) - (last - first + 1) > _MAX_OTHER_WORDS,
    )
