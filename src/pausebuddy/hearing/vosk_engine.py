"""Vosk (Kaldi): a grammar of the configured phrases plus "[unk]" for everything else.

Vosk is the stronger recognizer but its model is a separate 40 MB download
(scripts/download_vosk_model.sh). The grammar keeps it to the configured phrases, so it
is spotting, not dictation: any other talk comes out as "[unk]" and is dropped.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from pausebuddy import paths
from pausebuddy.config import HearingConfig
from pausebuddy.hearing import SAMPLE_RATE_HZ, Heard, HearingError, with_meaning
from pausebuddy.phrases import Intent, PhraseBook

_LOGGER = logging.getLogger(__name__)

MODEL_NAME = "vosk-model-small-en-us-0.15"
_UNKNOWN = "[unk]"


def default_model_dir() -> Path:
    return paths.data_dir() / MODEL_NAME


class VoskRecognizer:
    def __init__(self, config: HearingConfig, phrases: PhraseBook) -> None:
        import vosk

        self.expecting_reply = False
        self.over_own_voice = False
        self._config = config
        self._phrases = phrases
        model_dir = Path(config.model) if config.model else default_model_dir()
        if not (model_dir / "am").is_dir() and not (model_dir / "final.mdl").exists():
            raise HearingError(
                f"no Vosk model in {model_dir}. On a machine with internet access run"
                f" scripts/download_vosk_model.sh (it puts {MODEL_NAME} in {paths.data_dir()}),"
                " or set hearing.model to a model directory, or use hearing.engine: pocketsphinx"
            )
        vosk.SetLogLevel(-1)
        try:
            self._model = vosk.Model(str(model_dir))
        except Exception as exc:  # vosk raises a bare Exception when loading fails
            raise HearingError(f"Vosk could not load the model in {model_dir}: {exc}") from exc
        missing = sorted(w for w in phrases.words() if self._model.vosk_model_find_word(w) < 0)
        if missing:
            raise HearingError(
                "these phrase words are not in the Vosk model's vocabulary: "
                + ", ".join(missing)
                + ". Say them with other words in the config phrases."
            )
        self._grammar = json.dumps(_grammar(phrases))
        self._recognizer = self._new_recognizer()
        self._skipped = 0
        """Samples not fed to Vosk (its own voice): Vosk's clock runs behind by this."""

    def _new_recognizer(self):
        import vosk

        recognizer = vosk.KaldiRecognizer(self._model, SAMPLE_RATE_HZ, self._grammar)
        recognizer.SetWords(True)
        return recognizer

    def accept(self, samples: np.ndarray) -> list[Heard]:
        data = np.asarray(samples, dtype=np.int16).tobytes()
        if self._recognizer.AcceptWaveform(data):
            return self._heard(json.loads(self._recognizer.Result()))
        return []

    def flush(self) -> list[Heard]:
        return self._heard(json.loads(self._recognizer.FinalResult()))

    def skip(self, n_samples: int) -> None:
        self._recognizer.FinalResult()  # drop whatever was half heard
        self._skipped += n_samples

    def _heard(self, result: dict) -> list[Heard]:
        words = [w for w in result.get("result", []) if w.get("word") != _UNKNOWN]
        if not words:
            return []
        text = " ".join(w["word"] for w in words)
        woken = self._phrases.has_wake_word(text)
        if not (woken or self.expecting_reply or self._config.spot_bare_timeout):
            _LOGGER.debug("'%s' without the wake word: not listening for that now", text)
            return []
        offset = self._skipped / SAMPLE_RATE_HZ
        return [
            with_meaning(
                Heard(
                    text=text,
                    start_s=words[0]["start"] + offset,
                    end_s=words[-1]["end"] + offset,
                    score=min(float(w.get("conf", 1.0)) for w in words),
                ),
                self._phrases,
            )
        ]


def _grammar(phrases: PhraseBook) -> list[str]:
    """Each phrase alone and after the wake word, the wake word alone, and [unk]."""
    wake = phrases.wake_word
    entries = [wake] if wake else []
    cores = [c for intent in Intent for c in phrases.cores[intent]]
    for core in cores + phrases.timeout_with_lengths():
        entries += [core, f"{wake} {core}"] if wake else [core]
    return [*dict.fromkeys(entries), _UNKNOWN]
