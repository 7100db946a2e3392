"""Speaking: text -> audio clip. One module per TTS engine behind `Voice`, voice profiles
in voices/, and a cache of rendered lines."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from pausebuddy.config import VoiceConfig

_LOGGER = logging.getLogger(__name__)


class VoiceError(Exception):
    """The voice cannot speak; the message says what to do next."""


@dataclass(frozen=True)
class Clip:
    samples: np.ndarray
    """Mono int16."""
    rate_hz: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate_hz


class Voice(Protocol):
    def render(self, text: str) -> Clip: ...


def trim_silence(samples: np.ndarray, level: int = 64) -> np.ndarray:
    """Drop the quiet that engines pad clips with: counts then start on time."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > level)
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples[:0]


def create_voice(config: VoiceConfig) -> Voice:
    """The configured profile's voice, else the fallback profile's (saying why once)."""
    from pausebuddy.voice.cache import CachedVoice
    from pausebuddy.voice.profiles import load_profile

    profile = load_profile(config.profile)
    try:
        voice = _engine(profile)
    except VoiceError as exc:
        if config.fallback_profile == config.profile:
            raise
        _LOGGER.warning(
            "Voice '%s' cannot speak (%s); using '%s' instead.",
            config.profile,
            exc,
            config.fallback_profile,
        )
        profile = load_profile(config.fallback_profile)
        voice = _engine(profile)
    _LOGGER.info(
        "Speaking with the %s voice (%s).",
        profile.engine,
        profile.name if profile.engine == "espeak" else profile.model,
    )
    return CachedVoice(voice, profile) if config.cache else voice


def _engine(profile) -> Voice:
    if profile.engine == "piper":
        from pausebuddy.voice.piper_engine import PiperVoice

        return PiperVoice(profile)
    from pausebuddy.voice.espeak import EspeakVoice

    return EspeakVoice(profile)
