"""A private PulseAudio server with a null sink as "the room": its microphone is the
room's monitor, its speaker plays into the room. Shared by the tests that go through a
real sound server (test_live_audio, test_setup_guide)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ENV

from pausebuddy import audio


def wait_for(check, timeout_s: float, what: str, explain=None):
    """What `check` found within the time; else fails, with `explain()` (a log's tail)."""
    if found := found_within(check, timeout_s):
        return found
    raise AssertionError(
        f"{what} did not happen within {timeout_s} s" + (f"\n{explain()}" if explain else "")
    )


def found_within(check, timeout_s: float):
    """What `check` found within the time, or None."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    return None


class Room:
    """A private PulseAudio server: a null sink "room" with a low noise floor playing in
    it (a real room is never digitally silent), a microphone "mic" and a speaker
    "speaker" on it that can be unplugged and plugged back, and a silent "nothing" that
    a sound server falls back to when the microphone goes."""

    def __init__(self, runtime: Path) -> None:
        self.env = {
            **ENV,
            "XDG_RUNTIME_DIR": str(runtime),
            "PULSE_RUNTIME_PATH": str(runtime),
            "PULSE_SERVER": f"unix:{runtime}/native",
            # pausebuddy's devices, by name, as a user would pick them
            "PULSE_SOURCE": "mic",
            "PULSE_SINK": "speaker",
        }
        self.modules: dict[str, str] = {}

    def pactl(self, *args: str) -> str:
        return subprocess.run(
            ["pactl", *args], env=self.env, check=True, capture_output=True, text=True
        ).stdout.strip()

    def plug(self, name: str) -> None:
        kind = (
            "module-remap-source master=room.monitor source_name=mic"
            if name == "mic"
            else "module-remap-sink master=room sink_name=speaker"
        )
        self.modules[name] = self.pactl("load-module", *kind.split())

    def unplug(self, name: str) -> None:
        self.pactl("unload-module", self.modules.pop(name))

    def plug_all(self) -> None:
        """Both devices back, as the next test expects them (after a failed test too)."""
        for name in ("mic", "speaker"):
            if name not in self.modules:
                self.plug(name)


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    # A guarantee that cannot be checked is a failure, not a skip.
    if shutil.which("pulseaudio") is None:
        pytest.fail("pulseaudio is not installed: run scripts/setup.sh --test", pytrace=False)
    runtime = tmp_path_factory.mktemp("pulse")
    room = Room(runtime)
    server = subprocess.Popen(
        [
            "pulseaudio",
            "-n",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--disallow-exit",
            f"--load=module-native-protocol-unix socket={runtime}/native",
            "--load=module-null-sink sink_name=room",
            "--load=module-null-sink sink_name=nothing",
            "--load=module-always-sink",
        ],
        env=room.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def ready() -> bool:
        return subprocess.run(["pactl", "info"], env=room.env, capture_output=True).returncode == 0

    try:
        wait_for(ready, 10, "the sound server starting")
    except AssertionError:
        server.kill()
        pytest.fail("PulseAudio would not start on this machine", pytrace=False)
    room.pactl("set-default-sink", "room")
    room.pactl("set-default-source", "nothing.monitor")
    room.plug("mic")
    room.plug("speaker")
    noise = subprocess.Popen(
        "sox -q -n -t raw -r 16000 -e signed -b 16 -c 1 - synth 3600 pinknoise vol 0.003"
        " | pacat --device=room --rate=16000 --channels=1 --format=s16le",
        shell=True,
        env=room.env,
        start_new_session=True,
    )
    yield room
    os.killpg(noise.pid, signal.SIGTERM)
    noise.wait(timeout=10)
    server.terminate()
    server.wait(timeout=10)


class Recording:
    def __init__(self, room: Room, path: Path) -> None:
        self.path = path
        self._process = subprocess.Popen(
            ["parecord", "--device=room.monitor", "--channels=1", "--file-format=wav", str(path)],
            env=room.env,
        )
        self.started = time.monotonic()

    def stop(self) -> np.ndarray:
        self._process.send_signal(signal.SIGINT)
        self._process.wait(timeout=10)
        return audio.read_wav(self.path).astype(np.float32)
