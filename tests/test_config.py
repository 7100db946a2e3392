"""Config: defaults, YAML that names the field and line when wrong, `config --show`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import run_cli

from pausebuddy.config import Config, ConfigError
from pausebuddy.config_file import config_from_yaml, config_to_yaml, load_config, save_settings


def test_defaults_are_the_briefs() -> None:
    config = Config()
    assert config.phrases.timeout == ["pause buddy, time out"]
    assert config.phrases.wake_word == "pause buddy"
    assert (config.timeout_exercise, config.break_minutes, config.breathing_cycles) == (
        "breathing",
        20.0,
        4,
    )
    assert config.hearing.engine == "pocketsphinx"


def test_fields_are_read() -> None:
    config = config_from_yaml(
        "break_minutes: 30\nphrases:\n  timeout: [red card, pause buddy red card]\n"
        "hearing:\n  wake_threshold: 1e-30\n"
    )
    assert config.break_minutes == 30
    assert config.phrases.timeout == ["red card", "pause buddy red card"]
    assert config.hearing.wake_threshold == 1e-30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "break_minutes: 20\nbreathing_cycles: 12\n",
            "line 2: breathing_cycles: expected a number from 1 to 8",
        ),
        (
            "timeout_exercise: yoga\n",
            "line 1: timeout_exercise: expected one of breathing, grounding, none",
        ),
        ("phrases:\n  wake_word: 3\n", "line 2: phrases.wake_word: expected some text"),
        ("phrases:\n  timout: [x]\n", "line 2: unknown field 'phrases.timout'"),
        ("break_minutes: soon\n", "line 1: break_minutes: expected a number, got 'soon'"),
        ("hearing: [a]\n", "line 1: hearing must be a mapping"),
        ("phrases:\n  stop: []\n", "line 2: phrases.stop: expected at least one entry"),
        ("break_minutes: [\n", "not valid YAML"),
    ],
)
def test_errors_name_the_field_and_line(text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected.replace("(", r"\(").replace("[", r"\[")):
        config_from_yaml(text, source="c.yaml")


def test_show_prints_the_effective_config(write_config) -> None:
    path = write_config("break_minutes: 25\n")
    result = run_cli("config", "--show", "--config", path)
    assert result.returncode == 0, result.stderr
    shown = yaml.safe_load(result.stdout)
    assert shown["break_minutes"] == 25 and shown["breathing_cycles"] == 4
    # What it prints reads back as the same config.
    assert config_from_yaml(result.stdout) == config_from_yaml("break_minutes: 25\n")


def test_a_bad_config_stops_every_command_with_a_clear_message(write_config) -> None:
    path = write_config("break_minutes: 20\nbreathing_cycles: many\n")
    for command in (("config", "--show"), ("spot", "x.wav"), ("run", "--input", "x.wav")):
        result = run_cli(*command, "--config", path)
        assert result.returncode == 2
        assert f"{path} line 2: breathing_cycles: expected a number" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_missing_config_file_is_an_error(tmp_path) -> None:
    result = run_cli("config", "--show", "--config", tmp_path / "nope.yaml")
    assert result.returncode == 2 and "cannot read the config file" in result.stderr


def test_round_trip() -> None:
    assert config_from_yaml(config_to_yaml(Config())) == Config()


def test_config_works_before_and_after_the_command(write_config) -> None:
    path = write_config("break_minutes: 25\n")
    for args in (("--config", path, "config", "--show"), ("config", "--show", "--config", path)):
        assert "break_minutes: 25" in run_cli(*args).stdout


def test_settings_are_saved_with_the_comments_and_order_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "# Our config: keep this note.\n"
        "break_minutes: 25  # we agreed on 25\n"
        "hearing:\n"
        "  # tuned by hand once\n"
        "  noise_suppression: 1\n",
        encoding="utf-8",
    )
    config = save_settings(path, {"hearing.wake_threshold": 1e-30, "quiet_hours": "22:00-07:00"})
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Our config: keep this note.\nbreak_minutes: 25  # we agreed on 25\n")
    assert "  # tuned by hand once\n  noise_suppression: 1\n" in text
    assert config.hearing.wake_threshold == 1e-30 and config.break_minutes == 25
    assert load_config(path).quiet_hours == "22:00-07:00"


def test_a_save_into_an_empty_or_missing_file_makes_one(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.yaml"
    assert save_settings(path, {"break_minutes": 30}).break_minutes == 30
    assert load_config(path).break_minutes == 30


def test_quiet_hours_that_are_no_time_span_name_the_field_and_line() -> None:
    assert config_from_yaml("quiet_hours: '22:00-07:00'\n").quiet_hours == "22:00-07:00"
    with pytest.raises(ConfigError, match=r"line 2: quiet_hours: expected a time span"):
        config_from_yaml("break_minutes: 20\nquiet_hours: 10pm to 7\n")
