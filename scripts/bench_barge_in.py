#!/usr/bin/env python3
"""Barge-in: is "stop" said over its own voice heard, through the whole loop?

    .venv/bin/python scripts/bench_barge_in.py [--voices piper en-us+f3] [--echo 0 0.3 1.0]

A time-out session is run once on synthesized talk (its output kept). Then, for each
moment of the breathing session below (long lines and counts), each voice saying "stop"
and each echo level, the input is built as a room would bring it to the microphone: the
person, its own output back through a room (40 ms away, 150 ms of reverberation, at the
given level relative to what it played; 0 = a speakerphone that cancels it in hardware)
until the end of "stop", and "stop" itself at the level of the person's talk.
`pausebuddy run` hears it with barge-in on (speex's echo canceller); a hit is "stop"
heard starting within 0.3 s before and 1 s after where it was said. The runs share one
cache home, so it plays the same rendered lines as in the first run (Piper's voice is not
the same twice otherwise).
Prints two tables: hits per voice and echo level (and which moments were missed), and
the CPU a whole time-out takes with its echo, barge-in on and off.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from pausebuddy import audio, scene
from pausebuddy.audio import RATE_HZ

CONFIG = "break_minutes: 0.25\nbreathing_cycles: 1\nreminder_repeats: 0\n"
MOMENTS = {  # name: (the line it is saying starts with, seconds into it)
    "sit comfortably": ("Sit", 1.0), "we breathe in": ("We breathe", 2.0),
    "breathe all the way out": ("First", 0.8), "in, count 2": ("In", 1.9),
    "hold, count 3": ("Hold", 1.9), "hold, count 6": ("Hold", 4.9),
    "out, count 3": ("Out", 1.9), "out, count 7": ("Out", 5.9), "well done": ("Well", 0.5),
}


def _room(played: np.ndarray, gain: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    n = int(RATE_HZ * 0.3)
    response = rng.standard_normal(n) * np.exp(-np.arange(n) / (RATE_HZ * 0.15 / 6.9))
    response[0] = 3.0
    response /= np.sqrt((response**2).sum())
    wet = np.convolve(played, response)[: len(played)]
    delay = int(RATE_HZ * 0.04)
    return np.concatenate([np.zeros(delay), wet])[: len(played)] * gain


def _run(tmp: Path, env: dict, wav: Path, output: Path | None = None,
         config: str = "config.yaml") -> list[dict]:
    events = tmp / "events.jsonl"
    args = [sys.executable, "-m", "pausebuddy", "run", "--config", str(tmp / config),
            "--input", str(wav), "--events", str(events)]
    if output:
        args += ["--output", str(output)]
    subprocess.run(args, check=True, env=env, capture_output=True)
    return [json.loads(line) for line in events.read_text().splitlines() if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", nargs="+", default=[scene.PIPER, "en-us+f3"])
    parser.add_argument("--echo", nargs="+", type=float, default=[0.0, 0.3, 1.0])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pausebuddy-barge-") as name:
        tmp = Path(name)
        env = {**os.environ, **{f"XDG_{kind}_HOME": str(tmp / kind.lower())
                                for kind in ("CONFIG", "STATE", "DATA", "CACHE")}}
        (tmp / "config.yaml").write_text(CONFIG + "hearing:\n  barge_in: true\n",
                                         encoding="utf-8")
        (tmp / "off.yaml").write_text(CONFIG + "hearing:\n  barge_in: false\n",
                                      encoding="utf-8")
        talk = scene.Scene()
        talk.add(scene.PIPER, "I cannot believe you said that to my mother again.", 0.3)
        talk.add(scene.PIPER, "Pause buddy, time out.", 0.4)
        person = talk.pause(1.0).samples.astype(np.float32)
        audio.write_wav(tmp / "person.wav", audio.to_int16(person))
        first = _run(tmp, env, tmp / "person.wav", tmp / "said.wav")
        said = audio.read_wav(tmp / "said.wav").astype(np.float32)
        lines = [e for e in first if e["type"] == "said"]
        moments = {name: next(e for e in lines if e["text"].startswith(start))["t"] + into
                   for name, (start, into) in MOMENTS.items()}
        level = np.sqrt(np.mean(person[person != 0] ** 2))
        cpu = []
        for gain in args.echo:  # the whole session with its echo, nobody saying stop
            mic = _room(said, gain)
            mic[: len(person)] += person
            audio.write_wav(tmp / "room.wav", audio.to_int16(mic))
            for config in ("config.yaml", "off.yaml"):
                before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
                _run(tmp, env, tmp / "room.wav", config=config)
                used = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before
                cpu.append((gain, config == "config.yaml", used / (len(mic) / RATE_HZ)))
        rows = []
        for voice in args.voices:
            stop = scene.say(voice, "Stop.").astype(np.float32)
            stop *= level / np.sqrt(np.mean(stop[stop != 0] ** 2))
            for gain in args.echo:
                missed = []
                for moment, at_s in moments.items():
                    at = int(at_s * RATE_HZ)
                    mic = _room(said, gain)[: at + len(stop)]
                    mic = np.concatenate([mic, np.zeros(max(0, len(person) - len(mic))
                                                        + 3 * RATE_HZ)])
                    mic[: len(person)] += person
                    mic[at : at + len(stop)] += stop
                    audio.write_wav(tmp / "room.wav", audio.to_int16(mic))
                    heard = [e for e in _run(tmp, env, tmp / "room.wav")
                             if e["type"] == "heard" and e["intent"] == "stop"]
                    if not any(at_s - 0.3 <= e["start"] <= at_s + 1.0 for e in heard):
                        missed.append(moment)
                    print(f"  {voice:12} echo x{gain:<4} {moment:24} "
                          f"{'missed' if moment in missed else 'heard'}", flush=True)
                rows.append((voice, gain, len(moments) - len(missed), missed))
    print("\n| voice saying stop | its echo (x what it played) | heard | missed |")
    print("| --- | --- | --- | --- |")
    for voice, gain, hits, missed in rows:
        print(f"| {voice} | {gain} | {hits}/{len(MOMENTS)} | {', '.join(missed) or '-'} |")
    print("\n| its echo | barge-in | CPU s per s of audio, a whole time-out (incl. start-up) |")
    print("| --- | --- | --- |")
    for gain, on, per_s in cpu:
        print(f"| x{gain} | {'on' if on else 'off'} | {per_s:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
