"""What the light shows, as a level over time (0-1, as the eye sees it), from the loop's
own events: dim while listening, a short flash when a phrase is heard or the button
pressed, rising and falling with the breathing counts (from the same schedule as the
spoken counts: the conversation's `breath` events), a slow pulse during a break, steady
during a reminder. Pure and clocked (the events' clock); light.py drives the hardware."""

from __future__ import annotations

import math
from dataclasses import dataclass

DIM = 0.06
"""Listening: just enough to see that it is on."""
FLASH_S = 0.35
PULSE_S = 6.0
"""A break's slow pulse, one rise and fall: calm, slower than breathing at rest."""
PULSE_HIGH = 0.35
SESSION = 0.3
"""Grounding, and breathing before its first count."""
REMINDING = 0.7

STATES = ("listening", "heard", "breathing", "break", "reminding")
"""What `pausebuddy light-demo` shows, in order."""


@dataclass(frozen=True)
class _Ramp:
    start: float
    end: float
    level_from: float
    level_to: float


_PHASES = {"in": (DIM, 1.0), "hold": (1.0, 1.0), "out": (1.0, DIM)}


class LightShow:
    def __init__(self) -> None:
        self._changes: list[tuple[float, str]] = []
        """(t, state) from the events: the loop schedules ahead of time, so a change
        counts from its own time, not from when it was told."""
        self._ramps: list[_Ramp] = []
        self._flashes: list[float] = []
        """Start times of the latest flashes."""

    def observe(self, event: dict) -> None:
        """One of the loop's events (events.py); the others are let go."""
        kind, t = event.get("type"), float(event.get("t", 0.0))
        if kind in ("heard", "pressed"):
            self._flashes = [*self._flashes[-3:], t]
        elif kind == "session_started":
            self._ramps = []
            self._change(t, "session")
        elif kind == "breath":
            low, high = _PHASES.get(event.get("phase", ""), (SESSION, SESSION))
            self._ramps = [*self._ramps[-3:], _Ramp(t, t + event["seconds"], low, high)]
        elif kind in ("session_ended", "break_ended"):
            self._change(t, "listening")
        elif kind == "break_started":
            self._change(t, "break")
        elif kind == "reminder":
            self._change(t, "reminding")

    def _change(self, t: float, state: str) -> None:
        # Kept short (it runs for months); before the earliest kept, it was listening.
        self._changes = [c for c in self._changes[-7:] if c[0] <= t] + [(t, state)]

    def state(self, t: float) -> str:
        return next((state for at, state in reversed(self._changes) if at <= t), "listening")

    def level(self, t: float) -> float:
        if any(start <= t < start + FLASH_S for start in self._flashes):
            return 1.0
        state = self.state(t)
        if state == "session":
            return self._breathing(t)
        if state == "break":
            return DIM + (PULSE_HIGH - DIM) * (1 - math.cos(2 * math.pi * t / PULSE_S)) / 2
        if state == "reminding":
            return REMINDING
        return DIM

    def _breathing(self, t: float) -> float:
        started = [ramp for ramp in self._ramps if ramp.start <= t]
        if not started:
            return SESSION  # before the first count, and in grounding
        ramp = started[-1]
        if t >= ramp.end:
            return ramp.level_to
        done = (t - ramp.start) / (ramp.end - ramp.start)
        return ramp.level_from + (ramp.level_to - ramp.level_from) * done


def demo_events(seconds_each: float = 4.0) -> list[dict]:
    """Events that show each state in STATES for `seconds_each` (`light-demo`)."""
    s = seconds_each
    return [
        {"t": s, "type": "heard"},
        {"t": 2 * s, "type": "session_started"},
        {"t": 2 * s, "type": "breath", "phase": "in", "seconds": s / 2},
        {"t": 2.5 * s, "type": "breath", "phase": "out", "seconds": s / 2},
        {"t": 3 * s, "type": "session_ended"},
        {"t": 3 * s, "type": "break_started"},
        {"t": 4 * s, "type": "reminder"},
        {"t": 5 * s, "type": "break_ended"},
    ]
