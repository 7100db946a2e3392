"""The stream as every stage hears it: WebRTC's noise suppression, voice activity, the
sample clock, and the last few seconds of audio (what a stage replays or judges)."""

from __future__ import annotations

import numpy as np

from pausebuddy.activity import WINDOW_S, Activity
from pausebuddy.hearing import SAMPLE_RATE_HZ
from pausebuddy.hearing.denoise import NoiseSuppressor

RING_S = 5.0
"""Audio kept: a command window's replay, a phrase model's window, the verifier's 3 s
window ending a little after a phrase (which it judges a block or two later), and a
time-out with the length said after it ("pause buddy, time out for forty five minutes",
judged whole up to 2.4 s after the time-out: with 3.5 s its start was cut off, and "for
forty five minutes" was heard as "for five minutes")."""
REST_AFTER = SAMPLE_RATE_HZ
"""A second without speech is a quiet room: the stages that cost as much on silence as on
talk rest."""


class FrontEnd:
    def __init__(self, noise_suppression: int) -> None:
        """`noise_suppression`: hearing.noise_suppression (0 off, 1-4)."""
        self.vad = Activity()
        self._denoise = NoiseSuppressor(noise_suppression) if noise_suppression else None
        self.pos = 0
        """Samples seen so far: the stream clock."""
        self.speech_seen = 0
        """Where the VAD last heard speech."""
        self.ring = np.zeros(0, dtype=np.int16)
        """The last RING_S of the stream, as the stages hear it (noise suppressed)."""
        self.raw_ring = self.ring
        """The same stretch as heard, before the noise suppression: what the "stop" spotter
        hears."""

    @property
    def in_speech(self) -> bool:
        return self.vad.in_speech

    @property
    def quiet_room(self) -> bool:
        return not self.vad.in_speech and self.pos - self.speech_seen >= REST_AFTER

    @property
    def ring_start(self) -> int:
        """The stream sample the ring begins at."""
        return self.pos - len(self.ring)

    def hear(self, raw: np.ndarray, suppress: bool = True) -> tuple[np.ndarray, int | None, bool]:
        """The next block (`suppress`: through the noise suppression): (the block as the
        stages hear it, the sample where speech began in it or None, whether it ended)."""
        samples = raw
        if self._denoise is not None and suppress:
            samples = self._denoise.process(raw)
        self.pos += len(samples)
        keep = int(RING_S * SAMPLE_RATE_HZ)
        self.ring = np.concatenate([self.ring, samples])[-keep:]
        self.raw_ring = (
            self.ring if self._denoise is None else np.concatenate([self.raw_ring, raw])[-keep:]
        )
        began, ended = self._update_endpointer(samples)
        return samples, began, ended

    def skip(self, n_samples: int) -> None:
        """n samples not heard: the clock moves on, the rings and the VAD start afresh."""
        self.pos += n_samples
        self.ring = self.raw_ring = np.zeros(0, dtype=np.int16)
        self.vad.reset()

    def _update_endpointer(self, samples: np.ndarray) -> tuple[int | None, bool]:
        """Feed the VAD: (sample where speech began in this block or None, whether it ended)."""
        began, ended = None, False
        was = self.vad.in_speech
        for end_offset, now in self.vad.frames(samples):
            frame_end = self.pos + end_offset
            if now:
                self.speech_seen = frame_end
            if now and not was:
                # The endpointer decides after its window; speech began about then.
                began = frame_end - self.vad.frame - int(WINDOW_S * SAMPLE_RATE_HZ)
            ended = ended or (was and not now)
            was = now
        return began, ended
