"""Noise suppression in front of the recognizer: WebRTC's noise suppressor (through
webrtc-noise-gain, as Home Assistant's voice satellites use it). It takes steady noise (a
fan, traffic, a hum) out of each 10 ms frame; another voice it mostly leaves."""

from __future__ import annotations

import numpy as np
from webrtc_noise_gain import AudioProcessor

from pausebuddy.hearing import SAMPLE_RATE_HZ

FRAME = SAMPLE_RATE_HZ // 100
"""The suppressor's frame: 10 ms."""


class NoiseSuppressor:
    """Blocks of any length in, the same audio with less noise out. A block's last
    partial frame waits for the next block (the output is behind by less than a frame;
    the microphone's 100 ms blocks leave none)."""

    def __init__(self, level: int) -> None:
        """`level`: 1 (least) to 4 (most suppression)."""
        self._processor = AudioProcessor(0, level)  # 0: no automatic gain
        self._rest = np.zeros(0, dtype=np.int16)

    def process(self, samples: np.ndarray) -> np.ndarray:
        pending = np.concatenate([self._rest, np.asarray(samples, dtype=np.int16)])
        whole = len(pending) // FRAME * FRAME
        self._rest = pending[whole:]
        raw = pending[:whole].tobytes()
        out = b"".join(
            self._processor.Process10ms(raw[i : i + 2 * FRAME]).audio
            for i in range(0, len(raw), 2 * FRAME)
        )
        return np.frombuffer(out, dtype=np.int16)
