"""Whether a reply was said on its own: a pause before it and after it.

A reply ("stop", "next", "five more minutes") answers pausebuddy: people say it as an
utterance of its own, with a pause before and after. The same words inside a sentence
("next week we ...", "I told him to stop the car") are conversation. A voice-activity
detector cannot tell the two apart in a noisy room (in loud noise or other talk it hears
speech all the time). Loudness can: a pause falls to the room's background, so the
quietest stretch before the reply and the quietest after it are about as loud as each
other, and well under the reply. A gap between words inside a sentence dips below the
words too, but stays far above the silence before the sentence began.
"""

from __future__ import annotations

import numpy as np

from pausebuddy.hearing import SAMPLE_RATE_HZ

QUIET_S = 0.2
"""A pause is at least this long: shorter dips are the gaps between words."""
BEFORE_S = 1.0
"""The pause before a reply is looked for this far before where it starts (its start is
an estimate from its typical length)."""
AFTER_S = 0.4
"""... and the pause after it up to this long after where it ends."""
DIP_DB = 6.0
"""Both pauses are at least this much quieter than the reply's loud part ..."""
SAME_DB = 6.0
"""... and within this of each other: both are the room's background."""
_STEP = SAMPLE_RATE_HZ // 20


def _levels_db(samples: np.ndarray, seconds: float = QUIET_S) -> np.ndarray:
    """Loudness of each stretch `seconds` long, one every 50 ms."""
    size = int(seconds * SAMPLE_RATE_HZ)
    if len(samples) < size:
        return np.zeros(0)
    power = np.square(samples.astype(np.float64))
    sums = np.concatenate([[0.0], np.cumsum(power)])
    starts = np.arange(0, len(samples) - size + 1, _STEP)
    return 10 * np.log10((sums[starts + size] - sums[starts]) / size + 1.0)


def _loud_db(words: np.ndarray) -> float | None:
    """The loud part of a phrase (90th percentile of 50 ms powers), or None if too short."""
    if len(words) < _STEP:
        return None
    frames = words[: len(words) // _STEP * _STEP].astype(np.float64).reshape(-1, _STEP)
    return float(10 * np.log10(np.percentile(np.mean(frames**2, axis=1), 90) + 1.0))


def stands_alone(samples: np.ndarray, start: int, end: int, ended: bool = True) -> bool:
    """Whether the reply in samples[start:end] has a pause before it (within BEFORE_S)
    and after it (within AFTER_S). Where the samples do not reach at all, that side's
    pause is taken to be like the other's: the recording began there, or, if it `ended`,
    it ended there. Otherwise the sound after it is still to come: False until a pause is
    in."""
    start, end = max(start, 0), min(end, len(samples))
    loud = _loud_db(samples[start:end])
    if loud is None:
        return False
    # A quiet stretch may reach a little into the reply (its start is an estimate).
    reach = int(QUIET_S * SAMPLE_RATE_HZ) // 2
    before_from = start - int(BEFORE_S * SAMPLE_RATE_HZ)
    after_to = end + int(AFTER_S * SAMPLE_RATE_HZ)
    before = _levels_db(samples[max(before_from, 0) : start + reach])
    after = _levels_db(samples[end - reach : after_to])
    if not ended and len(after) == 0:
        return False
    quiet = [float(levels.min()) for levels in (before, after) if len(levels)]
    if not quiet:
        return True
    return loud - max(quiet) >= DIP_DB and max(quiet) - min(quiet) <= SAME_DB


SILENT_DB = 20.0
"""A pause after a phrase, for pause_after: this far under it (a room's quiet, not the
gap between two words under other talk) ..."""
SILENT_S = 0.3
"""... for this long (the quiet of "ou[t] f[or]" under other talk passed for a pause
0.2 s long)."""


def pause_after(samples: np.ndarray, start: int, end: int) -> bool | None:
    """Whether the phrase in samples[start:end] is followed, within AFTER_S, by a stretch
    of SILENT_S at least SILENT_DB under its loud part: a length said with a time-out
    ("time out for half an hour") follows it without one. None while there is no such
    stretch yet and the audio up to AFTER_S after it is not all in."""
    if end <= 0:
        return False  # the phrase has left the audio kept: nothing to wait for
    start = max(start, 0)
    loud = _loud_db(samples[start:end])
    if loud is None:
        return False
    # All of it after the phrase: a stop's closure at the phrase's end ("ou[t] for")
    # is as quiet as a pause under other talk.
    after = samples[end : end + int(AFTER_S * SAMPLE_RATE_HZ)]
    levels = _levels_db(after, SILENT_S)
    if len(levels) > 0 and loud - float(levels.min()) >= SILENT_DB:
        return True
    return False if len(after) == int(AFTER_S * SAMPLE_RATE_HZ) else None
