"""Voice activity: speech found in synthesized talk, forgotten on reset, without leaking."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from pausebuddy.activity import Activity
from pausebuddy.audio import wav_blocks
from pausebuddy.synth import voices


def _in_use() -> int:
    """Bytes malloc has handed out and not had back (glibc)."""

    class MallInfo2(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_size_t)
            for name in (
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
            ).split()
        ]

    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MallInfo2
    info = libc.mallinfo2()
    return info.uordblks + info.hblkhd


def test_speech_is_found_and_reset_forgets_it() -> None:
    activity = Activity()
    speech = voices.say("en-us+klatt", "I cannot believe you said that to my mother again.")
    assert any(activity.talking(block) for block in wav_blocks(speech[: len(speech) // 2]))
    assert activity.in_speech
    activity.reset()
    assert not activity.in_speech
    assert not activity.talking(np.zeros(1600, np.int16))


def test_reset_keeps_no_native_memory() -> None:
    # Each new pocketsphinx Endpointer keeps 20 kB for good; the recognizer starts over
    # every time pausebuddy speaks, so over months that was the process's growth.
    try:
        _in_use()
    except (OSError, AttributeError):
        pytest.skip("not glibc: mallinfo2 is not there to measure with")
    activity = Activity()
    activity.reset()
    before = _in_use()
    for _ in range(2000):
        activity.reset()
    assert _in_use() - before < 200_000
