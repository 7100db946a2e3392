"""An exercise session in progress (4-7-8 breathing or 5-4-3-2-1 grounding): its cues,
where it is in them, and when the next is due. Pure and clocked, like the conversation
that runs it."""

from __future__ import annotations

from dataclasses import dataclass

from pausebuddy.config import Config
from pausebuddy.exercises import Cue, breathing_cues, grounding_cues

PACE_LIMITS_S = (0.6, 2.0)
"""Seconds per count that "slower" and "faster" stay within."""
ANSWER_SETTLE_S = 3.0
"""Quiet after someone has been naming things that means they have finished."""


@dataclass
class Session:
    kind: str
    """breathing or grounding"""
    cues: list[Cue]
    for_break: bool
    """Part of a time-out: the break starts when it ends."""
    index: int = 0
    next_at: float = 0.0
    last_start: float = 0.0
    last_end: float = 0.0
    answering: int | None = None
    """Index of the grounding prompt people are answering."""
    pace_scale: float = 1.0
    """"slower" and "faster" stretch the counts still to come."""
    last_voice: float | None = None
    """When someone was last heard talking after the grounding prompt."""

    @classmethod
    def begin(cls, kind: str, config: Config, t: float, for_break: bool) -> Session:
        if kind == "breathing":
            cues = breathing_cues(config.breathing_cycles, config.breathing_pace_s)
        else:
            cues = grounding_cues(config.grounding_answer_s)
        return cls(kind, cues, for_break, next_at=t, last_start=t, last_end=t)

    @property
    def done(self) -> bool:
        return self.index >= len(self.cues)

    def due(self) -> float:
        """When it next moves on: its next cue, or sooner once an answer has settled."""
        if self.last_voice is not None:
            return min(self.next_at, self.last_voice + ANSWER_SETTLE_S)
        return self.next_at

    def said(self, cue: Cue, at: float, end: float) -> None:
        """`cue` was said from `at` to `end`: the next one is placed from there (on the
        count grid from its start, or after its end)."""
        self.last_start, self.last_end = at, end
        self.answering = self.index if cue.waits_for_answer else None
        self.last_voice = None
        self.index += 1
        if self.index < len(self.cues):
            following = self.cues[self.index]
            anchor = end if following.after_end else at
            scale = self.pace_scale if following.on_grid else 1.0
            self.next_at = anchor + following.delay_s * scale
        else:
            self.next_at = end

    def phase_s(self) -> float:
        """From the breathing phase starting at the current cue ("In", "Hold", "Out") to
        the next one (or the closing words): its counts at the pace now."""
        seconds = 0.0
        for cue in self.cues[self.index + 1 :]:
            if not cue.on_grid:
                break
            seconds += cue.delay_s * self.pace_scale
            if cue.tone:
                break
        return seconds

    def change_pace(self, base_pace_s: float, slower: bool) -> float:
        """Every count still to come stretches or shrinks alike: 4-7-8 stays 4-7-8.
        Returns the new seconds per count."""
        low, high = PACE_LIMITS_S
        scale = self.pace_scale * (1.25 if slower else 0.8)
        self.pace_scale = min(max(scale, low / base_pace_s), high / base_pace_s)
        following = self.cues[self.index] if self.index < len(self.cues) else None
        if following is not None and following.on_grid and not following.after_end:
            self.next_at = self.last_start + following.delay_s * self.pace_scale
        return base_pace_s * self.pace_scale
