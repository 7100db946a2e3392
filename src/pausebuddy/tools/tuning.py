"""Tune the hearing to the couple's own voices.

The wake-word stage hears a request through the wake word ("pause buddy, ..."), so its
keyphrase threshold decides whether that stage hears their phrase at all. From a few
recordings of them saying the phrase it finds the strictest threshold that hears every
recording, then loosens it as far as a margin allows (a voice on a bad day, a noisier
evening) while synthesized talk is still not taken for the phrase. When a phrase model
covers the phrase, its threshold is set too: below the least sure it was of any
recording, by a margin (never stricter than configured), and no lower than talk allows.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from pausebuddy import audio
from pausebuddy.audio import RATE_HZ
from pausebuddy.config import Config, ConfigError
from pausebuddy.config_file import default_config_path, load_config, save_settings
from pausebuddy.hearing import create_recognizer, hear_all
from pausebuddy.microphone import Microphone, take
from pausebuddy.phrases import Intent, PhraseBook
from pausebuddy.tools.phrase_check import MAX_FALSE_ACCEPTS_PER_HOUR, measure_false_accepts

THRESHOLDS = [10.0**-e for e in range(10, 75, 5)]
"""Keyphrase thresholds tried, strict to loose."""
MARGIN_STEPS = 2
"""How many steps looser than the strictest one that hears every recording it tries."""
MIN_RECORDINGS = 3


class TuningError(Exception):
    pass


@dataclass
class Tuning:
    threshold: float
    heard: list[int]
    """Recordings heard at each threshold of THRESHOLDS (up to the chosen one)."""
    strictest: float
    """The strictest threshold that heard every recording."""
    false_accepts: int
    talk_hours: float
    phrase_threshold: float | None = None
    """The phrase model's, when one covers the phrase."""
    phrase_scores: list[float] | None = None
    """How sure the phrase model was of each recording."""
    both_false_accepts: int | None = None
    """False accepts with both stages at the tuned thresholds (same talk)."""
    confirm_threshold: float | None = None
    """Lowered when the phrase model is less sure of a recording than the configured
    confirmation needs (else what the wake-word stage hears of it would not count)."""
    verifier_threshold: float | None = None
    """The verifier's, lowered when it found a recording less likely than configured."""
    verifier_scores: list[float] | None = None
    """How likely the verifier found the phrase in each recording."""


def heard_in(recording: np.ndarray, intent: Intent, config: Config) -> bool:
    """Is `intent` heard in this recording (no session running, as in daily use)?

    In daily use the recognizer has been listening to the room for a while, and its
    input normalization has settled on the room and voices; a fresh one hears a short
    recording worse. So the recording is heard twice and only the second time counts.
    """
    book = PhraseBook(config.phrases)
    recognizer = create_recognizer(config.hearing, book)
    second_from = len(recording) / RATE_HZ - 0.2
    for item in hear_all(recognizer, np.concatenate([recording, recording])):
        if item.intent is intent and item.start_s >= second_from:
            return True
    return False


def tune(
    recordings: list[np.ndarray],
    phrase: str,
    intent: Intent,
    config: Config,
    minutes: float = 10.0,
    report=print,
) -> Tuning:
    if len(recordings) < MIN_RECORDINGS:
        raise TuningError(
            f"Tuning needs at least {MIN_RECORDINGS} recordings of the phrase"
            f" (got {len(recordings)}): both of you, more than once."
        )
    if not PhraseBook(config.phrases).wake_word:
        raise TuningError("There is no wake word to tune (phrases.wake_word is empty).")
    full = config
    config = replace(config, phrases=replace(config.phrases, **{intent.value: [phrase]}))

    def at(threshold: float) -> Config:
        # The wake-word stage alone: the phrase model would hear the recordings at any
        # wake threshold, and the strictest would be taken.
        return replace(
            config, hearing=replace(config.hearing, wake_threshold=threshold, phrase_model=False)
        )

    counts, strictest = [], None
    for threshold in THRESHOLDS:
        heard = sum(heard_in(r, intent, at(threshold)) for r in recordings)
        counts.append(heard)
        report(f"  threshold {threshold:.0e}: heard {heard} of {len(recordings)}")
        if heard == len(recordings):
            strictest = threshold
            break
    if strictest is None:
        raise TuningError(
            f"Even the loosest threshold heard the phrase in only {max(counts)} of"
            f" {len(recordings)} recordings. Record again nearer the microphone in a quiet"
            " moment, or choose a longer phrase (pausebuddy check-phrase)."
        )
    # Loosest first: take the widest margin that talk does not trigger.
    index = THRESHOLDS.index(strictest)
    for step in range(MARGIN_STEPS, -1, -1):
        threshold = THRESHOLDS[min(index + step, len(THRESHOLDS) - 1)]
        report(f"  checking threshold {threshold:.0e} on {minutes:g} minutes of talk ...")
        false, hours = measure_false_accepts(phrase, intent, at(threshold), minutes)
        if false / hours <= MAX_FALSE_ACCEPTS_PER_HOUR or step == 0:
            result = Tuning(threshold, counts, strictest, false, hours)
            break
    else:
        raise AssertionError("unreachable")
    if full.hearing.phrase_model and full.hearing.engine == "pocketsphinx":
        _tune_phrase_model(result, recordings, phrase, intent, full, minutes, report)
    if full.hearing.verifier and full.hearing.engine == "pocketsphinx":
        _tune_verifier(result, recordings, phrase, full, report)
    return result


VERIFIER_MARGIN = 0.5
VERIFIER_FLOOR = -6.0
"""The verifier's threshold goes this far below the least likely recording (if that is
below the configured one), never below the floor: down to it, no talk and no "pause
buddy" followed by other words was heard (docs/hearing-verifier.md)."""


def _tune_verifier(
    result: Tuning,
    recordings: list[np.ndarray],
    phrase: str,
    config: Config,
    report: Callable[[str], None],
) -> None:
    from pausebuddy.hearing.verdict import Parts
    from pausebuddy.hearing.verifier import MAX_WINDOW_S, load_verifier
    from pausebuddy.phrases import normalize

    verifier = load_verifier(config.hearing.verifier_model)
    if verifier is None:
        report("  the verifier's model is not installed: it is not tuned")
        return
    book = PhraseBook(config.phrases)
    # As the verifier's grammar writes it: the wake word, a comma, the request.
    words = normalize(phrase)
    if words.startswith(book.wake_word):
        words = words[len(book.wake_word) :].strip()
    said = f"{book.wake_word}, {words}"
    limit = int(MAX_WINDOW_S * RATE_HZ)
    wake_tokens = verifier.count_tokens(f"{book.wake_word},")
    scored = [verifier.score(verifier.encode(r[-limit:]), [said])[0] for r in recordings]
    scores = [Parts.of(s.logs, wake_tokens).request_weakest for s in scored]
    report("  its least likely word piece per recording: " + ", ".join(f"{s:.2f}" for s in scores))
    threshold = min(config.hearing.verifier_threshold, min(scores) - VERIFIER_MARGIN)
    result.verifier_threshold = round(max(threshold, VERIFIER_FLOOR), 2)
    result.verifier_scores = scores


PHRASE_MARGIN = 0.1
PHRASE_LIMITS = (0.3, 0.9)
"""The phrase threshold goes this far below the least sure recording (if that is below
the configured one), within these limits."""


def _tune_phrase_model(
    result: Tuning,
    recordings: list[np.ndarray],
    phrase: str,
    intent: Intent,
    config: Config,
    minutes: float,
    report,
) -> None:
    from pausebuddy.hearing.phrase_model import PhraseSpotter, find_model, request_phrases
    from pausebuddy.phrases import normalize

    book = PhraseBook(config.phrases)
    said = request_phrases(book)
    model = find_model(said)
    spoken = normalize(phrase if book.has_wake_word(phrase) else f"{book.wake_word} {phrase}")
    if model is None or spoken not in model.phrases:
        report(
            "  no phrase model covers this phrase (pausebuddy learn): only the"
            " wake-word stage is tuned"
        )
        return
    spotter = PhraseSpotter(model, config.hearing.phrase_threshold)
    scores = [spotter.peak(r, spoken) for r in recordings]
    report("  the phrase model's certainty per recording: " + ", ".join(f"{s:.2f}" for s in scores))
    # Looser than the configured one if their voices need it, never stricter: clean
    # recordings score higher than the same voices on a noisy evening.
    threshold = max(
        min(min(scores) - PHRASE_MARGIN, config.hearing.phrase_threshold), PHRASE_LIMITS[0]
    )
    confirm = config.hearing.confirm_threshold
    if min(scores) < confirm:
        # The wake-word stage must be able to hear their least clear recording.
        confirm = round(min(scores) / 2, 3)
        result.confirm_threshold = confirm
    while True:
        tuned = replace(
            config,
            hearing=replace(
                config.hearing,
                phrase_threshold=threshold,
                wake_threshold=result.threshold,
                confirm_threshold=confirm,
            ),
        )
        report(
            f"  checking phrase threshold {threshold:.2f} (both stages) on {minutes:g}"
            " minutes of talk ..."
        )
        false, hours = measure_false_accepts(phrase, intent, tuned, minutes)
        if false / hours <= MAX_FALSE_ACCEPTS_PER_HOUR or threshold >= PHRASE_LIMITS[1]:
            break
        threshold = min(round(threshold + 0.1, 2), PHRASE_LIMITS[1])
    result.phrase_threshold, result.phrase_scores = round(threshold, 2), scores
    result.both_false_accepts = false


def command(args: argparse.Namespace) -> int:
    """`pausebuddy tune`."""
    config = load_config(args.config)
    phrase = args.phrase or config.phrases.timeout[0]
    intent = (
        Intent.TIMEOUT
        if args.phrase is None
        else (PhraseBook(config.phrases).match(phrase) or _no_intent(phrase)).intent
    )
    if args.record:
        recordings = _record_takes(config, args.record, phrase)
    elif args.files:
        recordings = [audio.read_wav(path) for path in args.files]
    else:
        raise ConfigError("tune needs WAV files of the phrase, or --record N")
    path = Path(args.config) if args.config else default_config_path()
    status, _ = tune_and_save(config, path, recordings, phrase, intent, args.minutes, args.dry_run)
    return status


def tune_and_save(
    config: Config,
    path: Path,
    recordings: list[np.ndarray],
    phrase: str,
    intent: Intent,
    minutes: float,
    dry_run: bool = False,
) -> tuple[int, Tuning | None]:
    """Tunes on `recordings`, says what it found, saves the thresholds at `path` (unless
    `dry_run`, or talk would be taken for the phrase): (exit status, the tuning if any)."""
    print(f"Tuning the hearing for '{phrase}' on {len(recordings)} recordings:")
    try:
        result = tune(recordings, phrase, intent, config, minutes)
    except TuningError as exc:
        print(f"Not tuned: {exc}")
        return 1, None
    rate = result.false_accepts / result.talk_hours
    print(
        f"Every recording is heard by the wake-word stage from threshold"
        f" {result.strictest:.0e}; with a margin for other days: {result.threshold:.0e},"
        f" where talk was taken for the phrase {result.false_accepts} time(s) in"
        f" {result.talk_hours * 60:.0f} minutes ({rate:.1f} per hour)."
    )
    settings: dict[str, object] = {"hearing.wake_threshold": float(f"{result.threshold:.0e}")}
    phrase_note = ""
    if result.phrase_threshold is not None and result.both_false_accepts is not None:
        rate = result.both_false_accepts / result.talk_hours
        print(
            f"The phrase model was at least {min(result.phrase_scores or [0]):.2f} sure of"
            f" each recording; its threshold: {result.phrase_threshold:.2f}. With both,"
            f" talk was taken for the phrase {result.both_false_accepts} time(s)"
            f" ({rate:.1f} per hour)."
        )
        settings["hearing.phrase_threshold"] = result.phrase_threshold
        phrase_note = f", phrase_threshold {result.phrase_threshold:.2f}"
        if result.confirm_threshold is not None:
            print(
                f"What only the wake-word stage hears now needs the phrase model"
                f" {result.confirm_threshold:g} sure of it (was"
                f" {config.hearing.confirm_threshold:g}), so that it hears every recording."
            )
            settings["hearing.confirm_threshold"] = result.confirm_threshold
            phrase_note += f", confirm_threshold {result.confirm_threshold:g}"
    if result.verifier_threshold is not None and result.verifier_scores:
        print(
            f"The verifier found the phrase at least {min(result.verifier_scores):.2f} likely"
            f" in each recording; its threshold: {result.verifier_threshold:.2f}"
            f" (was {config.hearing.verifier_threshold:.2f})."
        )
        settings["hearing.verifier_threshold"] = result.verifier_threshold
        phrase_note += f", verifier_threshold {result.verifier_threshold:.2f}"
    if rate > MAX_FALSE_ACCEPTS_PER_HOUR:
        print(
            "Not saved: at the threshold your voices need, ordinary talk is heard as the"
            " phrase too. Choose a longer phrase (pausebuddy check-phrase) and tune again."
        )
        return 1, result
    note = (
        f"{time.strftime('%Y-%m-%d %H:%M')}: wake_threshold {result.threshold:.0e}"
        f"{phrase_note} from {len(recordings)} recordings of '{phrase}' (all heard from"
        f" {result.strictest:.0e}; {result.false_accepts} false accepts in"
        f" {result.talk_hours * 60:.0f} min of talk)"
    )
    if dry_run:
        print(f"Dry run, nothing saved. It would record: {note}")
        return 0, result
    save_settings(path, {**settings, "hearing.tuned": note})
    print(f"Saved in {path}. A running pausebuddy takes it on SIGHUP or restart.")
    return 0, result


def _no_intent(phrase: str):
    raise ConfigError(
        f"'{phrase}' is not one of the configured phrases: add it to the config first, then tune it"
    )


def _record_takes(config: Config, takes: int, phrase: str) -> list:
    blocks = Microphone(config.audio.input_device).blocks()
    recordings = []
    try:
        for number in range(1, takes + 1):
            print(f"Take {number} of {takes}: say '{phrase}' now (4 seconds) ...", flush=True)
            recordings.append(take(blocks, 4.0))
            take(blocks, 1.5)  # a breath between takes, not part of either
    finally:
        blocks.close()
    return recordings
