#!/usr/bin/env python3
"""Soak: hours of living-room audio through the real loop, as fast as the machine allows.

    .venv/bin/python scripts/soak.py [--hours 8] [--seed 1]

The input is built now from speech synthesized at run time (Piper and espeak-ng voices
saying everyday lines), sox noise and silence, with a time-out every 35-50 minutes that is
answered "we're ready", "five more minutes" then "we're ready", or not at all. It runs
through `Loop` with the real recognizer, voice and break file (in a temporary folder) and
prints one table: crashes, time-outs heard, breaks and their reminders (a break that ends
without its reminder is a lost reminder), and resident memory: its floor in each 10 minutes
(a leak raises the floor; the grammar search's few seconds of tens of MB do not, they
are given back) after warm-up and at the end, and its peak.
Not part of the test run: 8 hours take about a quarter of an hour here.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from pausebuddy import app, audio, sinks
from pausebuddy.breaks import BreakStore
from pausebuddy.config import Config
from pausebuddy.events import EventLog
from pausebuddy.synth import backdrop, corpus, voices
from pausebuddy.voice import create_voice

MINUTE = 60 * audio.RATE_HZ
WARM_UP_S = 30 * 60
"""Memory growth is measured from here: caches and the first break have settled."""


class Events(EventLog):
    """Counts what the loop reports and checks every break got its reminder."""

    def __init__(self) -> None:
        super().__init__()
        self.count: Counter[str] = Counter()
        self.heard: list[str] = []
        self.ended: Counter[str] = Counter()
        self.lost: set[float] = set()
        """Breaks whose reminder fell due and was not given (by their start)."""

    def __call__(self, event: dict) -> None:
        kind = event["type"]
        self.count[kind] += 1
        if kind == "heard":
            self.count[f"heard {event['intent']}"] += 1
            self.heard.append(f"{event['t'] / 60:7.1f} min  {event['intent']:10} {event['text']}")
        elif kind == "break_ended":
            self.ended[event["how"]] += 1


def _segments() -> dict[str, list[np.ndarray]]:
    """Everything the hours are made of, synthesized once."""
    talk = [piece for piece in corpus.talk_pieces(voices.SPEAKERS[:4], 240, seed=11) if piece.any()]
    noise = [backdrop.noise(color, 30, volume=0.05) for color in ("pinknoise", "brownnoise")]

    def line(text: str) -> list[np.ndarray]:
        return [speaker.say(text) for speaker in voices.SPEAKERS[:2]]

    return {
        "talk": talk,
        "noise": noise,
        "timeout": line("Pause buddy, time out."),
        "ready": line("We're ready."),
        "more": line("Five more minutes."),
    }


def _hours(
    segments: dict[str, list[np.ndarray]], hours: float, rng: random.Random, planned: Counter[str]
) -> Iterator[np.ndarray]:
    """The input as blocks, made as it is consumed: it is never all in memory."""
    total = int(hours * 60 * MINUTE)
    made = 0

    # Views of these, never new arrays: the harness must not be what grows (glibc keeps
    # the heap pages of large temporaries, which would show up as the loop's memory).
    silence = np.zeros(60 * audio.RATE_HZ, dtype=np.int16)

    def take(piece: np.ndarray, end: int) -> Iterator[np.ndarray]:
        nonlocal made
        piece = piece[: end - made]
        made += len(piece)
        yield piece

    def fill(minutes: float) -> Iterator[np.ndarray]:
        end = min(total, made + int(minutes * MINUTE))
        while made < end:
            kind = rng.choices(["talk", "noise", "silence"], [5, 2, 3])[0]
            if kind == "talk":
                piece = rng.choice(segments["talk"])
            elif kind == "noise":
                piece = rng.choice(segments["noise"])[: rng.randrange(5, 30) * audio.RATE_HZ]
            else:
                piece = silence[: rng.randrange(5, 60) * audio.RATE_HZ]
            yield from take(piece, end)
            yield from take(silence[: audio.RATE_HZ // 2], end)

    def say(kind: str) -> Iterator[np.ndarray]:
        planned[kind] += 1
        for piece in (
            silence[: audio.RATE_HZ],
            rng.choice(segments[kind]),
            silence[: audio.RATE_HZ],
        ):
            yield from take(piece, total + 10 * MINUTE)

    while made < total:
        yield from fill(rng.uniform(3, 10))
        if made >= total - 45 * MINUTE:
            break
        yield from say("timeout")
        # The break: 20 minutes after the exercise, about 22 after the phrase.
        yield from fill(24)
        answer = rng.choice(["ready", "ready", "more", "none"])
        if answer == "ready":
            yield from say("ready")
        elif answer == "more":
            yield from say("more")
            yield from fill(7)
            yield from say("ready")
        else:
            yield from fill(20)  # three repeats five minutes apart, then quiet
    yield from fill((total - made) / MINUTE + 1)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--voice", default=None, help="voice profile to speak with (default: the config's, joe)"
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pausebuddy-soak-"))
    os.environ.setdefault("XDG_CACHE_HOME", str(tmp / "cache"))
    print("Synthesizing the pieces ...", flush=True)
    segments = _segments()
    voices._piper_voice.cache_clear()  # the scene's voice is done: free it

    config = Config()
    if args.voice:
        config = replace(config, voice=replace(config.voice, profile=args.voice))
    events = Events()
    voice = create_voice(config.voice)
    loop = app.build_loop(
        config,
        sinks.NullSink(),
        events,
        store=BreakStore(tmp / "break.json"),
        epoch_s=time.time(),
        voice=voice,
    )
    planned: Counter[str] = Counter()
    memory: list[tuple[float, float]] = []
    """(end of a 10-minute span, lowest resident memory in it)."""
    cached: list[tuple[float, float]] = []
    """(the same time, MB of rendered lines the voice keeps in memory: up to 80 lines,
    filling as new lines with numbers in them are said)."""
    next_sample, floor, peak = 600.0, float("inf"), 0.0

    def sampled(blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        nonlocal next_sample, floor, peak
        for piece in blocks:
            yield from audio.wav_blocks(piece)
            pending = loop.conversation.pending_break
            if (
                pending is not None
                and loop.conversation.session is None
                and loop.now_s > pending.due_at + 5.0
                and not pending.reminding
            ):
                events.lost.add(pending.started_at)
            rss = _rss_mb()
            floor, peak = min(floor, rss), max(peak, rss)
            if loop.now_s >= next_sample:
                memory.append((loop.now_s, floor))
                cached.append((loop.now_s, getattr(voice, "memory_bytes", 0) / 2**20))
                next_sample, floor = next_sample + 600, float("inf")
                if len(memory) % 6 == 0:
                    print(
                        f"  {loop.now_s / 3600:5.2f} h of audio, floor {memory[-1][1]:.1f} MB",
                        flush=True,
                    )

    started, cpu = time.monotonic(), time.process_time()
    crash = "none"
    try:
        loop.run(
            sampled(_hours(segments, args.hours, random.Random(args.seed), planned)), drain=False
        )
    except Exception as exc:  # the soak reports any crash
        crash = f"{type(exc).__name__}: {exc}"
    wall, cpu = time.monotonic() - started, time.process_time() - cpu
    memory.append((loop.now_s, min(floor, _rss_mb())))
    cached.append((loop.now_s, getattr(voice, "memory_bytes", 0) / 2**20))
    cache_growth = cached[-1][1] - next((mb for t, mb in cached if t >= WARM_UP_S), cached[-1][1])
    after_warm_up = [mb for t, mb in memory if t >= WARM_UP_S] or [memory[-1][1]]
    # The floor of a 10-minute span still moves by tens of MB (a span full of talk while
    # a reply is expected has a grammar window open most of the time), so growth is the
    # lowest floor of the last third against the lowest of the first third after warm-up:
    # a leak raises every floor, a busy span only some.
    third = max(1, len(after_warm_up) // 3)
    growth = min(after_warm_up[-third:]) - min(after_warm_up[:third])
    pending = loop.conversation.pending_break

    rows = [
        ("audio", f"{loop.now_s / 3600:.2f} h"),
        (
            "wall time / CPU time",
            f"{wall / 60:.1f} min / {cpu / 60:.1f} min ({loop.now_s / wall:.0f}x real time)",
        ),
        ("crash", crash),
        ("time-outs said / heard", f"{planned['timeout']} / {events.count['heard timeout']}"),
        ("breaks started", str(events.count["break_started"])),
        ("reminders given (with repeats)", str(events.count["reminder"])),
        (
            "breaks ended: ready / unanswered / cancel",
            f"{events.ended['ready']} / {events.ended['unanswered']} / {events.ended['cancelled']}",
        ),
        (
            '"five more minutes" said / heard',
            f"{planned['more']} / {events.count['heard more_time']}",
        ),
        ("lost reminders", f"{len(events.lost)}"),
        ("break pending at the end (saved)", "yes" if pending else "no"),
        (
            "floors of resident memory per 10 min after warm-up",
            " ".join(f"{mb:.0f}" for mb in after_warm_up) + " MB",
        ),
        (
            "lowest floor, first / last third after warm-up",
            f"{min(after_warm_up[:third]):.1f} / {min(after_warm_up[-third:]):.1f} MB",
        ),
        ("resident memory floor at the end / peak", f"{memory[-1][1]:.1f} MB / {peak:.1f} MB"),
        ("growth after warm-up", f"{growth:+.1f} MB"),
        ("of which the voice's line cache (bounded, 80 lines)", f"{cache_growth:+.1f} MB"),
    ]
    print("\nHeard (minutes into the audio):")
    print("\n".join(events.heard))
    width = max(len(name) for name, _ in rows)
    print(f"\n| {'measure'.ljust(width)} | value |\n| {'-' * width} | --- |")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")
    ok = crash == "none" and not events.lost and growth < 5
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
