#!/usr/bin/env python3
"""Measure the 4-7-8 count grid from a written session, using only its audio.

    .venv/bin/pausebuddy breathe --output out.wav
    .venv/bin/python scripts/measure_grid.py out.wav [--pace 1.0]

Finds where each spoken word starts (sound after quiet), takes the run of onsets about
one pace apart (the counts), and compares each with a grid anchored on the first "In":
count k should start at first_in + k * pace. Prints the worst onset error and each
cycle's length (19 counts: in 4, hold 7, out 8).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from pausebuddy.audio import RATE_HZ, read_wav

COUNTS_PER_CYCLE = 19


def onsets(samples: np.ndarray, level: int = 100, quiet_s: float = 0.12) -> list[float]:
    """Start times (s) of sounds that follow at least `quiet_s` of quiet."""
    loud = np.abs(samples.astype(np.int32)) > level
    idx = np.flatnonzero(loud)
    if len(idx) == 0:
        return []
    gaps = np.diff(idx) > quiet_s * RATE_HZ
    starts = np.concatenate([[idx[0]], idx[1:][gaps]])
    return [s / RATE_HZ for s in starts]


def count_run(times: list[float], pace: float) -> list[float]:
    """The longest run of onsets spaced one pace apart (within a fifth of a pace)."""
    best: list[float] = []
    run: list[float] = []
    for t in times:
        if run and abs(t - run[-1] - pace) <= pace / 5:
            run.append(t)
        else:
            run = [t]
        if len(run) > len(best):
            best = list(run)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wav")
    parser.add_argument("--pace", type=float, default=1.0, help="seconds per count")
    args = parser.parse_args()
    run = count_run(onsets(read_wav(args.wav)), args.pace)
    if len(run) < COUNTS_PER_CYCLE:
        print(f"found only {len(run)} counts on a {args.pace} s grid", file=sys.stderr)
        return 1
    # Whole cycles only: the closing line, one pace after the last count, is no count.
    cycles = len(run) // COUNTS_PER_CYCLE
    counts = run[: cycles * COUNTS_PER_CYCLE]
    grid = counts[0] + args.pace * np.arange(len(counts))
    errors_ms = (np.array(counts) - grid) * 1000
    print(f"| measure | value |\n|---|---|\n| counts found | {len(counts)} ({cycles} cycles) |")
    print(f"| worst onset error | {np.abs(errors_ms).max():.1f} ms |")
    print(f"| mean absolute onset error | {np.abs(errors_ms).mean():.1f} ms |")
    for c in range(cycles):
        first = counts[c * COUNTS_PER_CYCLE]
        # The last cycle ends where the closing line starts, when that was found.
        if (c + 1) * COUNTS_PER_CYCLE < len(run):
            print(f"| cycle {c + 1} length | {run[(c + 1) * COUNTS_PER_CYCLE] - first:.3f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
