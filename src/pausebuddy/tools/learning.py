"""Learning a phrase model (hearing/phrase_model.py) from synthetic speech, offline.

Each phrase (the requests; or the replies, for the reply model) is spoken by espeak-ng
voices that the hearing benchmark never uses (other variants, accents, speeds and
pitches), between everyday sentences (a small
grammar of its own) or random words from the recognizer's dictionary, clean or under
pink, brown or babble noise at 0-20 dB. The "anything else" class hears the same voices
saying everyday sentences, sentences with some of a phrase's words inside, random
words, the wake word followed by other words, a phrase's words without the wake word,
and near-sounding words. The benchmark's talk, voices and babble are kept out, so its
figures are on unseen speech.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from pausebuddy.audio import RATE_HZ
from pausebuddy.config_file import load_config
from pausebuddy.hearing.embeddings import DIM, SpeechEmbedder, end_s
from pausebuddy.hearing.phrase_model import RECIPE, WINDOW, PhraseModel, windows
from pausebuddy.phrases import PhraseBook
from pausebuddy.synth import backdrop
from pausebuddy.tools.learning_corpus import context, learning_voice, other_text

_LABEL_BEFORE_S = 0.05
_LABEL_AFTER_S = 0.3
"""A window that ends this close to a phrase's end is that phrase."""
_UNLABELLED_AFTER_S = 1.2
"""Windows that end inside a phrase or up to this long after it are left out: they
hold part of it."""


@dataclass(frozen=True)
class Recipe:
    """How much to synthesize. 120 clips per phrase learn ten phrases in about 5 minutes
    on two cores; 240 heard no more (scripts/bench_phrase_model.py)."""

    clips_per_phrase: int = 120
    other_clips: int = 800
    seed: int = 0
    augment: bool = False
    noises: tuple[str, ...] = ("none", "none", "pink", "brown", "babble")
    """Each clip's background, drawn from these ("none": clean). Babble in half the
    clips (none, pink, brown and three babble) heard more under babble but took more
    talk for a request: see the README's hearing benchmark (measured, not taken)."""
    snr_db: tuple[float, float] = (0.0, 20.0)
    """A noisy clip's SNR, drawn evenly from this range."""

    @classmethod
    def scaled(cls, clips_per_phrase: int) -> Recipe:
        """Fewer (or more) clips, in the same proportions."""
        return cls(clips_per_phrase, max(20, clips_per_phrase * cls.other_clips // 120))


def _perturb(clip: np.ndarray, rng: random.Random, augment: bool) -> tuple[np.ndarray, float]:
    """Speed perturbation (a faster or slower talker with a shorter or longer vocal
    tract, as in Kaldi's recipes) and sometimes a reverberant room: more kinds of voice
    than espeak-ng's variants alone. Returns the clip and its speed factor."""
    if not augment:
        return clip, 1.0
    factor = 1.0
    if rng.random() < 0.7:
        factor = rng.uniform(0.85, 1.2)
        at = np.arange(int(len(clip) / factor)) * factor
        clip = np.interp(at, np.arange(len(clip)), clip)
    if rng.random() < 0.3:
        rt60 = rng.uniform(0.15, 0.6)
        t = np.arange(int(rt60 * RATE_HZ)) / RATE_HZ
        tail = np.random.default_rng(rng.randrange(1 << 30)).standard_normal(len(t))
        response = tail * np.exp(-6.9 * t / rt60) * 0.1
        response[0] = 1.0  # the direct sound
        size = 1 << int(np.ceil(np.log2(len(clip) + len(response))))
        wet = np.fft.irfft(np.fft.rfft(clip, size) * np.fft.rfft(response, size), size)
        wet = wet[: len(clip)]
        clip = wet * (
            np.sqrt(np.mean(np.square(clip, dtype=np.float64))) / (np.sqrt(np.mean(wet**2)) or 1.0)
        )
    return np.clip(clip, -32768, 32767).astype(np.int16), factor


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE_HZ), dtype=np.int16)


_EMBEDDER: SpeechEmbedder | None = None
_NOISE: dict[str, np.ndarray] = {}


def _job(args: tuple) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Clips for one seed: (windows, labels, phrase lengths)."""
    global _EMBEDDER
    seed, phrases, wake_word, kinds, recipe = args
    if _EMBEDDER is None:
        _EMBEDDER = SpeechEmbedder()
    rng = random.Random(seed)
    kept, labels, lengths = [], [], []
    for label in kinds:
        speaker = learning_voice(rng)
        text = phrases[label - 1] if label else other_text(rng, phrases, wake_word)
        if text.startswith(f"{wake_word} ") and rng.random() < 0.6:
            text = f"{wake_word}, {text[len(wake_word) + 1 :]}"  # a pause at the comma
        said = speaker.say(text.capitalize() + ".")
        before = speaker.say(context(rng)) if rng.random() < 0.8 else _silence(0.2)
        after = speaker.say(context(rng, 1, 6))
        lead = np.concatenate(
            [_silence(rng.uniform(0.2, 1.0)), before, _silence(rng.uniform(0.05, 0.8))]
        )
        clip = np.concatenate([lead, said, _silence(rng.uniform(0.05, 0.8)), after, _silence(0.3)])
        start_s, stop_s = len(lead) / RATE_HZ, (len(lead) + len(said)) / RATE_HZ
        clip, factor = _perturb(clip, rng, recipe.augment)
        start_s, stop_s = start_s / factor, stop_s / factor
        noise = rng.choice(recipe.noises)
        if noise != "none":
            source = _NOISE[noise]
            at = rng.randrange(len(source) - len(clip)) if len(source) > len(clip) else 0
            clip = backdrop.mix(clip, source[at : at + len(clip)], rng.uniform(*recipe.snr_db))
        if label:
            lengths.append(stop_s - start_s)
        runs = windows(_EMBEDDER.embed(clip))
        for first, run in enumerate(runs):
            ends = float(end_s(first + WINDOW - 1))
            if stop_s - _LABEL_BEFORE_S <= ends <= stop_s + _LABEL_AFTER_S:
                y = label
            elif start_s < ends < stop_s + _UNLABELLED_AFTER_S:
                continue
            else:
                y = 0
            kept.append(run)
            labels.append(y)
    return (
        np.array(kept, dtype=np.float32).reshape(-1, WINDOW * DIM),
        np.array(labels, dtype=np.int16),
        lengths,
    )


def _init(noise: dict[str, np.ndarray]) -> None:
    _NOISE.update(noise)


def _noise(seed: int) -> dict[str, np.ndarray]:
    rng = random.Random(seed)
    talkers = [learning_voice(rng) for _ in range(8)]
    tracks = []
    for _ in range(3):
        pieces = []
        while sum(map(len, pieces)) < 120 * RATE_HZ:
            pieces += [
                rng.choice(talkers).say(context(rng, 4, 12)),
                _silence(rng.uniform(0.1, 0.6)),
            ]
        tracks.append(np.concatenate(pieces)[: 120 * RATE_HZ].astype(np.float64))
    babble = np.clip(sum(tracks) / 2, -32768, 32767).astype(np.int16)
    return {
        "pink": backdrop.noise("pinknoise", 120),
        "brown": backdrop.noise("brownnoise", 120),
        "babble": babble,
    }


@dataclass
class Examples:
    """Synthesized windows to learn from."""

    x: np.ndarray
    """(windows, WINDOW * DIM) embeddings."""
    y: np.ndarray
    """Class of each window: k + 1 for phrases[k], 0 for anything else."""
    durations_s: np.ndarray
    """Median length of each phrase as said."""


def synthesize(
    phrases: list[str],
    wake_word: str,
    recipe: Recipe = Recipe(),
    jobs: int | None = None,
    say: Callable[[str], None] = print,
) -> Examples:
    """Speak, mix and embed the recipe's clips (on every core)."""
    began = time.monotonic()
    kinds = [k + 1 for k in range(len(phrases)) for _ in range(recipe.clips_per_phrase)]
    kinds += [0] * recipe.other_clips
    random.Random(recipe.seed).shuffle(kinds)
    per_job = 20
    tasks = [
        (recipe.seed * 100_003 + i, phrases, wake_word, kinds[i : i + per_job], recipe)
        for i in range(0, len(kinds), per_job)
    ]
    plural = "s" if len(phrases) > 1 else ""
    say(
        f"Learning {len(phrases)} phrase{plural} from {len(kinds)} synthetic clips"
        " (espeak-ng voices, noise) ..."
    )
    noise = _noise(recipe.seed)
    with ProcessPoolExecutor(
        jobs or os.cpu_count() or 2, initializer=_init, initargs=(noise,)
    ) as pool:
        parts = []
        # A bar with a time estimate on a terminal (learning takes minutes); nothing
        # when the output goes to a file or the journal.
        with tqdm(total=len(kinds), unit="clip", desc="  clips", disable=None) as bar:
            for part, task in zip(pool.map(_job, tasks), tasks, strict=True):
                parts.append(part)
                bar.update(len(task[3]))
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    lengths: dict[int, list[float]] = {}
    for (_, _, part_lengths), task in zip(parts, tasks, strict=True):
        for label, length in zip([k for k in task[3] if k], part_lengths, strict=True):
            lengths.setdefault(label, []).append(length)
    say(
        f"  {len(x)} windows ({int((y > 0).sum())} of a phrase) in "
        f"{time.monotonic() - began:.0f} s; fitting ..."
    )
    durations = np.array(
        [float(np.median(lengths.get(k + 1, [np.nan]))) for k in range(len(phrases))]
    )
    return Examples(x, y, durations)


HIDDEN = 32
"""Units in each network's hidden layer."""
MEMBERS = 3
"""Networks learned from different starting points; their logits are averaged. One
network's false accepts depend on its start (0.4 to 1.8 an hour at threshold 0.9 for
three starts on the same clips); three together took talk for a phrase less often than
any of them (scripts/bench_phrase_model.py)."""
_ALPHA = 3.0
"""L2 penalty: strong, so that it is not sure of sounds unlike what it learned from (with
0.01 it took talk for a phrase 19 times an hour at threshold 0.9)."""
_PHRASE_WEIGHT = 5.0
"""A phrase window counts this many times an 'anything else' window: there are far fewer."""


def fit(examples: Examples, phrases: list[str], about: str, seed: int = 0) -> PhraseModel:
    """The classifier over the examples' windows: MEMBERS networks with one hidden layer
    of ReLUs each, joined into one network whose logits are their mean."""
    from sklearn.neural_network import MLPClassifier

    x, y = examples.x, examples.y
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    x = (x - mean) / scale
    hidden, hidden_bias, output, output_bias = [], [], [], 0.0
    for member in range(MEMBERS):
        network = MLPClassifier(
            (HIDDEN,),
            alpha=_ALPHA,
            batch_size=512,
            max_iter=60,
            early_stopping=True,
            random_state=seed * MEMBERS + member,
        )
        network.fit(x, y, sample_weight=np.where(y > 0, _PHRASE_WEIGHT, 1.0))
        assert list(network.classes_) == list(range(len(phrases) + 1))
        (w1, w2), (b1, b2) = network.coefs_, network.intercepts_
        if len(phrases) == 1:
            # One output for two classes: the same as logits (0, w.h + b).
            w2, b2 = np.hstack([np.zeros_like(w2), w2]), np.concatenate([[0.0], b2])
        hidden.append(w1.T)
        hidden_bias.append(b1)
        output.append(w2.T / MEMBERS)
        output_bias = output_bias + b2 / MEMBERS
    layers = [
        (np.concatenate(hidden), np.concatenate(hidden_bias)),
        (np.hstack(output), np.asarray(output_bias)),
    ]
    return PhraseModel(
        list(phrases),
        mean.astype(np.float32),
        scale.astype(np.float32),
        [(w.astype(np.float32), b.astype(np.float32)) for w, b in layers],
        examples.durations_s,
        about,
    )


def learn(
    phrases: list[str],
    wake_word: str,
    recipe: Recipe = Recipe(),
    jobs: int | None = None,
    say: Callable[[str], None] = print,
) -> PhraseModel:
    """A model for `phrases` (as said, wake word included): synthesize, embed, fit."""
    began = time.monotonic()
    examples = synthesize(phrases, wake_word, recipe, jobs, say)
    clips = len(phrases) * recipe.clips_per_phrase + recipe.other_clips
    stamp = time.strftime("%Y-%m-%d %H:%M")
    about = (
        f"recipe {RECIPE}, {clips} clips ({recipe.clips_per_phrase} per phrase, "
        f"{recipe.other_clips} other{', augmented' if recipe.augment else ''}), "
        f"seed {recipe.seed}, learned {stamp}"
    )
    model = fit(examples, phrases, about, recipe.seed)
    say(f"  done in {time.monotonic() - began:.0f} s.")
    return model


def command(args: argparse.Namespace) -> int:
    """`pausebuddy learn`."""
    from pausebuddy.hearing.phrase_model import (
        find_model,
        learned_path,
        reply_phrases,
        request_phrases,
    )

    config = load_config(args.config)
    book = PhraseBook(config.phrases)
    said = reply_phrases(book) if args.replies else request_phrases(book)
    existing = find_model(said)
    if existing is not None and not args.force and not args.output:
        print(
            f"A {'reply' if args.replies else 'phrase'} model for these {len(said)} phrases"
            " is already there "
            f"({existing.about}). --force learns it again."
        )
        return 0
    recipe = Recipe() if args.clips is None else Recipe.scaled(args.clips)
    model = learn(said, book.wake_word, recipe)
    path = Path(args.output) if args.output else learned_path(said)
    model.save(path)
    print(f"Saved to {path}. It hears: " + "; ".join(f"'{p}'" for p in said) + ".")
    return 0
