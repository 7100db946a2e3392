"""Is a phrase a good one to adopt? Judged before the couple rely on it.

A phrase is heard well when it is long (syllables give the recognizer evidence), made
of words it knows, unlike ordinary talk, and unlike the other phrases it listens for.
The first three are judged here from the pronunciation dictionary and the talk corpus's
text; the false accepts per hour are measured by `measure_false_accepts` on synthesized
talk with the real recognizer.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from pausebuddy.config import Config
from pausebuddy.config_file import load_config
from pausebuddy.phrases import REQUESTS, Intent, PhraseBook, normalize
from pausebuddy.synth import talk, voices

MIN_SYLLABLES = 4
"""CMUSphinx's advice for keyphrases is 3-4 syllables or more; fewer are found in
ordinary words too often."""
TOO_CLOSE = 0.7
"""Phone-sequence similarity (0-1) at which two phrases are confused for each other."""
MAX_FALSE_ACCEPTS_PER_HOUR = 0.5
"""Above this a phrase interrupts talk several times an evening. (The whole hearing
aims at 0.1 per hour; a short measurement cannot resolve that, 10 minutes give one
accept = 6 per hour, so any accept at all counts.)"""
_VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}
_COMMON = set(
    "a about all an and are as at be but by can do for from go going got have he her his"
    " i if in is it just know like me my no not now of oh ok okay on one or out right so"
    " that the then there they this time to up us want was we well what when with yeah"
    " you your".split()
)
"""Everyday words: a phrase made only of these is said all the time."""


@dataclass
class Verdict:
    phrase: str
    syllables: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    false_accepts_per_hour: float | None = None

    @property
    def good(self) -> bool:
        return not self.problems


@cache
def pronunciations(dictionary: Path | None = None) -> dict[str, list[str]]:
    """word -> phones of its first pronunciation, from pocketsphinx's dictionary."""
    if dictionary is None:
        from pocketsphinx import get_model_path

        dictionary = Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"
    phones: dict[str, list[str]] = {}
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and "(" not in parts[0]:
            phones[parts[0]] = parts[1:]
    return phones


def judge(
    phrase: str, intent: Intent, config: Config, dictionary: dict[str, list[str]] | None = None
) -> Verdict:
    """Everything that can be said about `phrase` without listening to anything."""
    dictionary = dictionary if dictionary is not None else pronunciations()
    book = PhraseBook(config.phrases)
    text = normalize(phrase)
    verdict = Verdict(phrase=text)
    words = text.split()
    if not words:
        verdict.problems.append("The phrase is empty.")
        return verdict
    unknown = [w for w in words if w not in dictionary]
    if unknown:
        verdict.problems.append(
            f"The recognizer does not know {', '.join(repr(w) for w in unknown)}, so it"
            " cannot hear the phrase. Use other words."
        )
        return verdict
    phones = [p for w in words for p in dictionary[w]]
    verdict.syllables = sum(p in _VOWELS for p in phones)
    woken = bool(book.wake_word) and text.startswith(book.wake_word)
    core = text[len(book.wake_word) :].strip() if woken else text
    if intent in REQUESTS:
        # What they say: the whole phrase. Requests other than the time-out always come
        # after the wake word, so that is part of what is heard.
        heard_as = text if woken or intent is Intent.TIMEOUT else f"{book.wake_word} {text}"
        if heard_as != text:
            verdict.notes.append(
                f"It is heard only after the wake word: say '{book.wake_word}, {text}'."
            )
        if verdict.syllables < MIN_SYLLABLES and heard_as == text:
            verdict.problems.append(
                f"Too short: {verdict.syllables} syllable(s). Phrases of {MIN_SYLLABLES} or"
                " more syllables are heard more reliably and mistaken for other words less"
                " often."
            )
        if all(w in _COMMON for w in heard_as.split()):
            verdict.problems.append(
                f"Too common: every word of '{heard_as}' is everyday talk, so it would be"
                " heard in ordinary conversation."
            )
    said = [line for line in _corpus_text() if core and f" {core} " in f" {line} "]
    if said:
        where = "only after the wake word" if intent in REQUESTS else "only during a session"
        verdict.notes.append(
            f"People say '{core}' in ordinary talk too (\"{said[0]}\"): it is listened"
            f" for {where}, so that is expected."
        )
    for other_intent, cores in book.cores.items():
        if other_intent is intent:
            continue
        for other in cores:
            closeness = similarity(core, other, dictionary)
            if closeness >= TOO_CLOSE:
                verdict.problems.append(
                    f"Too close to '{other}' ({other_intent.value}): they sound"
                    f" {closeness:.0%} alike, so one could be taken for the other."
                )
    return verdict


def similarity(a: str, b: str, dictionary: dict[str, list[str]]) -> float:
    """How alike two phrases sound, 0-1: their phone sequences' edit similarity."""
    phones_a = [p for w in a.split() for p in dictionary.get(w, [w])]
    phones_b = [p for w in b.split() for p in dictionary.get(w, [w])]
    return Levenshtein.normalized_similarity(phones_a, phones_b)


@cache
def _corpus_text() -> tuple[str, ...]:
    stream = talk.lines(seed=0)
    return tuple(normalize(next(stream)) for _ in range(3000)) + tuple(
        normalize(line) for line in talk.hard_negatives()
    )


def measure_false_accepts(
    phrase: str, intent: Intent, config: Config, minutes: float = 10.0, seed: int = 0
) -> tuple[int, float]:
    """How often `phrase`, configured for `intent`, is heard in `minutes` of synthesized
    talk that never says it: (detections, hours of talk)."""
    from pausebuddy.audio import RATE_HZ, wav_blocks
    from pausebuddy.hearing import create_recognizer, hear_all
    from pausebuddy.synth import corpus

    phrases = replace(config.phrases, **{intent.value: [phrase]})
    book = PhraseBook(phrases)
    recognizer = create_recognizer(config.hearing, book)
    recognizer.expecting_reply = intent not in REQUESTS
    # espeak-ng voices only: a minute of Piper takes longer to make than to hear.
    speakers = [s for s in voices.SPEAKERS if s.voice != voices.PIPER]
    samples = 0

    def blocks():
        nonlocal samples
        for piece in corpus.talk_pieces(speakers, minutes * 60, seed):
            samples += len(piece)
            yield from wav_blocks(piece)

    heard = 0
    for item in hear_all(recognizer, blocks()):
        heard += item.intent is intent
    return heard, samples / RATE_HZ / 3600


def command(args: argparse.Namespace) -> int:
    """`pausebuddy check-phrase`."""
    config = load_config(args.config)
    intent = Intent(args.intent)
    verdict = judge(args.phrase, intent, config)
    about = f": {verdict.syllables} syllables" if verdict.syllables else ""
    print(f"'{verdict.phrase}' as a {intent.value} phrase{about}.")
    if verdict.syllables and args.minutes > 0:
        print(f"Listening for it in {args.minutes:g} minutes of synthesized talk ...", flush=True)
        heard, hours = measure_false_accepts(args.phrase, intent, config, args.minutes)
        verdict.false_accepts_per_hour = heard / hours
        print(
            f"Heard it {heard} time(s) in {hours * 60:.1f} minutes of talk that never says"
            f" it: {heard / hours:.1f} false accepts per hour."
        )
        if heard / hours > MAX_FALSE_ACCEPTS_PER_HOUR:
            verdict.problems.append(
                "It is heard in ordinary talk: it would speak up when nobody asked."
            )
    for note in verdict.notes:
        print(f"Note: {note}")
    for problem in verdict.problems:
        print(f"Problem: {problem}")
    print("Good: no problems found." if verdict.good else "Better choose another phrase.")
    return 0 if verdict.good else 1
