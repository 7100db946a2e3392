"""The exercises as timed cue lists, built from the YAML files next to this module."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Cue:
    text: str
    delay_s: float
    """Seconds after the previous cue's scheduled start (after_end=False) or its end."""
    after_end: bool = False
    waits_for_answer: bool = False
    """A grounding prompt: "next" and "repeat" refer to this cue."""
    on_grid: bool = False
    """A breathing count: its delay is in counts, so "slower" and "faster" stretch it."""
    tone: bool = False
    """A breathing phase starts here (in, hold, out): a soft tone marks it."""


@cache
def _data(name: str) -> dict:
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def breathing_cues(cycles: int, pace_s: float = 1.0) -> list[Cue]:
    """4-7-8: intro lines, a full exhale, then `cycles` cycles of 4 + 7 + 8 counts.

    Counts are anchored to the previous count's *scheduled* start, so they stay on a
    steady grid whatever the length of the spoken clips.
    """
    data = _data("breathing")
    words = data["count_words"]
    cues = [Cue(line, 0.4, after_end=True) for line in data["intro"]]
    for cycle in range(cycles):
        for phase_index, phase in enumerate(data["phases"]):
            for count in range(phase["counts"]):
                text = phase["first"] if count == 0 else words[count]
                first = count == 0
                if cycle == 0 and phase_index == 0 and first:
                    # Leave time for the opening exhale before the grid starts.
                    cues.append(
                        Cue(
                            text,
                            data["exhale_counts"] * pace_s,
                            after_end=True,
                            on_grid=True,
                            tone=True,
                        )
                    )
                else:
                    cues.append(Cue(text, pace_s, on_grid=True, tone=first))
    cues.append(Cue(data["outro"], pace_s, on_grid=True))
    return cues


def grounding_cues(answer_s: float) -> list[Cue]:
    data = _data("grounding")
    cues = [Cue(data["intro"], 0.3, after_end=True)]
    for prompt in data["prompts"]:
        cues.append(
            Cue(prompt, 0.6 if len(cues) == 1 else answer_s, after_end=True, waits_for_answer=True)
        )
    cues.append(Cue(data["outro"], answer_s, after_end=True))
    return cues
