"""The speaker's mixer: clips placed on one stream's sample clock (no device needed).

The stream itself is tested live through PulseAudio in test_live_audio.py."""

from __future__ import annotations

import numpy as np

from pausebuddy.mixer import Mixer

RATE = 1000  # a small rate keeps the frame arithmetic readable
EPOCH = 1_000_000.0


def play(
    mixer: Mixer, seconds: float, block: int = 37, wall_s: float = EPOCH, latency_s: float = 0.2
) -> np.ndarray:
    """What the stream plays over about `seconds`, asked for in blocks as a device does
    (`wall_s`: when the first of them is asked for)."""
    out = []
    while len(out) * block < seconds * RATE:
        buffer = np.full(block, np.nan, dtype=np.float32)
        mixer.fill(buffer, wall_s + len(out) * block / RATE, latency_s)
        out.append(buffer)
    return np.concatenate(out)


def starts(played: np.ndarray) -> list[int]:
    loud = np.flatnonzero(played != 0)
    return [int(loud[0]), *(int(b) for a, b in zip(loud[:-1], loud[1:], strict=True) if b > a + 1)]


def tone(n: int = 50, value: float = 0.5) -> np.ndarray:
    return np.full(n, value, dtype=np.float32)


def test_clips_keep_their_spacing_to_the_frame_after_one_steady_latency() -> None:
    mixer = Mixer(RATE, EPOCH, margin_s=0.05)
    # Queued 0.15 s ahead of their times, as the loop does; the stream plays 0.2 s late
    # (its latency), so the first clip cannot be on time: all of them move alike.
    mixer.add(tone(), 1.0)
    played = list(play(mixer, 0.5, wall_s=EPOCH + 0.85))
    mixer.add(tone(), 2.0)
    mixer.add(tone(), 3.5)
    played += list(play(mixer, 4.0, wall_s=EPOCH + 1.35))
    onsets = starts(np.array(played))
    assert np.diff(onsets).tolist() == [1000, 1500]
    # Frame 0 plays at 1.05 s (0.85 + 0.2): the first clip 0.05 s after it (the margin),
    # 0.1 s after its time, and the loop is told so (its echo reference moves too).
    assert onsets[0] == 50
    assert round(mixer.moved_s, 3) == 0.1


def test_a_clip_that_comes_too_late_moves_it_and_what_follows() -> None:
    mixer = Mixer(RATE, EPOCH, margin_s=0.0)
    mixer.add(tone(), 0.5)
    played = list(play(mixer, 1.0, wall_s=EPOCH, latency_s=0.0))
    assert mixer.add(tone(), 0.8) > 0  # its frame has gone by: it plays at once, late
    assert mixer.add(tone(), 1.3) == mixer.moved_s  # ... and the next as late
    asked = len(played)
    played += list(play(mixer, 2.0, latency_s=0.0))
    onsets = starts(np.array(played))
    assert onsets[0] == 500
    assert onsets[1] == asked and onsets[2] - onsets[1] == 500
    assert mixer.moved_s * RATE == asked - 800


def test_without_a_clock_clips_follow_each_other() -> None:
    mixer = Mixer(RATE, None, margin_s=0.0)
    mixer.add(tone(100), None)
    mixer.add(tone(100, 0.25), None)
    played = play(mixer, 0.5)
    assert np.all(played[:100] == 0.5) and np.all(played[100:200] == 0.25)
    assert np.all(played[200:] == 0) and not mixer.busy()


def test_overlapping_clips_are_mixed_and_a_cut_silences_everything_at_once() -> None:
    mixer = Mixer(RATE, EPOCH, margin_s=0.0)
    mixer.add(tone(300, 0.25), 0.0)
    mixer.add(tone(300, 0.25), 0.1)
    played = play(mixer, 0.2, latency_s=0.0)
    assert played[50] == 0.25 and played[150] == 0.5
    assert mixer.unplayed_from_s() == 0.0  # the first is still playing
    mixer.cut()
    assert not mixer.busy() and mixer.unplayed_from_s() is None
    assert np.all(play(mixer, 0.5, latency_s=0.0) == 0)
