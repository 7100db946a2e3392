"""The echo canceller on real synthesized speech: its voice goes, a person's stays."""

from __future__ import annotations

import numpy as np

from pausebuddy.audio import RATE_HZ
from pausebuddy.echo import SOMEONE_ELSE_DB, EchoCanceller
from pausebuddy.synth import room, voices

BLOCK = RATE_HZ // 10  # the loop's blocks


def _level_db(samples: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(samples.astype(np.float64) ** 2) + 1.0))


def test_its_voice_is_taken_out_and_a_person_is_not() -> None:
    line = voices.say(
        "en-us+klatt",
        "We breathe in through the nose for four, hold for "
        "seven, and out through the mouth for eight. Well done.",
    )
    played = np.tile(line, int(np.ceil(30 * RATE_HZ / len(line))))[: 30 * RATE_HZ]
    person = np.zeros_like(played, dtype=np.float32)
    stop = voices.say("en-us+f3", "Stop.")
    at = 27 * RATE_HZ + RATE_HZ // 2
    person[at : at + len(stop)] = stop
    heard = room.echo(played, delay_s=0.03) + person
    mic = np.clip(np.round(heard), -32768, 32767).astype(np.int16)

    canceller = EchoCanceller()
    out = np.concatenate(
        [
            canceller.process(mic[i : i + BLOCK], played[i : i + BLOCK], at=i)
            for i in range(0, len(mic), BLOCK)
        ]
    )

    assert len(out) == len(mic)
    echo_only = slice(20 * RATE_HZ, 26 * RATE_HZ)
    assert _level_db(mic[echo_only]) - _level_db(out[echo_only]) > 20
    said = slice(at, at + len(stop))
    assert _level_db(out[said]) > _level_db(stop) - 3
    # A word heard over its voice is told apart by what the canceller left of it: little
    # of its own voice (a word it seemed to say at 29 s), most of the person's "stop".
    assert canceller.left_db(29 * RATE_HZ, 29 * RATE_HZ + RATE_HZ // 2) < SOMEONE_ELSE_DB - 5
    assert canceller.left_db(at, at + len(stop)) > SOMEONE_ELSE_DB + 5


def test_with_nothing_played_the_microphone_passes_untouched() -> None:
    mic = voices.say("en-us+klatt", "Pause buddy, time out.")[: 2 * BLOCK * 5]
    canceller = EchoCanceller()
    silence = np.zeros(BLOCK, dtype=np.float32)
    for i in range(0, len(mic) - BLOCK + 1, BLOCK):
        assert np.array_equal(canceller.process(mic[i : i + BLOCK], silence), mic[i : i + BLOCK])


def test_quiet_before_its_voice_arrives_is_not_learning_the_room() -> None:
    """Live on a busy machine its voice reached the microphone 1.6 s after its time, and the
    microphone's silence until then was taken for a room learned: its own "stop" counted."""
    line = voices.say("en-us+klatt", "Let's do four, seven, eight breathing together.")
    played = np.tile(line, 3)[: 6 * RATE_HZ]
    late = int(1.6 * RATE_HZ)
    mic = np.zeros_like(played)
    mic[late:] = played[:-late] * 0.5  # its voice, late (the canceller reaches 256 ms)
    canceller = EchoCanceller()
    learned = []
    for i in range(0, len(mic) - BLOCK + 1, BLOCK):
        canceller.process(mic[i : i + BLOCK].astype(np.int16), played[i : i + BLOCK], at=i)
        learned.append(canceller.learned)
    assert not any(learned)


def test_a_microphone_that_never_hears_its_voice_is_learned_after_the_delays_reach() -> None:
    """A quiet speaker, or a WAV input without its voice: nothing of it to take out, so it
    listens over its voice once it could have arrived."""
    line = voices.say("en-us+klatt", "Let's do four, seven, eight breathing together.")
    played = np.tile(line, 3)[: 5 * RATE_HZ]
    canceller = EchoCanceller()
    learned_at = None
    for i in range(0, len(played) - BLOCK + 1, BLOCK):
        canceller.process(np.zeros(BLOCK, dtype=np.int16), played[i : i + BLOCK], at=i)
        if canceller.learned and learned_at is None:
            learned_at = i / RATE_HZ
    assert learned_at is not None and 2.0 < learned_at < 3.5
