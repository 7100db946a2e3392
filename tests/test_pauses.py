"""Whether a reply stands alone (hearing/pauses.py), on shaped noise: loud stretches for
words, quieter ones for pauses, under steady room noise."""

from __future__ import annotations

import numpy as np

from pausebuddy.hearing import SAMPLE_RATE_HZ
from pausebuddy.hearing.pauses import pause_after, stands_alone

_RNG = np.random.default_rng(0)


def _sound(*parts: tuple[float, float], noise_db: float = -60) -> np.ndarray:
    """(seconds, level dB relative to a word) for each stretch, over noise at noise_db."""
    pieces = [
        _RNG.standard_normal(int(s * SAMPLE_RATE_HZ)) * 3000 * 10 ** (db / 20) for s, db in parts
    ]
    sound = np.concatenate(pieces)
    sound += _RNG.standard_normal(len(sound)) * 3000 * 10 ** (noise_db / 20)
    return sound.astype(np.int16)


def test_a_word_between_pauses_stands_alone() -> None:
    sound = _sound((1.0, 0), (0.6, -60), (0.5, 0), (0.6, -60))
    assert stands_alone(sound, int(2.2 * SAMPLE_RATE_HZ) - 8000, int(2.1 * SAMPLE_RATE_HZ))


def test_a_word_inside_talk_does_not() -> None:
    talk = _sound((1.6, 0), (0.5, 0), (0.6, 0))
    assert not stands_alone(talk, int(1.6 * SAMPLE_RATE_HZ), int(2.1 * SAMPLE_RATE_HZ))
    # Talk straight on after it, or straight into it, is enough.
    after = _sound((1.0, 0), (0.6, -60), (0.5, 0), (0.6, 0))
    before = _sound((1.6, 0), (0.5, 0), (0.6, -60))
    for sound in (after, before):
        assert not stands_alone(sound, int(1.6 * SAMPLE_RATE_HZ), int(2.1 * SAMPLE_RATE_HZ))


def test_a_gap_between_words_is_not_a_pause() -> None:
    # Before it, the silence before a sentence; after it, a short dip between words
    # that is 15 dB under them but far above that silence.
    sound = _sound((1.0, -60), (0.5, 0), (0.25, -15), (0.6, 0))
    assert not stands_alone(sound, int(1.0 * SAMPLE_RATE_HZ), int(1.5 * SAMPLE_RATE_HZ))


def test_the_pauses_show_under_noise_10_db_down() -> None:
    sound = _sound((1.0, 0), (0.6, -60), (0.5, 0), (0.6, -60), noise_db=-10)
    assert stands_alone(sound, int(1.6 * SAMPLE_RATE_HZ), int(2.1 * SAMPLE_RATE_HZ))


def test_where_the_recording_ends_counts_as_quiet() -> None:
    sound = _sound((0.5, 0), (0.3, -60))
    assert stands_alone(sound, 0, int(0.5 * SAMPLE_RATE_HZ))


def test_as_it_streams_the_pause_after_must_be_heard_first() -> None:
    sound = _sound((1.0, -60), (0.5, 0), (0.6, -60))
    word = (int(1.0 * SAMPLE_RATE_HZ), int(1.5 * SAMPLE_RATE_HZ))
    assert not stands_alone(sound[: word[1]], *word, ended=False)
    # A pause of 0.2 s after it is enough; it need not wait for the whole 0.4 s.
    assert stands_alone(sound[: int(1.75 * SAMPLE_RATE_HZ)], *word, ended=False)


def test_a_pause_after_a_time_out_is_a_long_quiet_not_the_gap_before_its_length() -> None:
    phrase = (int(0.5 * SAMPLE_RATE_HZ), int(1.5 * SAMPLE_RATE_HZ))
    # "... time out." then a pause, under other voices 25 dB down.
    paused = _sound((0.5, -25), (1.0, 0), (0.5, -25), (0.5, 0), noise_db=-25)
    assert pause_after(paused[: phrase[1] + 1600], *phrase) is None  # not heard yet
    assert pause_after(paused, *phrase) is True
    # "... time out for ...": the quiet of a stop and a fricative, 0.2 s, is no pause.
    gap = _sound((0.5, -25), (1.0, 0), (0.2, -25), (0.6, 0), noise_db=-25)
    assert pause_after(gap, *phrase) is False
