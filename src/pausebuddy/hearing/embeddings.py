"""Speech embeddings: 96 numbers every 80 ms that describe the last 0.79 s of sound.

Google's speech_embedding model (Apache 2.0), as the two ONNX files that openWakeWord
0.4.0 ships in its wheel (melspectrogram.onnx, embedding_model.onnx; later releases
download them instead), run with onnxruntime. Nothing else of openWakeWord is used.
The model was trained on a large body of real speech, so a small classifier over its
embeddings, fitted to synthetic speech, carries over to voices it never saw.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from pausebuddy.hearing import SAMPLE_RATE_HZ, HearingError

STEP = 1280
"""Samples per embedding (80 ms)."""
_HOP = 160
"""Samples per mel frame (10 ms)."""
_MEL_LEAD = 480
"""A mel frame covers 640 samples from where it starts: the 480 past its hop."""
_MEL_FRAMES = 76
"""Mel frames per embedding (0.79 s of sound)."""
SPAN_S = (_MEL_FRAMES - 1) * _HOP / SAMPLE_RATE_HZ + (_HOP + _MEL_LEAD) / SAMPLE_RATE_HZ
"""Seconds of sound behind each embedding."""
DIM = 96


def model_files() -> tuple[Path, Path]:
    spec = importlib.util.find_spec("openwakeword")
    folder = (
        Path(next(iter(spec.submodule_search_locations))) / "resources" / "models"
        if spec and spec.submodule_search_locations
        else None
    )
    files = (folder / "melspectrogram.onnx", folder / "embedding_model.onnx") if folder else None
    if files is None or not all(f.exists() for f in files):
        raise HearingError(
            "The speech-embedding model files are missing (they come with the Python "
            "package openwakeword==0.4.0): run scripts/setup.sh"
        )
    return files


class SpeechEmbedder:
    """Sound in, embeddings out, as it arrives. Embedding k of the stream covers samples
    [k*STEP, k*STEP + SPAN_S*rate): the same numbers as `embed` on the whole recording."""

    def __init__(self) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # One thread: listening must leave the other core to the rest of the loop.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        mel_file, embedding_file = model_files()
        providers = ["CPUExecutionProvider"]
        self._mel = onnxruntime.InferenceSession(str(mel_file), options, providers=providers)
        self._embedding = onnxruntime.InferenceSession(
            str(embedding_file), options, providers=providers
        )
        self.reset()

    def reset(self) -> None:
        """Start a new stream (after a gap in what it was fed)."""
        self._samples = np.zeros(0, dtype=np.int16)
        self._frames = np.zeros((0, 32), dtype=np.float32)
        self.count = 0
        """Embeddings made since the last reset."""

    def accept(self, samples: np.ndarray) -> np.ndarray:
        """The embeddings this audio completes, (n, 96)."""
        self._samples = np.concatenate([self._samples, np.asarray(samples, dtype=np.int16)])
        steps = (len(self._samples) - _MEL_LEAD) // STEP
        if steps <= 0:
            return np.zeros((0, DIM), dtype=np.float32)
        used = steps * STEP
        frames = self.mel(self._samples[: used + _MEL_LEAD])
        self._samples = self._samples[used:]
        self._frames = np.concatenate([self._frames, frames])
        out = self._embed_frames(self._frames)
        # Keep the frames the next embedding starts from.
        self._frames = self._frames[len(out) * (STEP // _HOP) :]
        self.count += len(out)
        return out

    def mel(self, samples: np.ndarray) -> np.ndarray:
        spec = self._mel.run(None, {"input": samples[None].astype(np.float32)})[0]
        # The transform openWakeWord applies to match Google's TensorFlow front end.
        return (np.squeeze(spec, axis=(0, 1)) / 10 + 2).astype(np.float32)

    def _embed_frames(self, frames: np.ndarray) -> np.ndarray:
        n = (len(frames) - _MEL_FRAMES) // (STEP // _HOP) + 1
        if n <= 0:
            return np.zeros((0, DIM), dtype=np.float32)
        index = np.arange(_MEL_FRAMES)[None] + (STEP // _HOP) * np.arange(n)[:, None]
        batch = frames[index][..., None]
        return np.concatenate(
            [
                self._embedding.run(None, {"input_1": batch[i : i + 256]})[0].reshape(-1, DIM)
                for i in range(0, n, 256)
            ]
        )

    def embed(self, samples: np.ndarray) -> np.ndarray:
        """All embeddings of a whole recording, (n, 96); leaves the stream alone."""
        samples = np.asarray(samples, dtype=np.int16)
        if len(samples) < _MEL_LEAD + _HOP:
            return np.zeros((0, DIM), dtype=np.float32)
        return self._embed_frames(self.mel(samples))


def end_s(k: int | np.ndarray) -> float | np.ndarray:
    """Where embedding k ends, in seconds from the start of its stream."""
    return k * STEP / SAMPLE_RATE_HZ + SPAN_S
