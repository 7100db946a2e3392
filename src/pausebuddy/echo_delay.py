"""When its voice reaches the microphone, measured from the two signals.

The echo canceller needs what was played lined up with what the microphone hears, to
within its tail (echo.TAIL, 256 ms). Live, that offset is not known in advance: the
microphone's stream may start delivering a second or more after the loop's clock began
(PulseAudio: 1.4 s here), clips queued late play late, and the sound server and speaker
add their own latency. Reasoning from clocks got it wrong by 1.4 s through PulseAudio. So
it is measured: every second while it speaks, the last 3 s of the microphone are
cross-correlated with what it played, and a clear peak that holds twice in a row gives
the delay. Offline (a WAV file) the same measurement finds the room's delay.

The same comparison checks a word heard over its voice (`left_db`): live, its timing can
shift (a stream that ran dry plays the rest late), and until the delay is measured again
the canceller takes nothing out, so its own "seven" reached the "stop" spotter whole and
counted as a person's "stop". Fitted to what it played at the best offset, its own voice
explains nearly all of such a word; a person's "stop" over it, at most what the echo adds.
"""

from __future__ import annotations

import numpy as np

from pausebuddy.audio import RATE_HZ
from pausebuddy.echo import FRAME

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
_LOUD_DB = 20.0
"""Frames of a word `left_db` judges (the canceller's 10 ms ones): those within this of
its loudest."""
FIT_TAPS = 9
"""Taps of the filter its voice is fitted through in `left_db` (±0.25 ms)."""


class EchoDelay:
    """`delay` (samples): its voice scheduled at sample t is in the microphone at
    t + delay. `observe` each microphone block with what was played around it."""

    def __init__(self) -> None:
        self.delay = 0
        self._mic = np.zeros(0, dtype=np.float32)
        self._end = 0
        """The sample after the last of `_mic`."""
        self._next = EVERY
        self._candidate: int | None = None

    def observe(self, mic: np.ndarray, end: int, played) -> bool:
        """`mic` ends at sample `end`; `played(start, n)` gives what was scheduled over
        those samples. True when the delay changed (the canceller must learn anew)."""
        self._mic = np.concatenate([self._mic, np.asarray(mic, dtype=np.float32)])[-WINDOW:]
        self._end = end
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

    def left_db(self, start: int, end: int, played) -> float | None:
        """Over microphone samples start..end (within the last 3 s), how much its own
        voice does not explain (dB): what is left after the best fit of what it played
        there, at any offset it may reach the microphone by, through a short filter (the
        sound server's resampling puts it between samples): the median over its loud 10
        ms frames. Near 0 for a person talking (over its voice or not), far below for its
        voice alone; 0 when nothing was played that could explain it. None when those
        samples are no longer kept."""
        first = self._end - len(self._mic)
        if start < first or end > self._end or end - start < FIT_TAPS * 8:
            return None
        mic = self._mic[start - first : end - first].astype(np.float64)
        reference = played(
            start - LATEST - FIT_TAPS, end - start + LATEST - EARLIEST + 2 * FIT_TAPS
        ).astype(np.float64)
        # Every offset is tried where anything was played (-60 dB): a word's quiet
        # tail must be found too (with the delay measurement's floor its "six" was not).
        norm = _correlations(mic, reference[FIT_TAPS:-FIT_TAPS], step=1, floor=1e-6)
        if norm is None or not norm.any():
            return 0.0
        at = FIT_TAPS + int(np.argmax(norm))
        taps = np.stack(
            [
                reference[at + k : at + k + len(mic)]
                for k in range(-(FIT_TAPS // 2), FIT_TAPS // 2 + 1)
            ],
            axis=1,
        )
        fit, *_ = np.linalg.lstsq(taps, mic, rcond=None)
        # Per 10 ms frame, the median, as the canceller's left_db: a word the spotter
        # placed partly over the end of its own word is judged by most of its frames,
        # not by the loud echo in a few of them (that took a person's "stop" for its own).
        # Only frames within _LOUD_DB of the loudest count: no fit explains the room's
        # noise, and its quiet frames put its own words near the line (-14.1 dB live).
        frames = len(mic) // FRAME * FRAME
        residual = ((mic - taps @ fit)[:frames].reshape(-1, FRAME) ** 2).sum(axis=1)
        heard = (mic[:frames].reshape(-1, FRAME) ** 2).sum(axis=1)
        loud = heard >= heard.max() * 10 ** (-_LOUD_DB / 10)
        left = np.median(residual[loud] / np.maximum(heard[loud], 1e-9))
        return float(10 * np.log10(max(left, 1e-9)))


def _correlations(
    mic: np.ndarray, reference: np.ndarray, step: int = _DECIMATE, floor: float = 0.1
) -> np.ndarray | None:
    """Normalized correlation of `mic` with `reference` at each offset into it (every
    `step` samples), 0 where less than `floor` of the most was played; None when either
    is silent."""
    m = mic[::step].astype(np.float64)
    r = reference[::step].astype(np.float64)
    if not r.any() or not m.any():
        return None
    size = 1 << int(np.ceil(np.log2(len(m) + len(r))))
    corr = np.fft.irfft(np.fft.rfft(r, size) * np.conj(np.fft.rfft(m, size)), size)
    lags = len(r) - len(m) + 1
    corr = corr[:lags]
    # The reference's energy under the microphone's window, at each offset.
    energy = np.concatenate([[0.0], np.cumsum(r**2)])
    under = energy[len(m) : len(m) + lags] - energy[:lags]
    # Offsets where little was played are not compared (no voice there to match).
    return np.where(
        under > max(floor * under.max(), 1e-9),
        corr / np.sqrt(np.maximum(under, 1e-9) * (m**2).sum()),
        0.0,
    )


def _peak(mic: np.ndarray, reference: np.ndarray) -> int | None:
    """Offset into `reference` where `mic` matches it best, if the match is clear."""
    norm = _correlations(mic, reference)
    if norm is None:
        return None
    best = int(np.argmax(norm))
    return best * _DECIMATE if norm[best] >= CLEAR else None
