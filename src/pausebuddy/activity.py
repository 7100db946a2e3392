"""Is someone talking? Voice activity only: nothing is recognized or kept.

pocketsphinx's endpointer (a WebRTC-style VAD), fed blocks of any length. The
pocketsphinx engine uses it to find where speech starts and ends; the loop uses it so
grounding can wait while people name things and move on once they have finished.
pocketsphinx is installed whichever recognizer is configured.
"""

from __future__ import annotations

import numpy as np
from pocketsphinx import Endpointer

from pausebuddy.audio import RATE_HZ

WINDOW_S = 0.3
"""The endpointer decides over this much audio, so it calls speech about this late."""


class Activity:
    """One per listener, for its whole life: each pocketsphinx Endpointer made keeps
    20 kB of native memory that is never freed (measured with mallinfo), so starting
    over is `reset`, never a new Activity."""

    def __init__(self) -> None:
        self._endpointer = Endpointer(window=WINDOW_S, ratio=0.9, sample_rate=RATE_HZ)
        self.frame = self._endpointer.frame_bytes // 2
        """Samples per VAD frame."""
        self._pending = np.zeros(0, dtype=np.int16)

    @property
    def in_speech(self) -> bool:
        return self._endpointer.in_speech

    def frames(self, block: np.ndarray) -> list[tuple[int, bool]]:
        """Feed the next block: for each VAD frame it completes, where that frame ends
        (samples from the end of `block`, so 0 or less) and whether speech is on there."""
        buf = np.concatenate([self._pending, np.asarray(block, dtype=np.int16)])
        n = len(buf) // self.frame * self.frame
        out = []
        for i in range(0, n, self.frame):
            self._endpointer.process(buf[i : i + self.frame].tobytes())
            out.append((i + self.frame - len(buf), self._endpointer.in_speech))
        self._pending = buf[n:]
        return out

    def reset(self) -> None:
        """Forget what was heard: silence through the decision window ends any speech."""
        self._pending = np.zeros(0, dtype=np.int16)
        silence = bytes(self._endpointer.frame_bytes)
        for _ in range(int(2 * WINDOW_S * RATE_HZ / self.frame) + 1):
            self._endpointer.process(silence)

    def talking(self, block: np.ndarray) -> bool:
        """Feed the next block; True if speech was going on in it."""
        return any(speech for _, speech in self.frames(block))
