"""How pausebuddy words things: its lines (data/prompts.yaml), durations and clock times
as a person says them. Pure: no audio, no state."""

from __future__ import annotations

import datetime
import time
from functools import cache
from importlib import resources

import yaml


@cache
def prompts() -> dict:
    text = resources.files("pausebuddy").joinpath("data/prompts.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def say_duration(seconds: float) -> str:
    """20 minutes, 1 hour and 5 minutes, 30 seconds: how a person says it."""
    if round(seconds) == 1800:
        return "half an hour"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours > 1 else ""))
    if minutes:
        parts.append(f"{minutes} minute" + ("s" if minutes > 1 else ""))
    return " and ".join(parts)


def say_clock(epoch_s: float) -> str:
    """8:30, in local time, the way a person says it."""
    moment = time.localtime(epoch_s)
    return f"{(moment.tm_hour - 1) % 12 + 1}:{moment.tm_min:02d}"


def say_when(epoch_s: float, now_s: float) -> str:
    """ "at 8:30" today, "yesterday at 8:30", "on Tuesday at 8:30" within a week."""
    then, today = time.localtime(epoch_s), time.localtime(now_s)
    days = (
        datetime.date(today.tm_year, today.tm_mon, today.tm_mday)
        - datetime.date(then.tm_year, then.tm_mon, then.tm_mday)
    ).days
    clock = say_clock(epoch_s)
    if days <= 0:
        return f"at {clock}"
    if days == 1:
        return f"yesterday at {clock}"
    return f"on {time.strftime('%A', then)} at {clock}"
