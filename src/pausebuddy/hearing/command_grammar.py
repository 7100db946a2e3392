"""The command grammar of the pocketsphinx engine, pure: a small finite-state grammar
(optional talk, the optional wake word, a few bridging words, at most one command,
optional talk), the pronunciations it needs, and finding a command in the words heard."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

from pausebuddy.hearing import SAMPLE_RATE_HZ, Heard, HearingError

PRONUNCIATION = re.compile(r"\(\d+\)$")
"""The mark of an alternative pronunciation in a word ("read(2)")."""

# Garbage words for the command grammar: frequent, short English words that absorb talk
# around a command. They are never reported; they are not phrases. Measured: this list
# of 39 hears better in noise and costs 0.7x the CPU of a list of 90 (which let filler
# win over "time out" at 10 dB), with no more false accepts on talk.
FILLER = (
    "a the i you and to it is that of we my in so no do be he she they what this not have"
    " was for on at me all with but just can like oh yeah right well"
).split()


# The grammar's costs (-ln probability) of a filler word, the wake word, a bridge and a
# command: what pocketsphinx's JSGF compiler gave them in the grammar this replaced.
FILLER_COST = 0.662
WAKE_COST = 0.1066
BRIDGE_COST = 0.3199
COMMAND_COST = 0.5513
GRAMMAR_END = 3
"""The grammar's final state (its start is 0)."""

# Words people put between the wake word and what they ask for.
BRIDGE = [
    "please",
    "we need a",
    "we need",
    "i need a",
    "can we have a",
    "can we",
    "just",
    "let's have a",
]


def pronunciations(dict_path: Path, words: set[str]) -> dict[str, list[str]]:
    """The dictionary's lines for each of `words` that it has ("read" and "read(2)")."""
    found: dict[str, list[str]] = {}
    try:
        with dict_path.open(encoding="utf-8") as lines:
            for line in lines:
                word = PRONUNCIATION.sub("", line.split(maxsplit=1)[0]) if line.strip() else ""
                if word in words:
                    found.setdefault(word, []).append(line if line.endswith("\n") else line + "\n")
    except OSError as exc:
        raise HearingError(
            f"pocketsphinx's dictionary {dict_path} cannot be read: {exc}. "
            "Run scripts/setup.sh again."
        ) from exc
    return found


def is_silence(word: str) -> bool:
    return word.startswith(("<", "[", "(")) or not word


def find_core(words: list[str], cores: list[str]) -> tuple[int, int] | None:
    """(first, last) word index of the earliest, then longest, core in `words`."""
    best = None
    for core in cores:
        size = len(core.split())
        for i in range(len(words) - size + 1):
            if " ".join(words[i : i + size]) == core:
                key = (i, -size)
                if best is None or key < best[0]:
                    best = (key, (i, i + size - 1))
                break
    return best[1] if best else None


def extend(words: list[str], found: tuple[int, int], cores: list[str]) -> int:
    """The last index of words[first:] that still reads as the start of some core."""
    first, last = found
    while last + 1 < len(words):
        prefix = " ".join(words[first : last + 2]) + " "
        if not any((core + " ").startswith(prefix) for core in cores):
            break
        last += 1
    return last


def heard_from(text: str, start: int, end: int, prob: float) -> Heard:
    return Heard(
        text=text,
        start_s=start / SAMPLE_RATE_HZ,
        end_s=end / SAMPLE_RATE_HZ,
        score=float(min(max(prob, 0.0), 1.0)),
    )


def command_fsg(wake_word: str, cores: list[str], filler: list[str], weight: float) -> list[tuple]:
    """Optional talk, the optional wake word, at most one command, optional talk: the
    transitions (from state, to state, probability[, word]) of a small finite-state
    grammar.

    The filler soaks up talk around a command so it is not forced onto a phrase. (A loop
    of weighted filler/command items was tried: it cost twice the CPU and heard "stop"
    in ordinary talk.) Between the wake word and the command only a few set words may
    come ("pause buddy, we need a time out"): any filler there let near-misses of the
    wake word pick a command out of ordinary talk.

    Written as states rather than JSGF: the JSGF compiler gave every filler word states
    of its own (702 states), and the search keeps a history entry for each state a word
    ends in, in every frame (60 MB and a CPU second per second of talk). Here all the
    filler words loop on one state. The probabilities are the ones the JSGF compiler gave
    the same grammar (_*_COST), raised to the language weight as the compiler does
    (create_fsg does not), and the two hear alike: 60 of 88 replies each, 71 of 82 in
    the quick hearing benchmark each.
    """
    start, woken, command, end = 0, 1, 2, GRAMMAR_END
    transitions: list[tuple] = []
    new_state = itertools.count(end + 1)

    def path(src: int, dst: int, words: str, cost: float) -> None:
        """A word sequence from src to dst through states of its own."""
        *inner, last = words.split()
        for word in inner:
            state = next(new_state)
            transitions.append((src, state, math.exp(-cost * weight), word))
            src, cost = state, 0.0
        transitions.append((src, dst, math.exp(-cost * weight), last))

    for word in filler:
        transitions.append((start, start, math.exp(-FILLER_COST * weight), word))
        transitions.append((end, end, math.exp(-FILLER_COST * weight), word))
    path(start, woken, wake_word, WAKE_COST)
    for bridge in BRIDGE:
        path(woken, command, bridge, BRIDGE_COST)
    for core in cores:
        path(command, end, core, COMMAND_COST)
    # What may be left out (wake word, bridge, command), as null transitions: each one
    # straight to where it leads, since pocketsphinx follows only one after a word.
    transitions += [
        (start, command, 1.0),
        (start, end, 1.0),
        (woken, command, 1.0),
        (woken, end, 1.0),
        (command, end, 1.0),
    ]
    return transitions
