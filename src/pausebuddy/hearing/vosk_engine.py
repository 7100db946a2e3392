"""Vosk (Kaldi): a grammar of the configured phrases plus "[unk]" for everything else.

Vosk is the stronger recognizer but its model is a separate 40 MB download
(scripts/download_vosk_model.sh). The grammar keeps it to the configured phrases, so it
is spotting, not dictation: any other talk comes out as "[unk]" and is dropped.

The verifier serves it as it serves the pocketsphinx engine, on the same front end (the
clock, the ring, voice activity; Vosk hears the audio as it came): the wake word heard
with no phrase after it (the phrase taken for "[unk]" under other voices) is a moment for
the verifier to judge, and a time-out heard while they talk on waits for its length
(length_hold.py).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from pausebuddy import paths
from pausebuddy.config import HearingConfig
from pausebuddy.hearing import SAMPLE_RATE_HZ, Heard, HearingError, with_meaning
from pausebuddy.hearing.front_end import FrontEnd
from pausebuddy.hearing.length_hold import LengthHold
from pausebuddy.hearing.second_opinion import SecondOpinion
from pausebuddy.hearing.verify_stage import stage_costs, verifier_stages
from pausebuddy.phrases import Intent, PhraseBook

_LOGGER = logging.getLogger(__name__)

MODEL_NAME = "vosk-model-small-en-us-0.15"
_UNKNOWN = "[unk]"
_LONGEST_PHRASE = SAMPLE_RATE_HZ * 5 // 2
"""The wake word and the longest request after it ("can we have a time out")."""


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
        self._front = FrontEnd(noise_suppression=0)
        self._verify, _ = verifier_stages(replace(config, verifier_scan_s=0.0), phrases)
        self._lengths = (
            LengthHold(self._verify, self._front, phrases) if self._verify is not None else None
        )
        # Vosk's grammar returns words outside it as a phrase, sure of it (its maintainer).
        self._second = SecondOpinion(self._verify, phrases) if self._verify is not None else None
        self._held: list[Heard] = []
        """Heard, to be reported with the next block (held for a length when it skipped)."""

    @property
    def stage_costs(self) -> dict[str, float]:
        """The verifier's work so far (verify_stage.stage_costs)."""
        return stage_costs(self._verify, None)

    def _new_recognizer(self):
        import vosk

        recognizer = vosk.KaldiRecognizer(self._model, SAMPLE_RATE_HZ, self._grammar)
        recognizer.SetWords(True)
        return recognizer

    def accept(self, samples: np.ndarray) -> list[Heard]:
        raw = np.asarray(samples, dtype=np.int16)
        self._front.hear(raw, suppress=False)
        heard, self._held = self._held, []
        if self._recognizer.AcceptWaveform(raw.tobytes()):
            heard += self._heard(json.loads(self._recognizer.Result()))
        return self._verified(heard)

    def flush(self) -> list[Heard]:
        heard = self._held + self._heard(json.loads(self._recognizer.FinalResult()))
        self._held = []
        if self._verify is not None and not self.expecting_reply:
            heard += self._verify.judge(self._front.ring, self._front.pos, ended=True)
            heard += self._lengths.release()
        return [h if h.intent is not None else with_meaning(h, self._phrases) for h in heard]

    def skip(self, n_samples: int) -> None:
        self._recognizer.FinalResult()  # drop whatever was half heard
        self._skipped += n_samples
        self._front.skip(n_samples)
        if self._lengths is not None:
            self._held += self._lengths.release()

    def _verified(self, heard: list[Heard]) -> list[Heard]:
        """`heard`, and what the verifier made of the moments it was given."""
        if self._verify is None:
            return heard
        if self.expecting_reply or self.over_own_voice:
            return heard + self._lengths.release()
        heard = self._second.keep(heard, self._front.ring, self._front.pos)
        judged = self._verify.judge(
            self._front.ring, self._front.pos, talking=self._front.in_speech
        )
        return self._lengths.sort(heard + [with_meaning(h, self._phrases) for h in judged])

    def _heard(self, result: dict) -> list[Heard]:
        said = result.get("result", [])
        words = [w for w in said if w.get("word") != _UNKNOWN]
        if not words:
            return []
        text = " ".join(w["word"] for w in words)
        woken = self._phrases.has_wake_word(text)
        if not (woken or self.expecting_reply or self._config.spot_bare_timeout):
            _LOGGER.debug("'%s' without the wake word: not listening for that now", text)
            return []
        offset = self._skipped / SAMPLE_RATE_HZ
        heard = with_meaning(
            Heard(
                text=text,
                start_s=words[0]["start"] + offset,
                end_s=words[-1]["end"] + offset,
                score=min(float(w.get("conf", 1.0)) for w in words),
            ),
            self._phrases,
        )
        if heard.intent is None and woken and self._verify is not None:
            # The wake word, and words Vosk could not make a phrase of: the verifier
            # judges what was said from the wake word to the end of the utterance.
            start = int(heard.start_s * SAMPLE_RATE_HZ)
            end = int((said[-1]["end"] + offset) * SAMPLE_RATE_HZ)
            # Where "[unk]" has no times, the phrase after the wake word is still in the
            # audio heard so far: up to the longest phrase's length.
            end = max(end, min(start + _LONGEST_PHRASE, self._front.pos))
            self._verify.queue(start, end)
            return []
        return [heard]


def _grammar(phrases: PhraseBook) -> list[str]:
    """Each phrase alone and after the wake word, the wake word alone, and [unk]."""
    wake = phrases.wake_word
    entries = [wake] if wake else []
    cores = [c for intent in Intent for c in phrases.cores[intent]]
    for core in cores + phrases.timeout_with_lengths():
        entries += [core, f"{wake} {core}"] if wake else [core]
    return [*dict.fromkeys(entries), _UNKNOWN]
