"""What the loop's speaker (speaker.py) and its player process (player.py) say to each
other through their pipes. A module of its own: the player runs as __main__, and what
crosses the pipe is pickled by the name of the module that defines it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Play:
    """Play these samples from `start_s` on the loop's clock."""

    samples: np.ndarray
    rate_hz: int
    start_s: float


@dataclass(frozen=True)
class Cut:
    """Stop what is playing and drop what is queued: it was interrupted."""


@dataclass(frozen=True)
class Close:
    """Play what is queued, then end."""


@dataclass(frozen=True)
class State:
    """The speaker failed or works again."""

    working: bool
    failed_from_s: float | None
    """Start time (loop's clock) of the first clip that failed since it last worked."""
    speaking: bool
    """Whether it had something to play then."""


@dataclass(frozen=True)
class Moved:
    """The line at `start_s` plays `seconds` late (it came too late for its place)."""

    start_s: float
    seconds: float
