"""The speaker: every line on one output stream, mixed in at its exact sample position.

Each line used to play on a stream of its own. Through PulseAudio each new stream reached
the room with a latency of its own, so lines landed -82..+50 ms from their times: counts
off their grid, and an echo path that changed with every line, which the echo canceller
never settled on. Now one stream stays open while it speaks and each clip is placed on
that stream's sample clock: lines keep their spacing to the sample, and the room hears
them after one steady latency. The stream closes after a few quiet seconds and opens
afresh for the next line.

The stream lives in a small process of its own (`python -m pausebuddy.speaker`): the
loop's pocketsphinx holds Python's GIL while it decodes, up to 0.25 s at a time here, and
a stream callback that waits that long runs dry (its timing slipped by seconds in a live
test). The loop's `Speaker` sends it clips through a pipe and hears back when it fails
or works again.

A failing speaker never stops the loop: it logs once, keeps trying (opening the device
again with growing pauses), and says when it works again. `working` and `failed_from_s`
tell the loop what may not have been heard.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

import numpy as np

from pausebuddy import LOG_FORMAT, audio
from pausebuddy.audio import PORTAUDIO_LOCK, RETRY_S, AudioError, resample
from pausebuddy.voice import Clip

_LOGGER = logging.getLogger("pausebuddy.speaker")
"""By name: in the player process this module runs as __main__."""

MARGIN_S = 0.05
"""The first line after the stream opens is placed this much after the earliest frame it
could take: lines that follow may come this much later than it (the microphone's blocks
arrive unevenly) and still keep their spacing."""
IDLE_CLOSE_S = 10.0
"""The stream closes after this long with nothing to play (a session's lines follow each
other within seconds; the reminder twenty minutes later opens it afresh)."""
STALL_S = 2.0
"""An open stream that asks for no audio this long has lost its device (an unplugged USB
speaker, a sink that went away)."""


class Mixer:
    """Clips placed on a stream's sample clock, and the audio the stream asks for.

    No device here: `fill` is called from the stream's callback, `add` and `cut` from
    another thread, hence the lock. Times: `start_s` is on the loop's clock, `epoch_s`
    is the wall clock at its 0, and the stream's frame 0 reaches the speaker at the wall
    time the first `fill` reports."""

    def __init__(self, rate_hz: int, epoch_s: float | None, margin_s: float = MARGIN_S) -> None:
        """`epoch_s` None: no clock, each clip plays as soon as the one before has ended."""
        self.rate_hz = rate_hz
        self._epoch = epoch_s
        self._margin = int(round(margin_s * rate_hz))
        self._lock = threading.Lock()
        self._waiting: list[tuple[np.ndarray, float | None]] = []
        """Added before the stream said when its frame 0 plays."""
        self._placed: list[tuple[int, np.ndarray, float | None]] = []
        """(first frame, float samples at rate_hz, start_s) still to be played (in whole)."""
        self.frames_done = 0
        """Frames handed to the stream so far."""
        self._zero_at: float | None = None
        """Wall time at which frame 0 plays."""
        self._shift: int | None = None
        """Frames every clip is placed after its time: the stream's latency at opening
        (plus the margin), then only ever grown when a clip comes too late for its frame."""
        self._first_shift: int | None = None
        self._end = 0
        """The frame after the last clip placed."""

    def add(self, samples: np.ndarray, start_s: float | None) -> float:
        """`start_s` None: as soon as it can, after what is placed already. Returns how
        much later than the stream's first line it plays relative to its time (s): more
        than 0 when a line came too late for its place and moved the lines after it."""
        with self._lock:
            self._waiting.append((samples, start_s))
            if self._zero_at is not None:
                self._place_waiting()
            return self.moved_s

    @property
    def moved_s(self) -> float:
        if self._shift is None or self._first_shift is None:
            return 0.0
        return (self._shift - self._first_shift) / self.rate_hz

    def cut(self) -> None:
        """Nothing more of what was added: it was interrupted."""
        with self._lock:
            self._waiting.clear()
            self._placed.clear()

    def busy(self) -> bool:
        with self._lock:
            return bool(self._waiting or self._placed)

    def unplayed_from_s(self) -> float | None:
        """Start time of the first clip not yet handed to the stream whole."""
        with self._lock:
            starts = [s for _, s in self._waiting] + [s for _, _, s in self._placed]
            starts = [s for s in starts if s is not None]
        return min(starts) if starts else None

    def fill(self, out: np.ndarray, now_wall_s: float, latency_s: float) -> None:
        """The next `len(out)` frames; the first of them plays `latency_s` after
        `now_wall_s`."""
        with self._lock:
            if self._zero_at is None:
                self._zero_at = now_wall_s + latency_s - self.frames_done / self.rate_hz
                self._place_waiting()
            first, n = self.frames_done, len(out)
            out[:] = 0
            for at, samples, _ in self._placed:
                lo, hi = max(at, first), min(at + len(samples), first + n)
                if lo < hi:
                    out[lo - first : hi - first] += samples[lo - at : hi - at]
            self.frames_done += n
            self._placed = [p for p in self._placed if p[0] + len(p[1]) > self.frames_done]

    def _place_waiting(self) -> None:
        for samples, start_s in self._waiting:
            at = self._frame_for(start_s)
            self._placed.append((at, samples, start_s))
            self._end = max(self._end, at + len(samples))
        self._waiting.clear()

    def _frame_for(self, start_s: float | None) -> int:
        earliest = self.frames_done
        if self._epoch is None or start_s is None:
            return max(earliest + self._margin, self._end)
        at = int(round((self._epoch + start_s - self._zero_at) * self.rate_hz))
        if self._shift is None:
            self._shift = self._first_shift = max(0, earliest + self._margin - at)
        if at + self._shift < earliest:
            _LOGGER.debug(
                "A line came %.0f ms too late for its place: later ones move too.",
                1000 * (earliest - at - self._shift) / self.rate_hz,
            )
            self._shift = earliest - at
        return at + self._shift


class _Stream:
    """One open output stream and what belongs to it alone (a closed stream's late
    callbacks must not touch the next one's)."""

    def __init__(self, mixer: Mixer) -> None:
        self.mixer = mixer
        self.stream = None
        self.ended = threading.Event()
        """Its callbacks have finished (on closing, or because the device went)."""
        self.closing = False
        self.last_fill = time.monotonic()
        self.underflows = 0


class Speaker:
    """The loop's side of the speaker: clips go to the player process (`_Player`), which
    reports back when it fails or works again; a player that dies is started again."""

    def __init__(
        self, device: str | None, epoch_s: float | None = None, keep_trying: bool = False
    ) -> None:
        """`epoch_s`: the wall clock at audio time 0; each clip plays at its start time,
        however early it was queued. Without it, clips play one after another as they
        come. `keep_trying`: a speaker that cannot be opened now is not an error."""
        import sounddevice as sd

        self._device, self._epoch = device, epoch_s
        self.working = True
        self.failed_from_s: float | None = None
        """Start time (audio clock) of the first clip that failed since it last worked."""
        self.speaking = False
        """Whether it had something to play when it last failed or came back."""
        try:
            sd.check_output_settings(device=audio.device_id(device), samplerate=22050, channels=1)
        except (sd.PortAudioError, ValueError) as exc:
            message = audio.no_device_message("speaker", device, exc)
            if not keep_trying:
                raise AudioError(message) from exc
            _LOGGER.warning("%s It keeps trying.", message)
            self.working, self.failed_from_s = False, 0.0
        self._send_lock = threading.Lock()
        self._closing = False
        self._restarts = 0
        """Times in a row the player ended without working in between."""
        self._moves: queue.SimpleQueue[tuple[float, float]] = queue.SimpleQueue()
        self._start_player()

    def _start_player(self) -> None:
        player_reads, loop_writes = os.pipe()
        loop_reads, player_writes = os.pipe()
        level = logging.getLogger().getEffectiveLevel()
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pausebuddy.speaker",
                str(player_reads),
                str(player_writes),
                self._device or "",
                "" if self._epoch is None else repr(self._epoch),
                "1" if self.working else "0",
                str(level),
            ],
            pass_fds=(player_reads, player_writes),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # Ctrl-C goes to the loop, which closes it
        os.close(player_reads)
        os.close(player_writes)
        self._conn = Connection(loop_writes, readable=False)
        reports = Connection(loop_reads, writable=False)
        threading.Thread(target=self._listen, args=(reports, self._process), daemon=True).start()

    def _listen(self, reports: Connection, process: subprocess.Popen) -> None:
        """Keeps what the player reports; starts it again if it died."""
        while True:
            try:
                kind, *report = reports.recv()
            except (EOFError, OSError):
                break
            if kind == "moved":
                self._moves.put(tuple(report))
                continue
            self.working, self.failed_from_s, self.speaking = report
            if self.working:
                self._restarts = 0
        reports.close()
        process.wait()
        if self._closing:
            return
        _LOGGER.warning(
            "The speaker's player ended (exit code %s); it starts it again.", process.returncode
        )
        if self.working:
            # What it was saying is lost: from now on, as far as anyone can tell.
            self.working, self.failed_from_s = False, time.time() - (self._epoch or 0.0)
        time.sleep(RETRY_S[min(self._restarts, len(RETRY_S) - 1)])
        self._restarts += 1
        with self._send_lock:
            self._conn.close()
            self._start_player()

    def play(self, clip: Clip, start_s: float) -> None:
        self._send(("play", clip.samples, clip.rate_hz, start_s))

    def moved(self) -> list[tuple[float, float]]:
        """(start_s, seconds) of lines that play later than their time (since last asked):
        they came too late for their place, so they and the lines after them moved."""
        moves = []
        with contextlib.suppress(queue.Empty):
            while True:
                moves.append(self._moves.get_nowait())
        return moves

    def extend_to(self, seconds: float) -> None:
        pass

    def cut(self, seconds: float) -> None:
        """Stop what is playing now and drop what is queued: it was interrupted."""
        self._send(("cut",))

    def close(self) -> None:
        """Let what is queued finish playing (it is short: one line at most)."""
        self._closing = True
        self._send(("close",))
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._conn.close()

    def _send(self, message: tuple) -> None:
        with self._send_lock:
            try:
                self._conn.send(message)
            except OSError:
                pass  # the player ended: _listen starts it again, this line is lost


class _Player:
    """Plays clips at their times on one output stream, from a thread of its own."""

    def __init__(
        self,
        device: str | None,
        epoch_s: float | None,
        working: bool,
        report: Callable[[bool, float | None, bool], None],
        moved: Callable[[float, float], None],
    ) -> None:
        """`report(working, failed_from_s, speaking)` when it fails or works again;
        `moved(start_s, seconds)` when the line at start_s plays that much late."""
        import sounddevice as sd

        self._sd = sd
        self._epoch = epoch_s
        self._device = audio.device_id(device)
        self._report = report
        self._moved = moved
        self.working = working
        self.failed_from_s: float | None = None if working else 0.0
        self._queue: queue.Queue[tuple[Clip, float | None, int] | None] = queue.Queue()
        self._cuts = 0
        """How many times it was interrupted: a clip queued before the latest cut is dropped."""
        self._cut_lock = threading.Lock()
        self._open_stream: _Stream | None = None
        self._idle_since = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def play(self, clip: Clip, start_s: float) -> None:
        self._queue.put((clip, start_s, self._cuts))

    def cut(self) -> None:
        """Stop what is playing now and drop what is queued: it was interrupted."""
        with self._cut_lock:
            with contextlib.suppress(queue.Empty):
                while True:
                    self._queue.get_nowait()
            self._cuts += 1
            if self._open_stream is not None:
                self._open_stream.mixer.cut()

    def close(self) -> None:
        """Let what is queued finish playing (it is short: one line at most)."""
        self._queue.put(None)
        self._thread.join(timeout=15)

    def _speaking(self) -> bool:
        current = self._open_stream
        return not self._queue.empty() or (current is not None and current.mixer.busy())

    # -- the player's thread ----------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        while True:
            if not self.working:
                wait = RETRY_S[min(failures, len(RETRY_S) - 1)]
            else:
                wait = 0.2 if self._open_stream is not None else None
            try:
                item = self._queue.get(timeout=wait)
            except queue.Empty:
                item = ()
            if item is None:
                self._finish()
                return
            self._watch()
            if item:
                clip, start_s, cuts = item
                failures = 0 if self._add(clip, start_s, cuts) else failures + 1
            elif not self.working:
                # Nothing to say, but it is broken: try it (an open stream plays silence).
                audio.reread_devices()
                failures = 0 if self._reopen(_PROBE_RATE_HZ, None) else failures + 1
            elif (
                self._open_stream is not None
                and not self._open_stream.mixer.busy()
                and time.monotonic() - self._idle_since > IDLE_CLOSE_S
            ):
                self._close()

    def _add(self, clip: Clip, start_s: float | None, cuts: int) -> bool:
        """Hands the clip to the stream, opening it if need be; False if that failed."""
        if self._open_stream is None and not self._reopen(clip.rate_hz, start_s):
            return False
        current = self._open_stream
        samples = resample(clip.samples, clip.rate_hz, current.mixer.rate_hz) / 32768
        with self._cut_lock:
            if cuts == self._cuts:
                moved = current.mixer.add(samples, start_s)
                if moved and start_s is not None:
                    # The loop lines its echo canceller up with what is really played.
                    self._moved(start_s, moved)
        self._idle_since = time.monotonic()
        return True

    def _reopen(self, rate_hz: int, start_s: float | None) -> bool:
        """Opens the stream; after a failure, only once it takes audio again."""
        try:
            self._open(rate_hz)
        except (self._sd.PortAudioError, ValueError) as exc:
            self._failed(exc, start_s)
            return False
        self._idle_since = time.monotonic()
        if not self.working:
            # Opened is not playing: a sound server may open a stream to nowhere.
            current = self._open_stream
            deadline = time.monotonic() + STALL_S
            while (
                current.mixer.frames_done == 0
                and not current.ended.is_set()
                and time.monotonic() < deadline
            ):
                time.sleep(0.02)
            if current.mixer.frames_done == 0 or current.ended.is_set():
                self._close()
                return False
            _LOGGER.info("The speaker works again.")
            self.working, self.failed_from_s = True, None
            self._report(True, None, self._speaking())
        return True

    def _watch(self) -> None:
        """An open stream that stopped asking for audio has lost its device."""
        current = self._open_stream
        if current is None:
            return
        if current.mixer.busy():
            self._idle_since = time.monotonic()
        if current.ended.is_set() or time.monotonic() - current.last_fill > STALL_S:
            lost = current.mixer.unplayed_from_s()
            if lost is None and self._epoch is not None:
                lost = time.time() - self._epoch  # nothing queued: nothing before now lost
            self._close()
            self._failed("it stopped taking audio", lost)

    def _failed(self, exc: Exception | str, start_s: float | None) -> None:
        if self.working:
            _LOGGER.warning(
                "The speaker failed (%s); the session goes on and it keeps trying.", exc
            )
            self.working = False
            self.failed_from_s = start_s if start_s is not None else 0.0
            self._report(False, self.failed_from_s, self._speaking())

    def _open(self, rate_hz: int) -> None:
        sd = self._sd
        current = _Stream(Mixer(rate_hz, self._epoch))

        def fill(outdata, frames, time_info, status) -> None:
            current.last_fill = time.monotonic()
            if current.closing:
                raise sd.CallbackAbort
            if status.output_underflow:
                current.underflows += 1
            latency = time_info.outputBufferDacTime - time_info.currentTime
            # Some backends report no times (0): then the stream's own latency figure.
            if not 0.0 < latency < 2.0:
                latency = current.stream.latency
            current.mixer.fill(outdata[:, 0], time.time(), latency)

        with PORTAUDIO_LOCK:
            current.stream = sd.OutputStream(
                samplerate=rate_hz,
                channels=1,
                dtype="float32",
                device=self._device,
                callback=fill,
                finished_callback=current.ended.set,
            )
            try:
                current.last_fill = time.monotonic()
                current.stream.start()
            except BaseException:
                current.stream.close(ignore_errors=True)
                raise
            audio.open_streams += 1
        self._open_stream = current

    def _close(self) -> None:
        """Ends the stream from its own callback (stopping it from another thread hung in
        Pa_StopStream with PulseAudio), then closes it; a stream whose device is gone may
        never answer, so that happens on a thread nobody waits on for long."""
        current, self._open_stream = self._open_stream, None
        if current.underflows:
            _LOGGER.debug("The speaker's stream ran dry %d times while open.", current.underflows)
        current.closing = True
        current.ended.wait(timeout=1.0)

        def close() -> None:
            with PORTAUDIO_LOCK:
                current.stream.close(ignore_errors=True)
                audio.open_streams -= 1

        closer = threading.Thread(target=close, daemon=True)
        closer.start()
        closer.join(timeout=2.0)

    def _finish(self) -> None:
        """Closing: what was handed over plays out (bounded), then the stream closes."""
        current = self._open_stream
        if current is None:
            return
        deadline = time.monotonic() + 12.0
        while current.mixer.busy() and not current.ended.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        # ... and reaches the speaker: the device still holds its latency's worth.
        with contextlib.suppress(Exception):
            time.sleep(min(1.0, current.stream.latency) + 0.05)
        self._close()


_PROBE_RATE_HZ = 22050
"""The rate a stream is opened at to see if the speaker is back (the voices' rate)."""


def _serve(from_loop: str, to_loop: str, device: str, epoch: str, working: str, level: str) -> None:
    """The player process: clips from the pipe to the speaker, reports back. It ends
    when the loop closes it or goes away (its pipe ends), never on a signal: stopping,
    the loop cuts it off first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=int(level), format=LOG_FORMAT, stream=sys.stderr)
    requests = Connection(int(from_loop), writable=False)
    reports = Connection(int(to_loop), readable=False)
    send_lock = threading.Lock()

    def send(message: tuple) -> None:
        # The player's thread and its watchdog both report: one message at a time.
        with send_lock:
            reports.send(message)

    player = _Player(
        device or None,
        float(epoch) if epoch else None,
        working == "1",
        report=lambda *state: send(("state", *state)),
        moved=lambda *placed: send(("moved", *placed)),
    )
    while True:
        try:
            request = requests.recv()
        except (EOFError, OSError):
            player.cut()  # the loop is gone: so is anything it wanted said
            return
        if request[0] == "play":
            _, samples, rate_hz, start_s = request
            player.play(Clip(samples, rate_hz), start_s)
        elif request[0] == "cut":
            player.cut()
        else:
            player.close()
            return


if __name__ == "__main__":
    _serve(*sys.argv[1:])
