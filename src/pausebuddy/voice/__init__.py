"""Speaking: text -> audio clip. One module per TTS engine behind `Voice`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pausebuddy.config import VoiceConfig


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


def create_voice(config: VoiceConfig) -> Voice:
    from pausebuddy.voice.espeak import EspeakVoice

    return EspeakVoice(config)
