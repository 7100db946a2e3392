"""pyttsx3 driving espeak-ng: the light voice that runs on any Pi."""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from pausebuddy.voice import Clip, VoiceError, trim_silence
from pausebuddy.voice.profiles import VoiceProfile

_LOGGER = logging.getLogger(__name__)
_WRITE_WAIT_S = 2.0


class EspeakVoice:
    def __init__(self, profile: VoiceProfile) -> None:
        try:
            import pyttsx3

            self._engine = pyttsx3.init("espeak")
        except (ImportError, RuntimeError, OSError) as exc:
            raise VoiceError(
                f"espeak-ng could not start ({exc}). Install it: sudo apt install espeak-ng"
                " (or run scripts/setup.sh)"
            ) from exc
        self._engine.setProperty("voice", profile.name)
        self._engine.setProperty("rate", profile.rate_wpm)
        self._engine.setProperty("volume", profile.volume)
        # Renders go to a private temporary directory and are read back at once; they hold
        # only pausebuddy's own lines, never anything a person said.
        self._tmp = tempfile.TemporaryDirectory(prefix="pausebuddy-voice-")

    def render(self, text: str) -> Clip:
        path = Path(self._tmp.name) / "line.wav"
        with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 prints "Audio saved to"
            self._engine.save_to_file(text, str(path))
            self._engine.runAndWait()
        # pyttsx3's espeak driver may return before its callback has written the file
        # (seen on a busy machine; pyttsx3 issue 219): give it a moment to appear whole.
        deadline = time.monotonic() + _WRITE_WAIT_S
        try:
            while True:
                try:
                    with wave.open(str(path), "rb") as wav:
                        rate = wav.getframerate()
                        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
                    if len(samples) or time.monotonic() >= deadline:
                        break
                except (OSError, EOFError, wave.Error) as exc:
                    if time.monotonic() >= deadline:
                        raise VoiceError(
                            f"espeak-ng produced no audio for {text!r}: {exc}"
                        ) from exc
                time.sleep(0.01)
        finally:
            path.unlink(missing_ok=True)
        return Clip(samples=trim_silence(samples), rate_hz=rate)  # espeak pads with quiet
