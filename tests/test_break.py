"""The break through the real loop: a named length, a kill -9 mid-break, `status`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import ENV, cli, json_lines, phrase_in_talk, run_cli

from pausebuddy.breaks import BreakStore, SavedBreak
from pausebuddy.synth import scene, voices
from pausebuddy.wording import prompts

LINES = prompts()


def test_the_phrase_can_name_the_length(tmp_path: Path, write_config) -> None:
    config = write_config("timeout_exercise: none\nreminder_repeats: 0\n")
    talk = phrase_in_talk(voices.PIPER, "Pause buddy, time out for half an hour.")
    path = talk.write(tmp_path / "scene.wav")
    events_file = tmp_path / "events.jsonl"
    result = run_cli("run", "--config", config, "--input", path, "--events", events_file)
    assert result.returncode == 0, result.stderr
    events = json_lines(events_file.read_text())
    heard = [e for e in events if e["type"] == "heard"]
    assert [e["intent"] for e in heard] == ["timeout"] and "half an hour" in heard[0]["text"]
    announce = next(e for e in events if e["type"] == "said" and "remind you in" in e["text"])
    assert announce["text"] == LINES["remind_in"].format(duration="half an hour")
    reminder = next(e for e in events if e["type"] == "reminder")
    assert reminder["t"] == pytest.approx(announce["end"] + 1800, abs=0.15)


def _wait_for(path: Path, kind: str, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            for event in json_lines(path.read_text()):
                if event["type"] == kind:
                    return event
        time.sleep(0.1)
    raise AssertionError(f"no {kind} event in {path} after {timeout_s} s")


def test_a_kill_9_mid_break_loses_nothing(tmp_path: Path, write_config) -> None:
    config = write_config("timeout_exercise: none\nbreak_minutes: 0.25\nreminder_repeats: 0\n")
    state = tmp_path / "state" / "break.json"
    talk = phrase_in_talk(voices.PIPER, "Pause buddy, time out.").pause(20.0)
    scene_wav = talk.write(tmp_path / "scene.wav")
    first = tmp_path / "first.jsonl"
    process = _start(config, scene_wav, state, first)
    try:
        started = _wait_for(first, "break_started")
        time.sleep(1.0)  # well into the 15 s break
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    saved = BreakStore(state).load()
    assert saved is not None and saved.length_s == 15
    assert not any(e["type"] == "reminder" for e in json_lines(first.read_text()))
    assert started["due"] > 0

    # Started again (as systemd would): the reminder comes at the promised wall time.
    silence = scene.Scene().pause(1.0).write(tmp_path / "silence.wav")
    second = tmp_path / "second.jsonl"
    process = _start(config, silence, state, second)
    try:
        reminder = _wait_for(second, "reminder")
    finally:
        process.kill()
        process.wait()
    assert reminder["wall"] == pytest.approx(saved.due, abs=0.5)
    assert reminder["overdue"] is False and time.time() >= saved.due


def _start(config: Path, wav: Path, state: Path, events: Path) -> subprocess.Popen:
    """`pausebuddy run` on a WAV at real speed, as a live process."""
    return subprocess.Popen(
        cli(
            "run",
            "--config",
            config,
            "--input",
            wav,
            "--realtime",
            "--state",
            state,
            "--events",
            events,
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
    )


def test_an_overdue_reminder_is_given_at_once(tmp_path: Path) -> None:
    state = tmp_path / "break.json"
    now = time.time()
    BreakStore(state).save(SavedBreak(started=now - 3600, due=now - 2400, length_s=1200))
    silence = scene.Scene().pause(1.0).write(tmp_path / "silence.wav")
    events_file = tmp_path / "events.jsonl"
    result = run_cli("run", "--input", silence, "--state", state, "--events", events_file)
    assert result.returncode == 0, result.stderr
    events = json_lines(events_file.read_text())
    reminder = next(e for e in events if e["type"] == "reminder")
    assert reminder["overdue"] is True and reminder["t"] <= 0.2
    said = [e["text"] for e in events if e["type"] == "said"]
    assert said[0].startswith("You took a break ") and "past the time" in said[0]


def test_status_shows_the_break(tmp_path: Path) -> None:
    state = tmp_path / "break.json"
    assert run_cli("status", "--state", state).stdout.strip() == "No break is running."
    now = time.time()
    BreakStore(state).save(SavedBreak(started=now - 60, due=now + 1140, length_s=1200))
    shown = run_cli("status", "--state", state).stdout
    started, due = (time.strftime("%H:%M", time.localtime(t)) for t in (now - 60, now + 1140))
    assert (
        shown.strip() == f"A 20-minute break, started {started}, reminder at {due} (in 19 minutes)."
    )


def test_a_damaged_state_file_never_stops_the_loop(tmp_path: Path) -> None:
    state = tmp_path / "break.json"
    state.write_text(json.dumps({"started": "yesterday"}), encoding="utf-8")
    silence = scene.Scene().pause(1.0).write(tmp_path / "silence.wav")
    result = run_cli("run", "--input", silence, "--state", state)
    assert result.returncode == 0, result.stderr
    assert "Moved it to" in result.stderr
    assert list(tmp_path.glob("break.json.bad-*"))


def test_history_is_off_by_default_and_kept_when_asked(tmp_path: Path, write_config) -> None:
    talk = phrase_in_talk(voices.PIPER, "Pause buddy, time out.")
    # After it has finished announcing the break (it does not listen while it speaks).
    talk.add(voices.PIPER, "Pause buddy, cancel the break.", 12.0).pause(1.0)
    path = talk.write(tmp_path / "scene.wav")
    state = tmp_path / "state" / "break.json"
    base = "timeout_exercise: none\n"

    result = run_cli("run", "--config", write_config(base), "--input", path, "--state", state)
    assert result.returncode == 0, result.stderr
    assert not (state.parent / "history.jsonl").exists()

    config = write_config(base + "keep_history: true\n")
    result = run_cli("run", "--config", config, "--input", path, "--state", state)
    assert result.returncode == 0, result.stderr
    record = json.loads((state.parent / "history.jsonl").read_text())
    assert record["how"] == "cancelled" and set(record) == {"started", "ended", "length_s", "how"}
    summary = run_cli("history", "--config", config, "--state", state).stdout
    assert "1 time-out" in summary and "1 ended early" in summary
    assert run_cli("history", "--forget", "--state", state).stdout.strip() == "History deleted."
    assert not (state.parent / "history.jsonl").exists()


def test_sighup_takes_a_good_config_and_refuses_a_bad_one(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("timeout_exercise: none\n", encoding="utf-8")
    # The phrase comes 9 s in: after both reloads, even on a slow machine.
    talk = scene.Scene().pause(9.0)
    talk.add(voices.PIPER, "Pause buddy, red card.", 0.0, label="phrase").pause(2.0)
    wav = talk.write(tmp_path / "scene.wav")
    events, log = tmp_path / "events.jsonl", tmp_path / "log.txt"
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            cli("run", "--config", config, "--input", wav, "--realtime", "--events", events),
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            env=ENV,
        )
    try:
        deadline = time.monotonic() + 60
        while "Ready: listening." not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        config.write_text("timeout_exercise: none\nbreak_minutes: soon\n", encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        assert "Kept the running config" in log.read_text()
        config.write_text(
            'timeout_exercise: none\nphrases:\n  timeout: ["pause buddy, red card"]\n',
            encoding="utf-8",
        )
        process.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        assert "Config reloaded." in log.read_text()
        heard = _wait_for(events, "heard", timeout_s=30)
    finally:
        process.kill()
        process.wait()
    assert heard["intent"] == "timeout" and "red card" in heard["text"]
