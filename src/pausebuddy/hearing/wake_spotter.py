"""The keyphrase spotter on the stream: it hears all speech for the wake word (search
"spot"), or, over its own voice, for "stop" alone (search "stop"); it rests in a quiet
room. What a word it finds means is the engine's to decide."""

from __future__ import annotations

import numpy as np
from pocketsphinx import Decoder

from pausebuddy.hearing import SAMPLE_RATE_HZ
from pausebuddy.hearing.front_end import FrontEnd
from pausebuddy.hearing.sphinx_decoders import SAMPLES_PER_FRAME, feed

_SPOT_LEAD = SAMPLE_RATE_HZ * 3 // 10
"""Resting, it wakes up when speech comes back and hears it from this long before the
VAD says it began."""
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


class WakeSpotter:
    def __init__(self, decoder: Decoder, front: FrontEnd) -> None:
        """`decoder`: sphinx_decoders.spotter's; `front`: the stream it hears."""
        self.decoder = decoder
        self._front = front
        self.search = ""
        """"spot" (the wake word) or "stop" (over its voice)."""
        self.start = 0
        """Where its utterance began (its frames count from there)."""
        self.resting = False
        """Not fed: nobody has spoken for a while."""
        self._room_cmn: str | None = None
        """The cepstral mean from before its voice, while the "stop" search runs."""
        self.restart()

    def restart(self, search: str = "spot") -> None:
        """A new utterance of `search` from now."""
        if self.search:
            self.decoder.end_utt()
        # The "stop" spotter hears what the echo canceller leaves: mostly silence. The
        # live cepstral mean would drift to that silence, and a word then sounds far too
        # loud (missed "stop"s): it uses the room's, from before its voice, and leaves
        # it unchanged.
        if search == "stop":
            if self._room_cmn is None:
                self._room_cmn = self.decoder.get_cmn(False)
            self.decoder.set_cmn(self._room_cmn)
        elif self._room_cmn is not None:
            self.decoder.set_cmn(self._room_cmn)
            self._room_cmn = None
        self.decoder.activate_search(search)
        self.decoder.start_utt()
        self.start = self._front.pos
        self.search = search
        self.resting = False

    def hear_from(self, since: int, search: str = "spot", until: int | None = None) -> None:
        """`search` anew from stream sample `since`: what the ring holds from there (up
        to `until`, by default all of it) is heard now; "stop" hears it unsuppressed."""
        front = self._front
        ring = front.raw_ring if search == "stop" else front.ring
        ring_start = front.pos - len(ring)
        since = max(since, ring_start)
        until = front.pos if until is None else until
        self.restart(search)
        self.start = since
        if since < until:
            feed(self.decoder, ring[since - ring_start : until - ring_start])

    def hear_stop(self, raw: np.ndarray, over_own_voice: bool, own_voice_until: int) -> bool:
        """Over its own voice only "stop" counts: it listens for it alone (in `raw`, what
        the echo canceller left, unsuppressed), and stays on it a little after its voice
        (_STOP_LINGER), so a "stop" said across a gap is heard whole. True while it
        listens for "stop" (this block heard)."""
        front, n = self._front, len(raw)
        if (
            self.search == "stop"
            and not over_own_voice
            and (not front.in_speech or front.pos - own_voice_until > _STOP_LINGER)
        ):
            # Its voice has ended. If someone talks on right after it (the VAD still
            # hears speech), what they said since goes to the wake-word search.
            back = min(front.pos - own_voice_until, len(front.ring)) if front.in_speech else n
            self.hear_from(front.pos - max(back, n), until=front.pos - n)
        if self.search != "stop" and not over_own_voice:
            return False
        renewing = self.search == "stop"
        if not renewing or front.pos - n - self.start >= _STOP_RENEW:
            # From a little before this block: the word may have begun in the gap, or
            # before the utterance it renews ended.
            lead = _STOP_RENEW_LEAD if renewing else _STOP_LEAD
            self.hear_from(front.pos - n - lead, "stop", until=front.pos - n)
        feed(self.decoder, raw)
        return True

    def hear(self, samples: np.ndarray, speech_began: int | None, wanted: bool) -> None:
        """The block for the wake word: `wanted` False rests it (the phrase model hears
        requests alone); resting, speech wakes it up."""
        if not wanted:
            self.resting = True
        elif self.resting and (speech_began is not None or self._front.in_speech):
            # Speech again: it hears it from a little before the VAD says it began.
            began = speech_began if speech_began is not None else self._front.pos - len(samples)
            self.hear_from(began - _SPOT_LEAD)
        elif not self.resting:
            feed(self.decoder, samples)

    def settle(self, window_open: bool, speech_ended: bool) -> None:
        """After the block: it rests in a quiet room (it costs as much on silence as on
        talk), and starts afresh at each pause."""
        if not window_open and self._front.quiet_room:
            self.resting = True
        if speech_ended and self.search == "spot" and not self.resting:
            # pocketsphinx's live CMN only adapts at the end of an utterance (or after
            # 8 s): restarting at each pause lets it adapt to this room and voice within
            # the first sentence instead of missing the phrase.
            self.restart()

    def found(self) -> list[tuple[str, int, int]]:
        """The keyphrases found since the utterance began, (word, start, end) in stream
        samples; when there are any, the search starts a new utterance."""
        if self.decoder.hyp() is None:
            return []
        segs = [s for s in self.decoder.seg() if s.word.strip()]
        utt_start = self.start
        self.restart(self.search)
        return [
            (
                seg.word.strip(),
                utt_start + seg.start_frame * SAMPLES_PER_FRAME,
                utt_start + (seg.end_frame + 1) * SAMPLES_PER_FRAME,
            )
            for seg in segs
        ]

    def cmn(self) -> str:
        """The cepstral mean as it has it now, brought up to date with what it heard since
        its utterance began. Resting, it hears the ring now for it (a keyphrase search is
        cheap), then forgets it and rests again."""
        if not self.resting:
            return self.decoder.get_cmn(True)
        self.restart()
        feed(self.decoder, self._front.ring)
        cmn = self.decoder.get_cmn(True)
        self.restart()
        self.resting = True
        return cmn
