"""The Vosk engine: for real when its model is on this machine, else skipped with why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import VOICES, json_lines, phrase_in_talk, run_cli

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
