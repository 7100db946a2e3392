"""Privacy, checked on the real process: a whole time-out opens no network socket and
writes nothing but its state and its cache (no audio or words of the people)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ENV, cli, phrase_in_talk

from pausebuddy.synth import voices


@pytest.fixture(autouse=True, scope="module")
def _strace_installed() -> None:
    # A guarantee that cannot be checked is a failure, not a skip.
    if shutil.which("strace") is None:
        pytest.fail("strace is not installed: run scripts/setup.sh --test", pytrace=False)


_WRITE = re.compile(
    r'(?:openat|open|creat)\((?:AT_FDCWD|\d+), "([^"]+)", [^)]*(?:O_WRONLY|O_RDWR|O_CREAT)'
)


def test_a_time_out_opens_no_network_and_writes_only_state_and_cache(tmp_path: Path) -> None:
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    tmp.mkdir()
    config = tmp_path / "config.yaml"
    config.write_text(
        "timeout_exercise: breathing\nbreathing_cycles: 1\nbreak_minutes: 0.1\n"
        "reminder_repeats: 0\n",
        encoding="utf-8",
    )
    talk = phrase_in_talk(voices.PIPER, "Pause buddy, time out.").write(tmp_path / "talk.wav")
    state = home / "state" / "break.json"
    env = {
        **ENV,
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "TMPDIR": str(tmp),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(home),
    }
    trace = tmp_path / "trace.txt"
    result = subprocess.run(
        [
            "strace",
            "-f",
            "-qq",
            "-o",
            str(trace),
            "-e",
            "trace=socket,connect,bind,open,openat,creat,rename,renameat,renameat2",
            *cli("run", "--config", config, "--input", talk, "--state", state),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if "ptrace" in result.stderr and result.returncode != 0:
        pytest.fail(f"strace cannot trace here: {result.stderr.strip()[:200]}", pytrace=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Heard timeout" in result.stderr
    calls = trace.read_text()

    sockets = re.findall(r"socket\((AF_\w+)", calls)
    assert all(family == "AF_UNIX" for family in sockets), sockets
    assert "connect(" not in calls or not re.search(r"connect\(\d+, \{sa_family=AF_INET", calls)

    written = sorted(set(_WRITE.findall(calls)))
    allowed = (str(home / "state"), str(home / "cache" / "pausebuddy"), str(tmp), "/dev/")
    assert written and all(path.startswith(allowed) for path in written), written
    # The cache holds only its own rendered lines and the int8 copy of the verifier's
    # model (int8_model.py); temporary files are gone.
    copy = home / "cache" / "pausebuddy" / "verifier"
    cached = [p for p in (home / "cache").rglob("*") if not p.is_dir()]
    assert all(p.suffix == ".wav" or p.parent.parent == copy for p in cached), cached
    copied = {p.name for p in cached if p.parent.parent == copy}
    assert copied <= {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
        "made-from.json",
    }
    assert not any(tmp.iterdir())
    assert not (home / "cache" / "Microsoft").exists()  # no onnxruntime device id
