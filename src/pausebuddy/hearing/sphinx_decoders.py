"""pocketsphinx's two decoders, built for the configured phrases: the keyphrase spotter
(the wake word; "stop" over its own voice) and the command grammar's decoder. Each knows
only the words its searches use."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from pocketsphinx import Decoder, get_model_path

from pausebuddy.config import HearingConfig
from pausebuddy.hearing import SAMPLE_RATE_HZ, HearingError
from pausebuddy.hearing.command_grammar import (
    BRIDGE,
    FILLER,
    GRAMMAR_END,
    command_fsg,
    pronunciations,
)
from pausebuddy.phrases import Intent, PhraseBook

FRAMES_PER_S = 100
SAMPLES_PER_FRAME = SAMPLE_RATE_HZ // FRAMES_PER_S
_FEED = SAMPLE_RATE_HZ // 20
"""Samples handed to the decoder per call (see feed)."""

# Extra pocketsphinx search options for the command grammar's decoder
# (scripts/bench_hearing.py --search tries others). The search keeps a history entry for
# each grammar state a word ends in, in every frame: as JSGF (702 states) a window of talk
# took 60 MB and about a CPU second per second, which maxhmmpf=2000 nearly halved. The
# grammar is now a few states (command_grammar.py): about 1 MB and 0.1 CPU s per s, and
# maxhmmpf no longer binds (the same replies heard without it); it stays as a bound. The
# memory is given back after each window (native_memory). The "stop" spotter has a
# decoder of its own, which this does not touch (with one decoder it did: "stop" over its
# voice at -10 dB was heard 3 of 9 times instead of 8).
SEARCH_OPTIONS: dict[str, float | int] = {"maxhmmpf": 2000}
SPOTTER_OPTIONS: dict[str, float | int] = {}
"""The spotter's (wake word, "stop"): pocketsphinx's defaults."""

STOP_THRESHOLD = 1e-15
"""Keyphrase threshold for "stop" over its own voice (after the echo canceller). Measured
on a breathing session with its voice at -10 dB and 0 dB: 1e-5 heard 3 and 2 of 9, 1e-15
heard 8 and 9 of 9, 1e-20 9 and 9 with one more false hit at 0 dB. With the room's
cepstral mean kept (below), 1e-20 made false stops in 3 of 16 whole sessions, but that
was measured before the loop scheduled cues ahead of the block they fall in (the likelier
cause); 1e-15 after that: none in 16."""


def model_dir(config: HearingConfig) -> Path:
    """hearing.model, or the English model inside pocketsphinx's wheel."""
    return Path(config.model) if config.model else Path(get_model_path()) / "en-us" / "en-us"


def spotter(model: Path, config: HearingConfig, phrases: PhraseBook) -> Decoder:
    """The keyphrase spotter: search "spot" for the wake word (and, with
    hearing.spot_bare_timeout, the time-out words alone), search "stop" for "stop"."""
    bare = phrases.cores[Intent.TIMEOUT] if config.spot_bare_timeout else []
    cores = [phrases.wake_word, *bare, *phrases.cores[Intent.STOP]]
    decoder = _decoder(model, SPOTTER_OPTIONS, {w for core in cores for w in core.split()}, phrases)
    with tempfile.TemporaryDirectory(prefix="pausebuddy-") as tmp:
        kws = Path(tmp) / "keyphrases.txt"
        lines = [f"{phrases.wake_word} /{config.wake_threshold:g}/"]
        lines += [f"{core} /{config.bare_timeout_threshold:g}/" for core in bare]
        kws.write_text("\n".join(lines) + "\n", encoding="utf-8")
        decoder.add_kws("spot", str(kws))
        stop = Path(tmp) / "stop.txt"
        stop.write_text(
            "".join(f"{core} /{STOP_THRESHOLD:g}/\n" for core in phrases.cores[Intent.STOP]),
            encoding="utf-8",
        )
        decoder.add_kws("stop", str(stop))
    return decoder


def grammar(model: Path, phrases: PhraseBook, cores: list[str]) -> Decoder:
    """The command grammar's decoder: the wake word, `cores` and filler (command_grammar)."""
    filler = [w for w in FILLER if w not in phrases.words()]
    words = {w for text in [phrases.wake_word, *cores, *filler, *BRIDGE] for w in text.split()}
    decoder = _decoder(model, SEARCH_OPTIONS, words, phrases)
    filler = [w for w in filler if decoder.lookup_word(w)]
    fsg = command_fsg(phrases.wake_word, cores, filler, decoder.config["lw"])
    decoder.add_fsg("command", decoder.create_fsg("command", 0, GRAMMAR_END, fsg))
    decoder.activate_search("command")
    return decoder


def _decoder(model: Path, options: dict, words: set[str], phrases: PhraseBook) -> Decoder:
    """A decoder that knows `words` (what its searches use) and no others: the whole
    dictionary costs 22 MB more per decoder."""
    if not model.is_dir():
        raise HearingError(
            f"pocketsphinx model directory {model} does not exist: fix hearing.model"
            " in the config, or remove it to use the model that ships with pocketsphinx"
        )
    dict_path = model.parent / "cmudict-en-us.dict"
    if not dict_path.exists():
        dict_path = model / "cmudict-en-us.dict"
    known = pronunciations(dict_path, words)
    missing = sorted(w for w in phrases.words() if w in words and w not in known)
    if missing:
        raise HearingError(
            "these phrase words are not in pocketsphinx's dictionary: "
            + ", ".join(missing)
            + ". Say them with other words in the config phrases."
        )
    with tempfile.TemporaryDirectory(prefix="pausebuddy-") as tmp:
        small = Path(tmp) / "words.dict"
        small.write_text(
            "".join(line for lines in known.values() for line in lines), encoding="utf-8"
        )
        try:
            return Decoder(
                hmm=str(model),
                dict=str(small),
                lm=None,
                bestpath=False,
                samprate=SAMPLE_RATE_HZ,
                loglevel="FATAL",
                **options,
            )
        except (RuntimeError, ValueError) as exc:
            raise HearingError(f"pocketsphinx could not load {model}: {exc}") from exc


def feed(decoder: Decoder, samples: np.ndarray) -> None:
    """To a decoder a piece at a time: pocketsphinx holds Python's GIL while it decodes
    (a 3 s replay through the grammar: 0.3 s here), and the microphone's callback needs
    it to take its audio."""
    for i in range(0, len(samples), _FEED):
        decoder.process_raw(samples[i : i + _FEED].tobytes(), False, False)


class Seg:
    """A copy of a pocketsphinx segment (the decoder reuses its own)."""

    def __init__(self, seg) -> None:
        self.word: str = seg.word
        self.start_frame: int = seg.start_frame
        self.end_frame: int = seg.end_frame
        self.prob: float = seg.prob
