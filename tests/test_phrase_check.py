"""check-phrase: judging a candidate phrase, and the talk corpus it is measured on."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from conftest import run_cli

from pausebuddy.config import Config
from pausebuddy.phrases import Intent, PhraseBook, normalize
from pausebuddy.synth import backdrop, corpus, talk, voices
from pausebuddy.tools.phrase_check import judge, pronunciations, similarity


def test_the_default_phrase_is_judged_good() -> None:
    verdict = judge("pause buddy, time out", Intent.TIMEOUT, Config())
    assert verdict.good, verdict.problems
    assert verdict.syllables == 5


def test_short_common_unknown_and_close_phrases_are_named() -> None:
    config = Config()
    short = judge("time out", Intent.TIMEOUT, config)
    assert any("Too short" in p for p in short.problems)
    assert any("Too common" in p for p in short.problems)
    unknown = judge("pause buddy, zorkle", Intent.TIMEOUT, config)
    assert any("'zorkle'" in p for p in unknown.problems)
    close = judge("pause buddy, let's breed", Intent.TIMEOUT, config)
    assert any("Too close to 'let's breathe' (breathe)" in p for p in close.problems)


def test_replies_may_be_short() -> None:
    assert judge("hush", Intent.STOP, Config()).good


def test_sound_alike_phrases_are_similar_and_different_ones_are_not() -> None:
    words = pronunciations()
    assert similarity("slower", "slow down", words) < similarity("slower", "lower", words)
    assert similarity("time out", "time out", words) == 1.0
    assert similarity("we're ready", "grounding", words) < 0.4


def test_talk_never_contains_a_configured_phrase_after_the_wake_word() -> None:
    book = PhraseBook(Config().phrases)
    for line in itertools.islice(talk.lines(seed=3), 2000):
        text = normalize(line)
        assert book.wake_word not in text, line


def test_talk_pieces_are_speech_and_pauses_of_about_the_asked_length() -> None:
    espeak = [s for s in voices.SPEAKERS if s.voice.startswith("en-us+klatt")]
    pieces = list(corpus.talk_pieces(espeak, 20, seed=1))
    seconds = sum(len(p) for p in pieces) / 16000
    assert 20 <= seconds < 35
    assert any(np.abs(p).max() > 3000 for p in pieces)


def test_mix_puts_noise_at_the_asked_level_below_the_speech() -> None:
    rng = np.random.default_rng(0)
    speech = np.concatenate(
        [(8000 * np.sin(np.arange(16000) / 5)).astype(np.int16), np.zeros(16000, np.int16)]
    )
    noise = rng.normal(0, 3000, 32000).astype(np.int16)
    mixed = backdrop.mix(speech, noise, 10).astype(np.float64) - speech
    level = backdrop.speech_level(speech)
    assert abs(20 * np.log10(level / np.sqrt(np.mean(mixed**2))) - 10) < 0.2


def test_check_phrase_counts_false_accepts_on_synthesized_talk() -> None:
    good = run_cli("check-phrase", "pause buddy, we need a time out", "--minutes", "1")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "false accepts per hour" in good.stdout
    assert "Good: no problems found." in good.stdout
    bad = run_cli("check-phrase", "time out", "--minutes", "0")
    assert bad.returncode == 1
    assert "Too short" in bad.stdout


def test_tune_sets_the_wake_threshold_from_recordings_and_keeps_the_old_file(tmp_path) -> None:
    from pausebuddy import audio

    takes = []
    for index, voice in enumerate([voices.PIPER, "en-us+klatt", "en-us+klatt3"]):
        speech = voices.say(voice, "Pause buddy, time out.")
        quiet = np.zeros(16000, np.int16)
        takes.append(tmp_path / f"take{index}.wav")
        audio.write_wav(takes[-1], np.concatenate([quiet, speech, quiet]))
    config = tmp_path / "config.yaml"
    config.write_text("# ours\nbreak_minutes: 25\n", encoding="utf-8")

    too_few = run_cli("--config", config, "tune", *takes[:2], "--minutes", "1")
    assert too_few.returncode == 1 and "at least 3 recordings" in too_few.stdout

    tuned = run_cli("--config", config, "tune", *takes, "--minutes", "1")
    assert tuned.returncode == 0, tuned.stdout + tuned.stderr
    assert "Saved in" in tuned.stdout
    from pausebuddy.config_file import load_config

    saved = load_config(config)
    assert saved.break_minutes == 25  # the rest of their config is kept
    assert saved.hearing.tuned and "from 3 recordings" in saved.hearing.tuned
    assert 1e-70 <= saved.hearing.wake_threshold <= 1e-10
    # The shipped phrase model covers the default time-out phrase: its threshold goes
    # below how sure it was of the least clear recording, never above the configured one.
    assert "phrase model was at least" in tuned.stdout
    assert 0.3 <= saved.hearing.phrase_threshold <= Config().hearing.phrase_threshold
    assert "phrase_threshold" in saved.hearing.tuned
    assert "verifier found the phrase at least" in tuned.stdout
    assert "verifier_threshold" in saved.hearing.tuned
    assert saved.hearing.verifier_threshold <= Config().hearing.verifier_threshold
    assert (tmp_path / "config.yaml.before-tune").read_text() == "# ours\nbreak_minutes: 25\n"
    assert Path(config).read_text().startswith("# ours\nbreak_minutes: 25\n")  # comments kept
