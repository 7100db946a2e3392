"""From what the stages heard to what is reported: a reply only once it shows it was said
on its own, and each phrase once, though several stages may hear it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from pausebuddy.hearing import SAMPLE_RATE_HZ, Heard, pauses, with_meaning
from pausebuddy.hearing.command_grammar import heard_from
from pausebuddy.hearing.command_window import Said, Window
from pausebuddy.hearing.front_end import FrontEnd
from pausebuddy.phrases import REQUESTS, Intent, Match, PhraseBook, spoken_seconds

_LOGGER = logging.getLogger(__name__)

SAME_PHRASE = 2 * SAMPLE_RATE_HZ
"""A request heard by two stages ends at about the same time: within this, it is one."""
_REPLY_WORD_S = 0.9
_NEXT_WORD_S = 0.4
"""A reply of n words the grammar heard lasts at most _REPLY_WORD_S + (n - 1) *
_NEXT_WORD_S: in loud noise it stretched "faster" over 1.25 s of noise and a "stop"."""
_WAKE_ONLY_S = 3
"""A wake word followed only by filler: the verifier judges this long from it, at most."""


@dataclass(frozen=True)
class WindowVerdict:
    """What a closed command window comes to."""

    report: list[Heard]
    """Heard now."""
    reply: Heard | None = None
    """A reply, to count once it shows it was said on its own (ReplyWait)."""
    verify: tuple[int, int] | None = None
    """A moment (stream samples) for the verifier to judge."""


def judge_window(
    window: Window,
    said: Said | None,
    phrases: PhraseBook,
    expecting_reply: bool,
    confirmed: Callable[[Match | None, int, int], bool],
    speech_seen: int,
) -> WindowVerdict:
    """A closed window's phrase (`said`, command_window.phrase_in), judged against what
    the phrase model heard there (the window's holding, reported, candidate) and how sure
    it was (`confirmed(match, start, end)`); `speech_seen`: where the VAD last heard
    speech."""
    holding = window.holding[0] if window.holding is not None else None
    if said is None:
        _LOGGER.debug("command window closed with no phrase")
        verify = None
        if window.wake is not None and holding is None and not expecting_reply:
            # The wake word, then only filler: under other voices the grammar often hears
            # the request so. The verifier judges from the wake word on.
            wake_start, wake_end = window.wake
            end = min(max(speech_seen, wake_end), wake_start + _WAKE_ONLY_S * SAMPLE_RATE_HZ)
            verify = (wake_start, end)
        return WindowVerdict([holding] if holding else [], verify=verify)
    if said.in_talk:
        # Without the wake word only a short utterance counts as a reply: "stop", "okay,
        # stop". A command word inside a longer sentence is conversation.
        _LOGGER.debug("'%s' inside longer talk: not a reply", said.text)
        return WindowVerdict([])
    text, start, end = said.text, said.start, said.end
    heard_here = phrases.match(text)
    if holding is not None:
        # The phrase model heard a request in this window: the grammar's words win if
        # they are the same request, or if they put a bridge after the wake word (the
        # model never heard one: see CommandWindows.still_saying).
        held = phrases.match(holding.text)
        if (
            heard_here is None
            or held is None
            or (heard_here.intent is not held.intent and not said.bridged)
        ):
            return WindowVerdict([holding])
    elif window.reported is not None and spoken_seconds(text) is None:
        return WindowVerdict([])  # reported already; only a length would add something
    elif window.candidate is not None and (
        heard_here is None or not said.wake_heard or heard_here.intent is not window.candidate
    ):
        # The grammar must hear it all, the wake word too.
        _LOGGER.debug("the grammar heard '%s', not the candidate", text)
        return WindowVerdict([])
    elif window.reported is None and not said.bridged and not confirmed(heard_here, start, end):
        # The phrase model is not asked about a bridged request: it never heard one (it
        # vetoed "pause buddy, we need a time out"). The verifier may still hear it.
        _LOGGER.debug("'%s' not confirmed by the phrase model", text)
        return WindowVerdict([], verify=(start, end))
    phrase = heard_from(text, start, end, said.score)
    reply = heard_here is not None and heard_here.intent not in REQUESTS
    if expecting_reply and (not said.woken or reply):
        longest = (_REPLY_WORD_S + _NEXT_WORD_S * (said.words - 1)) * SAMPLE_RATE_HZ
        if not said.woken and end - start > longest:
            # Longer than anyone says it: the grammar stretched it over noise.
            _LOGGER.debug("'%s' took %.1f s: not a reply", text, (end - start) / SAMPLE_RATE_HZ)
            return WindowVerdict([])
        # A reply after the wake word too must be said on its own: in talk during a
        # session the wake word was misheard and the grammar found "slower" or "skip"
        # after it (4 times in 20 minutes of bench_hearing's session talk).
        return WindowVerdict([], reply=phrase)
    return WindowVerdict([phrase])


class ReplyWait:
    """Replies heard ("stop"), each waiting for the pause after it: a reply counts once a
    pause before and after it shows it was said on its own (pauses.stands_alone)."""

    def __init__(self, front: FrontEnd) -> None:
        self._front = front
        self._waiting: list[Heard] = []
        self.until = 0
        """Where the last reply heard ended: the next reply window starts after it."""

    def heard(self, reply: Heard) -> None:
        self._waiting.append(reply)
        self.until = max(self.until, int(reply.end_s * SAMPLE_RATE_HZ))

    def said_alone(self, ended: bool = False) -> list[Heard]:
        """The replies that were said on their own: as soon as the pause after is heard;
        dropped once it cannot come any more (or the stream `ended` without it)."""
        ring, pos = self._front.ring, self._front.pos
        ring_start = self._front.ring_start
        ready, waiting = [], []
        for reply in self._waiting:
            end = int(reply.end_s * SAMPLE_RATE_HZ)
            if pauses.stands_alone(
                ring, int(reply.start_s * SAMPLE_RATE_HZ) - ring_start, end - ring_start, ended
            ):
                ready.append(reply)
            elif not ended and pos < end + int(pauses.AFTER_S * SAMPLE_RATE_HZ):
                waiting.append(reply)
            else:
                _LOGGER.debug("'%s' not said on its own: not a reply", reply.text)
        self._waiting = waiting
        return ready


class Once:
    """Each phrase reported once, with its meaning (hearing.with_meaning): the same request
    or reply again within SAME_PHRASE of the last is dropped, unless it adds a length to a
    time-out."""

    def __init__(self, phrases: PhraseBook) -> None:
        self._phrases = phrases
        self._last: tuple[Intent | None, int, float | None, bool] | None = None
        """The last thing reported: its intent, where it ended, the length it named and
        whether a length was said and not made out."""

    def __call__(self, heard: list[Heard]) -> list[Heard]:
        out = []
        for item in heard:
            match = self._phrases.match(item.text)
            intent = match.intent if match else None
            end = int(item.end_s * SAMPLE_RATE_HZ)
            last = self._last
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
                and abs(end - last[1]) < SAME_PHRASE
                and not adds_length
            ):
                _LOGGER.debug("'%s' heard again by the other stage", item.text)
                continue
            self._last = (intent, end, length, item.length_unclear)
            out.append(with_meaning(item, self._phrases))
        return out


def inside_held(heard: Heard, held: list[Heard], phrases: PhraseBook) -> bool:
    """Another request heard in a time-out held for its length: the same words taken
    otherwise ("... for forty five minutes" heard as "five things")."""
    match = phrases.match(heard.text)
    return (
        match is not None
        and match.intent is not Intent.TIMEOUT
        and any(heard.start_s < timeout.end_s for timeout in held)
    )
