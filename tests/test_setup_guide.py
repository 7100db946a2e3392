"""`pausebuddy setup` in a real terminal (tmux: keys sent, the screen read) as a person
would go through it, with WAV files synthesized at test time standing in for the
microphone and a real sound server's room for the speaker: from a config with one
comment to a tuned config and an installed service.
systemd is not running here, so `systemctl` and `loginctl` are stand-ins that note how
they were called (and `id -u` answers as a normal user's); the unit file the installer
writes is real."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sound_room import Recording, Room

from pausebuddy import audio
from pausebuddy.audio import RATE_HZ
from pausebuddy.config_file import load_config
from pausebuddy.synth import scene, voices

SOCKET = f"pausebuddy-setup-{os.getpid()}"


def _tmux(*args: str, env: dict | None = None) -> str:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=True, env=env
    ).stdout


def _screen() -> str:
    return _tmux("capture-pane", "-p", "-J", "-S", "-400", "-t", "setup")


def _wait_for(text: str, timeout_s: float = 120.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        screen = _screen()
        if text in screen:
            return screen
        time.sleep(0.3)
    raise AssertionError(f"never showed {text!r}; the screen:\n{_screen()}")


def _answer(prompt: str, keys: str, count: int = 1) -> None:
    """Waits until `prompt` has been shown `count` times, then types `keys` and Enter."""
    deadline = time.monotonic() + 180
    while _screen().count(prompt) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"never showed {prompt!r} x{count}:\n{_screen()}")
        time.sleep(0.3)
    if keys:
        _tmux("send-keys", "-t", "setup", "-l", keys)
    _tmux("send-keys", "-t", "setup", "Enter")


def _takes(folder: Path) -> list[str]:
    """Someone talking for the level check; then each partner saying the phrase 3 times."""
    talk = scene.Scene().add("en-us+klatt", "We keep going round in circles about this.", 0.3)
    files = [str(talk.pause(1.0).write(folder / "talk.wav"))]
    # The voices test_phrase_check's tune test hears: Piper's joe, espeak-ng's klatt ones.
    partners = ([voices.PIPER] * 3, ["en-us+klatt", "en-us+klatt3", "en-us+klatt"])
    for partner, takes in enumerate(partners, 1):
        for take, voice in enumerate(takes, 1):
            said = voices.say(voice, "Pause buddy, time out.", speed=150 + 10 * (take == 3))
            quiet = np.zeros(RATE_HZ, dtype=np.int16)
            path = folder / f"partner{partner}-take{take}.wav"
            audio.write_wav(path, np.concatenate([quiet, said, quiet]))
            files.append(str(path))
    return files


def _stand_ins(folder: Path) -> Path:
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    for name in ("systemctl", "loginctl"):
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{folder}/system-calls.log"\n')
        script.chmod(0o755)
    # Tests run as root here; the installer rightly refuses root, so `id -u` answers as
    # for a Pi's first user.
    answer_as_a_user = '[ "$1" = "-u" ] && echo 1000 || exec /usr/bin/id "$@"'
    (bin_dir / "id").write_text(f"#!/bin/sh\n{answer_as_a_user}\n")
    (bin_dir / "id").chmod(0o755)
    return bin_dir


def test_setup_goes_from_a_fresh_install_to_a_tuned_running_service(
    room: Room, tmp_path: Path
) -> None:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: run scripts/setup.sh --test", pytrace=False)
    home = tmp_path / "home"
    home.mkdir()
    config = tmp_path / "config.yaml"
    config.write_text("# our pausebuddy: agreed on Sunday\nbreak_minutes: 20\n", encoding="utf-8")
    takes = _takes(tmp_path)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")},
        **room.env,  # its speaker plays into the sound server's room
        "HOME": str(home),
        "USER": "partner",
        "PATH": f"{_stand_ins(tmp_path)}:{os.environ['PATH']}",
    }
    # In the command itself: the shell tmux starts is a login shell, which sets its own PATH.
    command = " ".join(
        ["env", *(shlex.quote(f"{k}={env[k]}") for k in ("HOME", "USER", "PATH", *room.env))]
        + [sys.executable, "-m", "pausebuddy", "--config", str(config), "setup"]
        + ["--tune-minutes", "1", "--listen-to", *takes]
    )
    # A server of its own, started with this environment: its shell has it.
    _tmux("-f", "/dev/null", "new-session", "-d", "-s", "setup", "-x", "160", "-y", "50", env=env)
    try:
        _tmux("send-keys", "-t", "setup", "-l", f"cd {tmp_path} && {command}")
        _tmux("send-keys", "-t", "setup", "Enter")
        begin = "Enter to begin, s to skip: "
        _answer(begin, "")  # the speaker: a test line, played into the room
        recording = Recording(room, tmp_path / "room.wav")
        _answer("Did you hear a voice say it is pausebuddy? [Y/n]", "y")
        heard_in_room = recording.stop()
        _answer(begin, "", count=2)  # the microphone
        _answer("Enter when ready: ", "")
        screen = _wait_for("Speech heard at")
        assert "dBFS: good." in screen
        _answer(begin, "", count=3)  # the phrase: kept
        _answer("type the phrase you agreed on: ", "")
        _answer(begin, "", count=4)  # learning: the shipped model covers it
        _wait_for("The phrase model for your phrases is ready")
        _answer(begin, "", count=5)  # tuning: 3 takes each
        for take in range(1, 7):
            _answer("then say it: ", "", count=take)
        screen = _wait_for("How sure it was of each take:", timeout_s=400)
        _wait_for("partner 2, take 3:")
        _answer(begin, "", count=6)  # the break
        _answer("Minutes a break lasts", "25")
        _answer("After a time-out", "grounding")
        _answer(begin, "", count=7)  # quiet hours
        _answer("Quiet hours like", "22:00-07:00")
        _answer(begin, "", count=8)  # the service
        _answer("so it runs from boot? [Y/n]", "y")
        screen = _wait_for("Done. `pausebuddy status`", timeout_s=120)
    finally:
        print(_screen())
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], check=False)
    assert "pausebuddy is running, and starts with the Pi." in screen
    # The test line reached the room: its loudest tenth of a second far above the hum.
    frames = heard_in_room[: len(heard_in_room) // 1600 * 1600].reshape(-1, 1600)
    assert float(np.sqrt(np.mean(frames**2, axis=1)).max()) > 1000
    saved = load_config(config)
    assert saved.break_minutes == 25 and saved.timeout_exercise == "grounding"
    assert saved.quiet_hours == "22:00-07:00"
    assert saved.hearing.tuned and "from 6 recordings" in saved.hearing.tuned
    assert config.read_text(encoding="utf-8").startswith("# our pausebuddy: agreed on Sunday\n")
    unit = home / ".config" / "systemd" / "user" / "pausebuddy.service"
    assert "pausebuddy run --keep-trying" in unit.read_text(encoding="utf-8")
    calls = (tmp_path / "system-calls.log").read_text(encoding="utf-8")
    assert "systemctl --user enable --now pausebuddy.service" in calls
    assert "loginctl enable-linger partner" in calls
