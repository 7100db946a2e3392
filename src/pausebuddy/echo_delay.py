"""When its voice reaches the microphone, measured from the two signals.

The echo canceller needs what was played lined up with what the microphone hears, to
within its tail (echo.TAIL, 256 ms). Live, that offset is not known in advance: the
microphone's stream may start delivering a second or more after the loop's clock began
(PulseAudio: 1.4 s here), clips queued late play late, and the sound server and speaker
add their own latency. Reasoning from clocks got it wrong by 1.4 s through PulseAudio. So
it is measured: every second while it speaks, the last 3 s of the microphone are
cross-correlated with what it played, and a clear peak that holds twice in a row gives
the delay. Offline (a WAV file) the same measurement finds the room's delay.
"""

from __future__ import annotations

import numpy as np

from pausebuddy.audio import RATE_HZ

WINDOW = 3 * RATE_HZ
"""Microphone samples compared with what it played."""
EARLIEST = -RATE_HZ
"""Its voice may reach the microphone this much before its scheduled time (the loop's
clock runs behind the microphone's when clips are queued ahead)..."""
LATEST = 2 * RATE_HZ
"""... or this much after (a late stream start, a slow sound server, Bluetooth)."""
EVERY = RATE_HZ
"""How often it measures while it speaks."""
CLEAR = 0.3
"""Normalized correlation of a peak that is its voice (its voice alone at any level
comes out near 0.5-0.9; someone talking over it lowers it)."""
AGREE = RATE_HZ // 50
"""Two measurements within 20 ms of each other agree."""
REACH = RATE_HZ // 20
"""A delay this close to the one in use needs no change (50 ms): the canceller's tail
covers it (a room's own 40 ms, offline)."""
_DECIMATE = 2
"""Measured at 8 kHz: half the work, and 1/8 ms is finer than the canceller needs."""


class EchoDelay:
    """`delay` (samples): its voice scheduled at sample t is in the microphone at
    t + delay. `observe` each microphone block with what was played around it."""

    def __init__(self) -> None:
        self.delay = 0
        self._mic = np.zeros(0, dtype=np.float32)
        self._next = EVERY
        self._candidate: int | None = None

    def observe(self, mic: np.ndarray, end: int, played) -> bool:  # noqa: ANN001
        """`mic` ends at sample `end`; `played(start, n)` gives what was scheduled over
        those samples. True when the delay changed (the canceller must learn anew)."""
        self._mic = np.concatenate([self._mic, np.asarray(mic, dtype=np.float32)])[-WINDOW:]
        if end < self._next or len(self._mic) < WINDOW:
            return False
        self._next = end + EVERY
        start = end - WINDOW
        reference = played(start - LATEST, WINDOW + LATEST - EARLIEST)
        found = _peak(self._mic, reference)
        if found is None:
            return False
        delay = LATEST - found
        if self._candidate is None or abs(delay - self._candidate) > AGREE:
            self._candidate = delay
            return False
        self._candidate = None
        if abs(delay - self.delay) <= REACH:
            return False
        self.delay = delay
        return True


def _peak(mic: np.ndarray, reference: np.ndarray) -> int | None:
    """Offset into `reference` where `mic` matches it best, if the match is clear."""
    m = mic[::_DECIMATE].astype(np.float64)
    r = reference[::_DECIMATE].astype(np.float64)
    if not r.any() or not m.any():
        return None
    size = 1 << int(np.ceil(np.log2(len(m) + len(r))))
    corr = np.fft.irfft(np.fft.rfft(r, size) * np.conj(np.fft.rfft(m, size)), size)
    lags = len(r) - len(m) + 1
    corr = corr[:lags]
    # The reference's energy under the microphone's window, at each offset.
    energy = np.concatenate([[0.0], np.cumsum(r**2)])
    under = energy[len(m):len(m) + lags] - energy[:lags]
    # Offsets where little was played are not compared (no voice there to match).
    norm = np.where(under > 0.1 * under.max(),
                    corr / np.sqrt(np.maximum(under, 1e-9) * (m**2).sum()), 0.0)
    best = int(np.argmax(norm))
    if norm[best] < CLEAR:
        return None
    return best * _DECIMATE
