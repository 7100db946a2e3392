"""The speaker: every line on one output stream, mixed in at its exact sample position.

Each line used to play on a stream of its own. Through PulseAudio each new stream reached
the room with a latency of its own, so lines landed -82..+50 ms from their times: counts
off their grid, and an echo path that changed with every line, which the echo canceller
never settled on. Now one stream stays open while it speaks and each clip is placed on
that stream's sample clock: lines keep their spacing to the sample, and the room hears
them after one steady latency. The stream closes after a few quiet seconds and opens
afresh for the next line.

The stream lives in a small process of its own (`python -m pausebuddy.player`): the
loop's pocketsphinx holds Python's GIL while it decodes, up to 0.25 s at a time here, and
a stream callback that waits that long runs dry (its timing slipped by seconds in a live
test). The loop's `Speaker` sends it clips through a pipe (speaker_pipe.py) and hears
back when it fails or works again; the player is player.py, the mixing mixer.py.

A failing speaker never stops the loop: it logs once, keeps trying (opening the device
again with growing pauses), and says when it works again. `working` and `failed_from_s`
tell the loop what may not have been heard.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

from pausebuddy import audio
from pausebuddy.audio import RETRY_S, AudioError
from pausebuddy.speaker_pipe import Close, Cut, Moved, Play
from pausebuddy.voice import Clip

_LOGGER = logging.getLogger("pausebuddy.speaker")


class Speaker:
    """The loop's side of the speaker: clips go to the player process (player.py), which
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
                "pausebuddy.player",
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
                report = reports.recv()
            except (EOFError, OSError):
                break
            if isinstance(report, Moved):
                self._moves.put((report.start_s, report.seconds))
                continue
            self.working, self.failed_from_s = report.working, report.failed_from_s
            self.speaking = report.speaking
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
        self._send(Play(clip.samples, clip.rate_hz, start_s))

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
        self._send(Cut())

    def close(self) -> None:
        """Let what is queued finish playing (it is short: one line at most)."""
        self._closing = True
        self._send(Close())
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._conn.close()

    def _send(self, message: Play | Cut | Close) -> None:
        with self._send_lock:
            try:
                self._conn.send(message)
            except OSError:
                pass  # the player ended: _listen starts it again, this line is lost
