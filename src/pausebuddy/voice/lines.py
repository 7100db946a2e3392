"""Every fixed line pausebuddy can say, for rendering them ahead of time."""

from __future__ import annotations

from pausebuddy.config import Config
from pausebuddy.exercises import breathing_cues, grounding_cues
from pausebuddy.wording import prompts, say_duration


def fixed_lines(config: Config) -> list[str]:
    """Prompts without blanks to fill, and every exercise cue (counts included)."""
    lines: list[str] = []
    for value in prompts().values():
        for text in value if isinstance(value, list) else [value]:
            if "{" not in text:
                lines.append(text)
    lines += [cue.text for cue in breathing_cues(config.breathing_cycles)]
    lines += [cue.text for cue in grounding_cues(config.grounding_answer_s)]
    lines.append(prompts()["remind_in"].format(duration=say_duration(config.break_minutes * 60)))
    return list(dict.fromkeys(lines))
