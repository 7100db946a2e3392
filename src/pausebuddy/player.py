"""The player process (`python -m pausebuddy.player`, started by speaker.py): clips from
the loop's pipe to one output stream (mixer.py), each at its exact time, and reports
back when the speaker fails or works again (speaker.py says why it is a process)."""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

from pausebuddy import LOG_FORMAT, audio
from pausebuddy.audio import PORTAUDIO_LOCK, RETRY_S, resample
from pausebuddy.mixer import Mixer
from pausebuddy.speaker_pipe import Cut, Moved, Play, State
from pausebuddy.voice import Clip

_LOGGER = logging.getLogger("pausebuddy.speaker")
"""By name: this module runs as __main__."""

IDLE_CLOSE_S = 10.0
"""The stream closes after this long with nothing to play (a session's lines follow each
other within seconds; the reminder twenty minutes later opens it afresh)."""
STALL_S = 2.0
"""An open stream that asks for no audio this long has lost its device (an unplugged USB
speaker, a sink that went away)."""


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

    def send(message: State | Moved) -> None:
        # The player's thread and its watchdog both report: one message at a time.
        with send_lock:
            reports.send(message)

    player = _Player(
        device or None,
        float(epoch) if epoch else None,
        working == "1",
        report=lambda *state: send(State(*state)),
        moved=lambda *placed: send(Moved(*placed)),
    )
    while True:
        try:
            request = requests.recv()
        except (EOFError, OSError):
            player.cut()  # the loop is gone: so is anything it wanted said
            return
        if isinstance(request, Play):
            player.play(Clip(request.samples, request.rate_hz), request.start_s)
        elif isinstance(request, Cut):
            player.cut()
        else:
            player.close()
            return


if __name__ == "__main__":
    _serve(*sys.argv[1:])
