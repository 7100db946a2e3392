"""The live loop through a real sound server: PulseAudio with a null sink as "the room".

The time-out phrase is played into the room, `pausebuddy run` listens on the room's
monitor through sounddevice (the real capture path, not WAV input), and its answer is
recorded from the room. Its own voice comes back into its microphone at full level, so
this also shows it does not answer itself.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ENV, json_lines, phrase_in_talk

from pausebuddy import audio, scene

pytestmark = pytest.mark.skipif(shutil.which("pulseaudio") is None,
                                reason="pulseaudio is not installed: run scripts/setup.sh --test")


def _wait(check, timeout_s: float, what: str):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (found := check()):
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout_s} s")


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """A private PulseAudio server whose default sink is a null sink called room."""
    runtime = tmp_path_factory.mktemp("pulse")
    env = {**ENV, "XDG_RUNTIME_DIR": str(runtime), "PULSE_RUNTIME_PATH": str(runtime),
           "PULSE_SERVER": f"unix:{runtime}/native"}
    server = subprocess.Popen(
        ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
         f"--load=module-native-protocol-unix socket={runtime}/native",
         "--load=module-null-sink sink_name=room", "--load=module-always-sink"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )

    def ready() -> bool:
        return subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0

    try:
        _wait(ready, 10, "the sound server starting")
    except AssertionError:
        server.kill()
        pytest.skip("PulseAudio would not start on this machine")
    for command in (["pactl", "set-default-sink", "room"],
                    ["pactl", "set-default-source", "room.monitor"]):
        subprocess.run(command, env=env, check=True, capture_output=True)
    yield env
    server.terminate()
    server.wait(timeout=10)


def test_time_out_heard_and_answered_through_the_room(room, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("timeout_exercise: none\nbreak_minutes: 0.2\nreminder_repeats: 0\n",
                      encoding="utf-8")
    phrase = phrase_in_talk(scene.PIPER, "Pause buddy, time out.").write(tmp_path / "p.wav")
    events, log = tmp_path / "events.jsonl", tmp_path / "log.txt"
    with open(log, "w") as log_file:
        loop = subprocess.Popen(
            [sys.executable, "-m", "pausebuddy", "run", "--config", str(config),
             "--state", str(tmp_path / "break.json"), "--events", str(events)],
            env=room, stdout=subprocess.DEVNULL, stderr=log_file,
        )
    recording = tmp_path / "room.wav"
    recorder = None
    try:
        _wait(lambda: "Ready: listening." in log.read_text(), 120, "the loop starting")
        recorder = subprocess.Popen(["parecord", "--device=room.monitor", "--channels=1",
                                     "--file-format=wav", str(recording)], env=room)
        subprocess.run(["paplay", "--device=room", str(phrase)], env=room, check=True)

        def said() -> list[dict]:
            lines = [e for e in json_lines(events.read_text()) if e["type"] == "said"] \
                if events.exists() else []
            return lines if len(lines) >= 2 else []

        lines = _wait(said, 30, "an answer")
        time.sleep(lines[1]["end"] - lines[0]["t"] + 0.5)  # let the answer finish playing
    finally:
        if recorder is not None:
            recorder.send_signal(signal.SIGINT)
            recorder.wait(timeout=10)
        # Stopped as systemd stops it: SIGTERM, in the middle of the break.
        stopping = time.monotonic()
        loop.send_signal(signal.SIGTERM)
        loop.wait(timeout=10)
        stop_s = time.monotonic() - stopping
    assert loop.returncode == 0 and stop_s < 2.0, log.read_text()[-2000:]
    assert "Stopped." in log.read_text()

    heard = [e for e in json_lines(events.read_text()) if e["type"] == "heard"]
    assert [e["intent"] for e in heard] == ["timeout"], log.read_text()[-2000:]
    assert lines[0]["text"].startswith("Okay. Let's take a pause")
    assert "remind you in 12 seconds" in lines[1]["text"]
    # What it said reached the room: loud audio after the phrase.
    room_audio = audio.read_wav(recording).astype(np.float32)
    after_phrase = int((len(audio.read_wav(phrase)) / audio.RATE_HZ + 0.5) * audio.RATE_HZ)
    answer = room_audio[after_phrase : after_phrase + 3 * audio.RATE_HZ]
    assert len(answer) == 3 * audio.RATE_HZ and np.sqrt(np.mean(answer**2)) > 300
    assert os.path.exists(tmp_path / "break.json")  # the break survives the stop

