"""Is someone talking? Voice activity only: nothing is recognized or kept.

Grounding waits while people name things and moves on once they have finished; this
tells it when they talk. pocketsphinx's endpointer (WebRTC-style VAD) is used because
pocketsphinx is installed whichever recognizer is configured.
"""

from __future__ import annotations

import numpy as np
from pocketsphinx import Endpointer

from pausebuddy.audio import RATE_HZ


class Activity:
    def __init__(self) -> None:
        self._endpointer = Endpointer(window=0.3, ratio=0.9, sample_rate=RATE_HZ)
        self._frame = self._endpointer.frame_bytes // 2
        self._pending = np.zeros(0, dtype=np.int16)

    def talking(self, block: np.ndarray) -> bool:
        """Feed the next block; True if speech was going on in it."""
        buf = np.concatenate([self._pending, np.asarray(block, dtype=np.int16)])
        n = len(buf) // self._frame * self._frame
        talking = False
        for i in range(0, n, self._frame):
            self._endpointer.process(buf[i : i + self._frame].tobytes())
            talking = talking or self._endpointer.in_speech
        self._pending = buf[n:]
        return talking
