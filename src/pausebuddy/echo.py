"""Its own voice taken out of what the microphone hears, so "stop" said over it is heard.

pausebuddy knows exactly what it played; the microphone hears that again, delayed and
coloured by the room. Two steps:
- speex's echo canceller (libspeexdsp, through ctypes: a Debian library on every Pi OS,
  nothing to build) learns that path from the played audio and subtracts its estimate.
  Measured on a simulated room (40 ms, 150 ms of reverberation, -10 dB and 0 dB): 10-25 dB
  less echo after 8 s of its voice, 35-45 dB after 30 s, whatever the loudness.
- what the canceller leaves of its voice still sounds like talk to the recognizer, which
  then decodes words around "stop" and in the pauses. So a frame (10 ms) goes on only when
  the canceller took little out of it, i.e. it is mostly someone else (or nothing was
  played): its residual is within `TALK_OVER_DB` of what the microphone heard. Measured on
  the same room, after the first 15 s: "stop" frames median -0.5 dB, frames of only its
  voice median -41 dB, 99th percentile -14 dB. The rest of the block becomes silence.
  While the canceller is still learning (its first seconds after start) more gets through,
  so `learned` says when it has: the loop stays deaf to its own voice until then.
WebRTC's canceller (AEC3, through livekit) was tried first: it took the "s" and "p" out of
"stop" said over its voice, even with no echo at all, and the recognizer heard "of".
"""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np

from pausebuddy.audio import RATE_HZ

FRAME = RATE_HZ // 100
"""Samples per canceller and gate frame (10 ms)."""
TAIL = 4096
"""Echo path the canceller can learn (256 ms): the sound server's latency plus the room."""
TALK_OVER_DB = -6.0
"""A frame whose residual is within this of the microphone is someone else talking."""
HANGOVER_FRAMES = 20
"""After such a frame, 200 ms more go on: the quiet end of a word ("sto-p")."""
LEAD_FRAMES = 5
"""And 50 ms before it (within the block): the quiet start of a word ("s-top")."""
LEARNED_DB = 25.0
FORGET_DB = 10.0
QUIET_ENERGY = 1e3
"""Mean square of a residual that is as good as silence (about -50 dBFS)."""
LEARN_BLOCKS = 5
"""Blocks in a row (while it plays) that show it has learned the room."""
QUIET_LEARN_FRAMES = 250
"""Frames played in a row (2.5 s) that a microphone hearing near silence needs to show
it: its voice may reach the microphone up to 2 s after its time (echo_delay.LATEST), and
until then quiet proves nothing. Live on a busy machine it was taken for learned 2 s into
its first line, before its voice had arrived, and its own "stop" then counted."""
FORGET_BLOCKS = 30
"""Blocks in a row that show it has not (the room changed): far longer than a "stop"."""
WORSE = 2.0
"""A residual frame with more than this times the microphone's energy is not used."""
SOMEONE_ELSE_DB = -14.0
"""A word over its voice is someone else's when the canceller left at least this much of
it (`left_db`; echo_delay's fit is held to the same line). Measured offline
(scripts/bench_barge_in.py): "stop" said over its voice -6.1 dB and above; its own voice
taken for "stop" -21.2 dB and below. Live (tests/test_live_audio.py): its own voice -17.2
dB and below, the played "stop" -2.8 dB and above but once -11.2 dB (the spotter placed
the word partly over the end of its own count), hence a line nearer its own voice than
the offline figures alone put it (it was -10 dB)."""
HISTORY_FRAMES = 300
"""How far back `left_db` can look (3 s): longer than a spotted "stop"."""
REST_S = 0.5
"""After it last played, the canceller rests: the echo has died away by then."""

_SET_SAMPLING_RATE = 24  # SPEEX_ECHO_SET_SAMPLING_RATE in speex_echo.h


class EchoError(RuntimeError):
    pass


def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("speexdsp") or "libspeexdsp.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise EchoError(
            "The echo canceller needs libspeexdsp (Debian package libspeexdsp1; "
            "scripts/setup.sh installs it). Without it pausebuddy does not listen "
            f"while it speaks. ({exc})"
        ) from exc
    lib.speex_echo_state_init.restype = ctypes.c_void_p
    lib.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_echo_cancellation.restype = None
    lib.speex_echo_cancellation.argtypes = [ctypes.c_void_p] * 4
    lib.speex_echo_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    lib.speex_echo_state_destroy.argtypes = [ctypes.c_void_p]
    return lib


class EchoCanceller:
    """Feed it every block the microphone gives, with what was played over it."""

    def __init__(self) -> None:
        self._lib = _library()
        self._state = self._lib.speex_echo_state_init(FRAME, TAIL)
        rate = ctypes.c_int(RATE_HZ)
        self._lib.speex_echo_ctl(self._state, _SET_SAMPLING_RATE, ctypes.byref(rate))
        self._quiet = REST_S * RATE_HZ  # samples since it last played
        self._hangover = 0
        self._pending_mic = np.zeros(0, dtype=np.int16)
        self._pending_ref = np.zeros(0, dtype=np.int16)
        self._learned = False
        self._against = 0
        """Blocks in a row whose cancelling says the opposite of `_learned`."""
        self._quiet_frames = 0
        """Frames judged in a row in which the microphone heard near silence."""
        self._resting = False
        self._fed = 0
        """Samples given so far: the position of what comes back."""
        self._left = np.zeros(0)
        self._left_at = np.zeros(0, dtype=np.int64)
        """Lately, per frame: the share of the microphone's energy the canceller left,
        and the frame's first sample."""

    @property
    def learned(self) -> bool:
        """It has learned the room: of late, what is left of its voice is `LEARNED_DB`
        below what the microphone heard, or it heard near silence for longer than its voice
        can take to arrive (`QUIET_LEARN_FRAMES`). Until then what gets through
        can sound like "stop" (measured: its "tip of" in the first 12 s). Once learned it
        takes `FORGET_DB` to be unlearned again, so a "stop" is not cut off midway."""
        return self._learned

    def _judge(self, mic_energy: np.ndarray, res_energy: np.ndarray) -> None:
        """One block's frames while it played (someone talking over it left out)."""
        if not len(mic_energy):
            return
        need = FORGET_DB if self._learned else LEARNED_DB
        if mic_energy.mean() <= QUIET_ENERGY:
            # It heard next to nothing while it played: its voice is not there yet, or
            # never comes (a quiet speaker, a file without it).
            self._quiet_frames += len(mic_energy)
            good = self._learned or self._quiet_frames >= QUIET_LEARN_FRAMES
        else:
            self._quiet_frames = 0
            good = (
                res_energy.sum() * 10 ** (need / 10) <= mic_energy.sum()
                or res_energy.mean() <= QUIET_ENERGY
            )
        self._against = 0 if good == self._learned else self._against + 1
        if self._against >= (FORGET_BLOCKS if self._learned else LEARN_BLOCKS):
            self._learned, self._against = good, 0

    def __del__(self) -> None:
        state, self._state = getattr(self, "_state", None), None
        if state:
            self._lib.speex_echo_state_destroy(state)

    def process(self, mic: np.ndarray, reference: np.ndarray, at: int | None = None) -> np.ndarray:
        """`mic` with its own voice taken out; `reference`: what it played over the same
        samples, as the microphone's clock sees it; `at`: the stream's sample where `mic`
        starts (for `left_db`; by default right after the last block). As many samples
        come back as went in (a block that is not whole frames lags by the part frame)."""
        reference = np.clip(np.round(reference), -32768, 32767).astype(np.int16)
        self._fed = (self._fed if at is None else at) + len(mic)
        self._quiet = 0 if reference.any() else self._quiet + len(reference)
        if self._quiet >= REST_S * RATE_HZ and not len(self._pending_mic):
            self._hangover = 0
            self._resting = True
            return mic  # nothing played lately: nothing to take out
        if self._resting:
            # Its history still holds the end of the last line: silence clears it, so
            # the echo of the next line is not set against an old one.
            self._resting = False
            silence, out = np.zeros(FRAME, dtype=np.int16), np.zeros(FRAME, dtype=np.int16)
            for _ in range(-(-TAIL // FRAME)):
                self._lib.speex_echo_cancellation(
                    self._state, silence.ctypes.data, silence.ctypes.data, out.ctypes.data
                )
        mic_all = np.concatenate([self._pending_mic, np.asarray(mic, dtype=np.int16)])
        ref_all = np.concatenate([self._pending_ref, reference])
        whole = len(mic_all) // FRAME * FRAME
        self._pending_mic, self._pending_ref = mic_all[whole:], ref_all[whole:]
        mic_frames = np.ascontiguousarray(mic_all[:whole])
        ref_frames = np.ascontiguousarray(ref_all[:whole])
        out = np.empty_like(mic_frames)
        for i in range(0, whole, FRAME):
            self._lib.speex_echo_cancellation(
                self._state,
                mic_frames[i:].ctypes.data,
                ref_frames[i:].ctypes.data,
                out[i:].ctypes.data,
            )
        out = self._gate(mic_frames, out, ref_frames)
        if len(out) < len(mic):  # a part frame held back: silence stands in for it
            out = np.concatenate([np.zeros(len(mic) - len(out), dtype=np.int16), out])
        return out[-len(mic) :] if len(out) > len(mic) else out

    def left_db(self, start: int, end: int) -> float:
        """Over samples start..end, how much of what the microphone heard the canceller
        left (dB, the median over frames): near 0 when someone else was talking, far
        below when it was its own voice. Frames it did not process (nothing had been
        played for a while) count as 0 dB: all of it was someone else."""
        frames = max(-(-(end - start) // FRAME), 1)
        left = self._left[(self._left_at > start - FRAME) & (self._left_at < end)]
        left = np.concatenate([left, np.ones(max(frames - len(left), 0))])
        return float(10 * np.log10(max(np.median(left), 1e-9)))

    def _gate(self, mic: np.ndarray, residual: np.ndarray, reference: np.ndarray) -> np.ndarray:
        frames = len(mic) // FRAME
        if not frames:
            return residual
        first = self._fed - len(self._pending_mic) - frames * FRAME
        mic_energy = (mic.astype(np.float64).reshape(frames, FRAME) ** 2).mean(axis=1)
        res_energy = (residual.astype(np.float64).reshape(frames, FRAME) ** 2).mean(axis=1)
        # Louder than what came in: the canceller's idea of the room is off (it learned
        # from someone talking over it, or the room changed). Then the microphone is
        # the better guess; the canceller relearns.
        worse = res_energy > WORSE * mic_energy
        residual = np.where(np.repeat(worse, FRAME), mic, residual)
        res_energy = np.where(worse, mic_energy, res_energy)
        talk = res_energy * 10 ** (-TALK_OVER_DB / 10) >= mic_energy
        playing = (reference.astype(np.float64).reshape(frames, FRAME) ** 2).mean(axis=1) > 0
        self._left = np.concatenate([self._left, res_energy / np.maximum(mic_energy, 1.0)])[
            -HISTORY_FRAMES:
        ]
        self._left_at = np.concatenate([self._left_at, first + FRAME * np.arange(frames)])[
            -HISTORY_FRAMES:
        ]
        judged = playing & ~talk if self._learned else playing
        self._judge(mic_energy[judged], res_energy[judged])
        keep = np.zeros(frames, dtype=bool)
        for k in range(frames):
            if talk[k : k + LEAD_FRAMES + 1].any():
                self._hangover = HANGOVER_FRAMES
            if self._hangover:
                keep[k] = True
                self._hangover -= 1
        return residual * np.repeat(keep, FRAME).astype(np.int16)
