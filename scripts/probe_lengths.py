#!/usr/bin/env python3
"""Does the first report of a time-out carry the length said with it, under another voice?

    .venv/bin/python scripts/probe_lengths.py

The loop answers the first report of a time-out; once it speaks it hears only "stop", so
a length heard a moment later is lost. This says "Pause buddy, time out for forty five
minutes." between two lines of talk, in 4 voices, under a partner's voice and under
babble at 10 dB (2 seeds each), and prints one table: what each report was, and how
often the first one carried the right length (docs/hearing-verifier.md, "Lengths").
"""

from __future__ import annotations

import numpy as np

from pausebuddy.config import Config
from pausebuddy.hearing import create_recognizer, hear_all
from pausebuddy.phrases import PhraseBook
from pausebuddy.synth import backdrop, voices

VOICES = [voices.PIPER, "en-us+klatt", "en-us+f3", "en-gb-x-rp+klatt2"]
SAID_S = 45 * 60


def _quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * 16000), np.int16)


def main() -> int:
    config = Config()
    book = PhraseBook(config.phrases)
    print("| voice | seed | other voice | reports (intent, length s) | first right |")
    print("| --- | --- | --- | --- | --- |")
    right = total = 0
    for voice in VOICES:
        before = voices.say(voice, "I cannot believe you said that to my mother again.")
        phrase = voices.say(voice, "Pause buddy, time out for forty five minutes.")
        after = voices.say(voice, "I just need some air right now.")
        said = np.concatenate([before, _quiet(0.4), phrase, _quiet(0.3), after, _quiet(1.5)])
        for seed in (3, 4):
            for kind in ("partner", "babble"):
                other = getattr(backdrop, kind)(len(said) / 16000 + 1, seed=seed)
                recognizer = create_recognizer(config.hearing, book)
                heard = [
                    (h.intent.value, h.length_s)
                    for h in hear_all(recognizer, backdrop.mix(said, other, 10))
                    if h.intent is not None
                ]
                first = bool(heard) and heard[0] == ("timeout", SAID_S)
                right, total = right + first, total + 1
                print(f"| {voice} | {seed} | {kind} 10 dB | {heard} | {'yes' if first else 'no'} |")
    print(f"\nThe first report carried the length said: {right}/{total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
