"""Rendered lines kept on disk, keyed by text and voice settings.

A reply should start at once, not after synthesis (Piper takes a noticeable fraction of a
second per line on a Pi). Only pausebuddy's own lines are ever cached.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import wave
from collections import OrderedDict
from pathlib import Path

import numpy as np

from pausebuddy import paths
from pausebuddy.voice import Clip, Voice
from pausebuddy.voice.profiles import VoiceProfile

_LOGGER = logging.getLogger(__name__)
_FORMAT = 1
"""Bump when the way lines are rendered changes, so old clips are not reused."""


MEMORY_LINES = 80
"""Rendered lines kept in memory: every fixed line (about 40) and the lately said rest."""


class CachedVoice:
    def __init__(self, voice: Voice, profile: VoiceProfile, root: Path | None = None) -> None:
        self._voice = voice
        settings = json.dumps([_FORMAT, dataclasses.asdict(profile)], sort_keys=True)
        self.dir = (root or paths.cache_dir() / "voice") / _digest(settings)[:16]
        self._memory: OrderedDict[str, Clip] = OrderedDict()
        """The lines said lately. Bounded: lines with numbers in them ("It's been 27
        minutes") are many over months, and each is a few hundred kB."""
        self.hits = self.misses = 0

    @property
    def memory_bytes(self) -> int:
        """What the lines kept in memory take (at most MEMORY_LINES of them)."""
        return sum(clip.samples.nbytes for clip in self._memory.values())

    def render(self, text: str) -> Clip:
        clip = self._memory.get(text)
        if clip is not None:
            self.hits += 1
            self._memory.move_to_end(text)
            return clip
        path = self.dir / f"{_digest(text)[:24]}.wav"
        clip = _read(path)
        if clip is None:
            self.misses += 1
            clip = self._voice.render(text)
            _write(path, clip)
        else:
            self.hits += 1
        self._memory[text] = clip
        if len(self._memory) > MEMORY_LINES:
            self._memory.popitem(last=False)
        return clip


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(path: Path) -> Clip | None:
    try:
        with wave.open(str(path), "rb") as wav:
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
            return Clip(samples=samples, rate_hz=wav.getframerate())
    except FileNotFoundError:
        return None
    except (OSError, EOFError, wave.Error):
        _LOGGER.info("A cached line %s is damaged; rendering it again.", path.name)
        return None


def _write(path: Path, clip: Clip) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with wave.open(str(tmp), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(clip.rate_hz)
            wav.writeframes(clip.samples.astype(np.int16).tobytes())
        os.replace(tmp, path)
    except OSError as exc:  # a full or read-only disk must not stop it speaking
        _LOGGER.warning("Cannot cache a rendered line in %s (%s).", path.parent, exc.strerror)
