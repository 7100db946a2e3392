#!/usr/bin/env python3
"""Chaos soak: a time-out, `kill -9` at a random moment, a restart; many times. One table.

    .venv/bin/python scripts/chaos_soak.py [--cycles 50] [--seed 1]

Each cycle runs the real command (`pausebuddy run --input ... --realtime`, the same loop
as the service, on the wall clock) on a scene made now: a moment of quiet, Piper saying
"Pause buddy, time out.", then quiet. The break is short (6 s) so that a cycle takes
seconds; every other cycle leads one cycle of 4-7-8 breathing first, so kills land
mid-exercise, mid-break, at the reminder and while the break is being saved. At a random
moment (0.5-30 s) the process is killed with SIGKILL; the state file must then be absent
or readable (never half written). Then it starts again on quiet, as systemd would, with
the same state file, and runs until the reminder is given (or 30 s). Counted:

- reminders per cycle in which a break was saved: exactly one is right (a lost one is 0,
  a doubled one 2); a break killed before it was saved was never promised;
- on time: the reminder's wall-clock time against the due time in the state file: within
  2 s of it when due during a run, or within 2 s of being ready after a restart that
  found it overdue;
- state files that could not be read after a kill.

Not part of the test run: 50 cycles take about half an hour.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from pausebuddy import audio
from pausebuddy.breaks import BreakStore
from pausebuddy.synth import voices

ON_TIME_S = 2.0
RESTART_WAIT_S = 30.0


def _events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass  # the line being written when it was killed
    return out


def _start(config: Path, wav: Path, state: Path, events: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("pausebuddy")),
            "--config",
            str(config),
            "run",
            "--input",
            str(wav),
            "--realtime",
            "--state",
            str(state),
            "--events",
            str(events),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def cycle(
    k: int, rng: random.Random, folder: Path, scene_wav: Path, quiet_wav: Path, configs: list[Path]
) -> dict:
    state = folder / f"break-{k}.json"
    first, second = folder / f"events-{k}-a.jsonl", folder / f"events-{k}-b.jsonl"
    config = configs[k % 2]
    kill_after = rng.uniform(0.5, 30.0)
    process = _start(config, scene_wav, state, first)
    started = time.time()
    while time.time() - started < kill_after and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    result = {
        "killed_at": kill_after,
        "unreadable": False,
        "reminders": 0,
        "promised": False,
        "late_s": None,
    }
    reminders = [e for e in _events(first) if e["type"] == "reminder"]
    raw = state.read_bytes() if state.exists() else None
    saved = BreakStore(state).load(set_aside=False) if raw is not None else None
    if raw is not None and saved is None:
        result["unreadable"] = True
        return result
    promised = saved is not None or bool(reminders)
    result["promised"] = promised
    for reminder in reminders:
        result["late_s"] = reminder["wall"] - _due_before(first, reminder)
    result["reminders"] = len(reminders)
    if saved is None or saved.reminded:
        return result  # nothing pending, or its reminder already given before the kill
    restart = _start(config, quiet_wav, state, second)
    deadline = time.time() + RESTART_WAIT_S
    while time.time() < deadline and restart.poll() is None:
        given = [e for e in _events(second) if e["type"] == "reminder"]
        if given:
            result["reminders"] += len(given)
            ready = given[0]["wall"] - given[0]["t"]  # the wall-clock time of its t = 0
            result["late_s"] = given[0]["wall"] - max(saved.due, ready)  # overdue: at once
            break
        time.sleep(0.05)
    restart.send_signal(signal.SIGTERM)
    restart.wait()
    return result


def _due_before(events_path: Path, reminder: dict) -> float:
    """The due time (wall clock) of a reminder given in the first run: its clock's
    break_started `due`, moved to the wall clock by the reminder's own wall/t."""
    started = [e for e in _events(events_path) if e["type"] == "break_started"]
    offset = reminder["wall"] - reminder["t"]
    return offset + started[-1]["due"] if started else reminder["wall"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="pausebuddy-chaos-"))
    phrase = voices.say(voices.PIPER, "Pause buddy, time out.")
    quiet = np.zeros(audio.RATE_HZ, dtype=np.int16)
    scene_wav, quiet_wav = folder / "scene.wav", folder / "quiet.wav"
    audio.write_wav(
        scene_wav, np.concatenate([quiet, phrase, np.zeros(60 * audio.RATE_HZ, np.int16)])
    )
    audio.write_wav(quiet_wav, np.zeros(60 * audio.RATE_HZ, dtype=np.int16))
    configs = []
    for name, exercise in (("none", "none"), ("breathing", "breathing")):
        path = folder / f"{name}.yaml"
        path.write_text(
            f"break_minutes: 0.1\ntimeout_exercise: {exercise}\n"
            "breathing_cycles: 1\nreminder_repeats: 0\n",
            encoding="utf-8",
        )
        configs.append(path)
    env_home = folder / "home"
    for kind in ("CONFIG", "STATE", "DATA", "CACHE"):
        os.environ[f"XDG_{kind}_HOME"] = str(env_home / kind.lower())
    outcomes: Counter[str] = Counter()
    late: list[float] = []
    for k in range(args.cycles):
        result = cycle(k, rng, folder, scene_wav, quiet_wav, configs)
        if result["unreadable"]:
            outcomes["state file unreadable after a kill"] += 1
        elif not result["promised"]:
            outcomes["killed before the break was saved (nothing promised)"] += 1
        elif result["reminders"] == 1:
            outcomes["reminder given exactly once"] += 1
        elif result["reminders"] == 0:
            outcomes["reminder LOST"] += 1
        else:
            outcomes["reminder DOUBLED"] += 1
        if result["late_s"] is not None:
            late.append(result["late_s"])
        print(
            f"  cycle {k + 1}: killed at {result['killed_at']:.1f} s, "
            f"{result['reminders']} reminder(s)"
            + (f", {result['late_s']:+.2f} s from due" if result["late_s"] is not None else ""),
            flush=True,
        )
    print(f"\n| measure | value |\n| --- | --- |\n| cycles | {args.cycles} |")
    for what, count in sorted(outcomes.items()):
        print(f"| {what} | {count} |")
    if late:
        on_time = sum(abs(x) <= ON_TIME_S for x in late)
        print(
            f"| reminders within {ON_TIME_S:g} s of due (or of the restart, if overdue) |"
            f" {on_time} of {len(late)} |"
        )
        print(
            f"| reminder time from due: median / worst | {np.median(late):+.2f} s /"
            f" {max(late, key=abs):+.2f} s |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
