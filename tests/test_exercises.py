"""The exercise cue lists: 4-7-8 as taught, grounding from five to one."""

from __future__ import annotations

from conftest import ONE_CYCLE

from pausebuddy.exercises import breathing_cues, grounding_cues


def test_breathing_is_4_7_8_for_each_cycle() -> None:
    cues = breathing_cues(cycles=4)
    texts = [c.text for c in cues]
    assert "exhale" in " ".join(texts).lower() or "breathe all the way out" in " ".join(texts)
    grid = texts[texts.index("In") : -1]
    assert grid == ONE_CYCLE * 4
    # Counts sit on a one-second grid anchored to scheduled starts, not to clip ends.
    counts = cues[texts.index("In") + 1 : -1]
    assert all(c.delay_s == 1.0 and not c.after_end for c in counts)


def test_cycles_follow_the_config() -> None:
    assert [c.text for c in breathing_cues(2)].count("In") == 2


def test_grounding_goes_five_to_one_and_waits_for_answers() -> None:
    cues = grounding_cues(answer_s=12)
    prompts = [c for c in cues if c.waits_for_answer]
    assert len(prompts) == 5
    for prompt, number, sense in zip(
        prompts,
        ("five", "four", "three", "two", "one"),
        ("see", "touch", "hear", "smell", "taste"),
        strict=True,
    ):
        assert number in prompt.text.lower() and sense in prompt.text.lower()
    assert all(c.delay_s == 12 for c in cues[2:])
