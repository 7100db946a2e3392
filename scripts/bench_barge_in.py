#!/usr/bin/env python3
"""Barge-in: is "stop" said over its own voice heard, through the whole loop?

    .venv/bin/python scripts/bench_barge_in.py [--voices piper en-us+f3] [--echo 0 0.3 1.0]
        [--runs 3] [--no-hits] [--keep DIR]

Each run renders a time-out session afresh (Piper's voice is not the same twice) on
synthesized talk, its output kept. First the whole session with its echo and nobody
saying stop: any "stop" heard is a false one. Then, for each
moment of the breathing session below (long lines and counts), each voice saying "stop"
and each echo level, the input is built as a room would bring it to the microphone: the
person, its own output back through a room (40 ms away, 150 ms of reverberation, at the
given level relative to what it played; 0 = a speakerphone that cancels it in hardware)
until the end of "stop", and "stop" itself at the level of the person's talk.
`pausebuddy run` hears it with barge-in on (speex's echo canceller); a hit is "stop"
heard starting within 0.3 s before and 1 s after where it was said. Within a run all
share one cache home, so it plays the same rendered lines as the session it echoes.
Prints three tables: hits per voice and echo level (and which moments were missed), false
stops per echo level, and the CPU a whole time-out takes with its echo, barge-in on and
off. Each detection is printed with `talk`: the share of its frames the canceller judged
someone else's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from pausebuddy import audio
from pausebuddy.audio import RATE_HZ
from pausebuddy.synth import room, scene, voices

CONFIG = "break_minutes: 0.25\nbreathing_cycles: 1\nreminder_repeats: 0\n"
MOMENTS = {  # name: (the line it is saying starts with, seconds into it)
    "sit comfortably": ("Sit", 1.0),
    "we breathe in": ("We breathe", 2.0),
    "breathe all the way out": ("First", 0.8),
    "in, count 2": ("In", 1.9),
    "hold, count 3": ("Hold", 1.9),
    "hold, count 6": ("Hold", 4.9),
    "out, count 3": ("Out", 1.9),
    "out, count 7": ("Out", 5.9),
    "well done": ("Well", 0.5),
}


def _run(
    tmp: Path, env: dict, wav: Path, output: Path | None = None, config: str = "config.yaml"
) -> list[dict]:
    events = tmp / "events.jsonl"
    args = [
        sys.executable,
        "-m",
        "pausebuddy",
        "run",
        "--config",
        str(tmp / config),
        "--input",
        str(wav),
        "--events",
        str(events),
    ]
    if output:
        args += ["--output", str(output)]
    subprocess.run(args, check=True, env=env, capture_output=True)
    return [json.loads(line) for line in events.read_text().splitlines() if line.strip()]


def _keep(keep: Path | None, tmp: Path, name: str) -> None:
    """The input just heard, and once per run the home it was heard with."""
    if keep is None:
        return
    home = keep / tmp.name
    if not home.exists():
        shutil.copytree(
            tmp,
            home,
            ignore=lambda folder, names: [
                n for n in names if Path(folder) == tmp and n.endswith(".wav")
            ],
        )
    shutil.copy(tmp / "room.wav", home / (name.replace(" ", "_").replace(",", "") + ".wav"))


def _times(events: list[dict], kind: str | None = None) -> list[tuple[float, float]]:
    """(start, left_db) of the events of `kind` (all given by default)."""
    return [
        (round(e["start"], 1), e.get("left_db"))
        for e in events
        if kind is None or e["type"] == kind
    ]


def _session(tmp: Path, env: dict) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """A time-out session on synthesized talk: the person's talk, what it said, and when
    each moment of `MOMENTS` came."""
    talk = scene.Scene()
    talk.add(voices.PIPER, "I cannot believe you said that to my mother again.", 0.3)
    talk.add(voices.PIPER, "Pause buddy, time out.", 0.4)
    person = talk.pause(1.0).samples.astype(np.float32)
    audio.write_wav(tmp / "person.wav", audio.to_int16(person))
    lines = [e for e in _run(tmp, env, tmp / "person.wav", tmp / "said.wav") if e["type"] == "said"]
    said = audio.read_wav(tmp / "said.wav").astype(np.float32)
    moments = {
        name: next(e for e in lines if e["text"].startswith(start))["t"] + into
        for name, (start, into) in MOMENTS.items()
    }
    return person, said, moments


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", nargs="+", default=[voices.PIPER, "en-us+f3"])
    parser.add_argument("--echo", nargs="+", type=float, default=[0.0, 0.3, 1.0])
    parser.add_argument(
        "--runs", type=int, default=3, help="sessions, each with its lines rendered afresh"
    )
    parser.add_argument("--no-hits", action="store_true", help="only the false stops and the CPU")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the input of every miss and false stop here, with the"
        " run's home (its rendered lines), to hear it again",
    )
    args = parser.parse_args()
    hits = {(voice, gain): [] for voice in args.voices for gain in args.echo}
    false_stops = {gain: [] for gain in args.echo}
    cpu: dict[tuple[float, bool], list[float]] = {}
    spoken_s = 0.0
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="pausebuddy-barge-") as name:
            tmp = Path(name)
            env = {
                **os.environ,
                **{
                    f"XDG_{kind}_HOME": str(tmp / kind.lower())
                    for kind in ("CONFIG", "STATE", "DATA", "CACHE")
                },
            }
            for config, on in (("config.yaml", True), ("off.yaml", False)):
                (tmp / config).write_text(
                    CONFIG + f"hearing:\n  barge_in: {str(on).lower()}\n", encoding="utf-8"
                )
            person, said, moments = _session(tmp, env)
            spoken_s += len(said) / RATE_HZ
            level = np.sqrt(np.mean(person[person != 0] ** 2))
            for gain in args.echo:  # the whole session with its echo, nobody saying stop
                mic = room.echo(said, gain=gain)
                mic[: len(person)] += person
                audio.write_wav(tmp / "room.wav", audio.to_int16(mic))
                for config, on in (("config.yaml", True), ("off.yaml", False)):
                    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
                    heard = _run(tmp, env, tmp / "room.wav", config=config)
                    used = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before
                    cpu.setdefault((gain, on), []).append(used / (len(mic) / RATE_HZ))
                    if on:
                        stops = [e for e in heard if e["type"] == "heard" and e["intent"] == "stop"]
                        false_stops[gain] += stops
                        if stops:
                            _keep(args.keep, tmp, f"run{run}-x{gain}-false-stop")
                        print(
                            f"run {run} echo x{gain:<4} false stops: {_times(stops)}"
                            f" taken for its own voice: {_times(heard, 'own_voice')}",
                            flush=True,
                        )
            if args.no_hits:
                continue
            for voice in args.voices:
                stop = voices.say(voice, "Stop.").astype(np.float32)
                stop *= level / np.sqrt(np.mean(stop[stop != 0] ** 2))
                for gain in args.echo:
                    for moment, at_s in moments.items():
                        at = int(at_s * RATE_HZ)
                        mic = room.echo(said, gain=gain)[: at + len(stop)]
                        mic = np.concatenate(
                            [mic, np.zeros(max(0, len(person) - len(mic)) + 3 * RATE_HZ)]
                        )
                        mic[: len(person)] += person
                        mic[at : at + len(stop)] += stop
                        audio.write_wav(tmp / "room.wav", audio.to_int16(mic))
                        events = _run(tmp, env, tmp / "room.wav")
                        heard = [
                            e for e in events if e["type"] == "heard" and e["intent"] == "stop"
                        ]
                        hit = [e for e in heard if at_s - 0.3 <= e["start"] <= at_s + 1.0]
                        hits[voice, gain].append((moment, bool(hit)))
                        if not hit:
                            _keep(args.keep, tmp, f"run{run}-{voice}-x{gain}-{moment}")
                        print(
                            f"run {run} {voice:12} echo x{gain:<4} {moment:24} "
                            f"{'heard' if hit else 'missed'} "
                            f"{_times(heard)} own voice: {_times(events, 'own_voice')}",
                            flush=True,
                        )
    if not args.no_hits:
        print("\n| voice saying stop | its echo (x what it played) | heard | missed (times) |")
        print("| --- | --- | --- | --- |")
        for (voice, gain), results in hits.items():
            missed = sorted({m for m, ok in results if not ok})
            counts = [f"{m} ({sum(1 for x, ok in results if x == m and not ok)})" for m in missed]
            print(
                f"| {voice} | {gain} | {sum(ok for _, ok in results)}/{len(results)} "
                f"| {', '.join(counts) or '-'} |"
            )
    print(
        f"\n| its echo | false stops in {args.runs} whole sessions "
        f"({spoken_s / 60:.1f} min of its voice) |"
    )
    print("| --- | --- |")
    for gain, stops in false_stops.items():
        print(f"| x{gain} | {len(stops)} |")
    print("\n| its echo | barge-in | CPU s per s of audio, a whole time-out (incl. start-up) |")
    print("| --- | --- | --- |")
    for (gain, on), values in cpu.items():
        print(f"| x{gain} | {'on' if on else 'off'} | {np.mean(values):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
