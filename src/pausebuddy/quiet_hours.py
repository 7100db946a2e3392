"""Quiet hours ("22:00-07:00"): whether a wall-clock time falls inside them, in local
time. A span that passes midnight wraps; "07:00-07:00" is the whole day."""

from __future__ import annotations

import time


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def within(span: str | None, wall_s: float) -> bool:
    """Whether the Unix time `wall_s` is inside `span` (its start included, its end not);
    never when there is no span."""
    if not span:
        return False
    start, end = (_minutes(part) for part in span.split("-"))
    local = time.localtime(wall_s)
    now = local.tm_hour * 60 + local.tm_min
    if start < end:
        return start <= now < end
    return now >= start or now < end
