"""Request phrases (and, in a session, replies) heard whole, by a small classifier over
speech embeddings.

One model covers every configured request phrase as it is said ("pause buddy, time out",
"pause buddy, let's breathe", ...): a small neural network (one hidden layer of ReLUs,
then a softmax; learning joins three networks of 32 units into one) over the last WINDOW
embeddings (2 s of sound), with a class per phrase and one for anything else. It fires
near the end of a phrase. A second model covers the replies ("stop", "five more
minutes", ...), said without the wake word while a session waits for them. Models are
learned from synthetic speech (`pausebuddy learn [--replies]`, tools/learning.py); the
default phrases' models ship in the package.

This is openWakeWord's method (a classifier over Google's speech embeddings, trained on
synthetic speech) with a classifier small enough that learning a couple's own phrase
takes minutes on the device and needs no downloads.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pausebuddy.hearing import SAMPLE_RATE_HZ, HearingError
from pausebuddy.hearing.embeddings import DIM, SpeechEmbedder, end_s
from pausebuddy.phrases import REQUESTS, Intent, PhraseBook, normalize

_LOGGER = logging.getLogger(__name__)

WINDOW = 16
"""Embeddings the classifier sees at once: 16 x 80 ms after the first 0.79 s = 1.99 s."""
RECIPE = 2
"""The learning recipe's version: a model learned by an older recipe is learned again."""
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "phrase_model.npz"
SHIPPED_REPLIES = SHIPPED.with_name("reply_model.npz")
"""The models of the default request phrases and of the default replies."""
COOLDOWN_S = 1.5
"""After a phrase is heard, it is not heard again for this long (the classifier stays
above its threshold for a few frames at the end of a phrase)."""
HISTORY_S = 6.0
"""How far back the spotter remembers how sure it was (PhraseSpotter.most_sure)."""


def request_phrases(phrases: PhraseBook) -> list[str]:
    """Every request phrase as people say it: with the wake word in front when the
    configured phrase does not start with it."""
    said = []
    for intent in sorted(REQUESTS, key=lambda i: i.value):
        for core in phrases.cores[intent]:
            text = normalize(f"{phrases.wake_word} {core}")
            if text not in said:
                said.append(text)
    return said


def reply_phrases(phrases: PhraseBook) -> list[str]:
    """Every reply phrase ("stop", "five more minutes"): said without the wake word."""
    said = []
    for intent in Intent:
        if intent in REQUESTS:
            continue
        for core in phrases.cores[intent]:
            if core not in said:
                said.append(core)
    return said


def model_key(phrases: list[str]) -> str:
    text = f"recipe {RECIPE}\n" + "\n".join(sorted(phrases))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class PhraseModel:
    phrases: list[str]
    """Class k + 1 is phrases[k]; class 0 is anything else."""
    mean: np.ndarray
    scale: np.ndarray
    layers: list[tuple[np.ndarray, np.ndarray]]
    """(weights (out, in), bias (out,)) of each layer, ReLU between them; the last gives
    a logit per class. One layer is a logistic regression."""
    durations_s: np.ndarray
    """Typical length of each phrase as said (to place its start)."""
    about: str
    """What it was learned from, and when."""

    def probabilities(self, windows: np.ndarray) -> np.ndarray:
        """(m, WINDOW * DIM) -> (m, classes)."""
        values = (windows - self.mean) / self.scale
        for weights, bias in self.layers[:-1]:
            values = np.maximum(values @ weights.T + bias, 0)
        weights, bias = self.layers[-1]
        logits = values @ weights.T + bias
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        return odds / odds.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        layers = {
            f"{name}{k}": array
            for k, layer in enumerate(self.layers)
            for name, array in zip(("weights", "bias"), layer, strict=True)
        }
        np.savez_compressed(
            tmp,
            phrases=np.array(self.phrases),
            mean=self.mean,
            scale=self.scale,
            durations_s=self.durations_s,
            about=np.array(self.about),
            recipe=np.array(RECIPE),
            **layers,
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> PhraseModel:
        with np.load(path) as data:
            if int(data["recipe"]) != RECIPE:
                raise ValueError(f"{path} was learned by recipe {int(data['recipe'])}")
            layers = [
                (data[f"weights{k}"], data[f"bias{k}"])
                for k in range(len(data.files))
                if f"weights{k}" in data.files
            ]
            return cls(
                [str(p) for p in data["phrases"]],
                data["mean"],
                data["scale"],
                layers,
                data["durations_s"],
                str(data["about"]),
            )


def windows(embedded: np.ndarray) -> np.ndarray:
    """Every run of WINDOW embeddings, flattened: (len - WINDOW + 1, WINDOW * DIM)."""
    count = max(len(embedded) - WINDOW + 1, 0)
    index = np.arange(WINDOW)[None] + np.arange(count)[:, None]
    return embedded[index].reshape(count, WINDOW * DIM)


def learned_path(phrases: list[str]) -> Path:
    from pausebuddy.paths import cache_dir

    return cache_dir() / "phrase-models" / f"{model_key(phrases)}.npz"


def find_model(phrases: list[str]) -> PhraseModel | None:
    """The model for exactly these phrases: learned on this machine, or shipped."""
    for path in (learned_path(phrases), SHIPPED, SHIPPED_REPLIES):
        if not path.exists():
            continue
        try:
            model = PhraseModel.load(path)
        except (OSError, ValueError, KeyError) as err:
            _LOGGER.warning("Ignoring the phrase model %s: %s", path, err)
            continue
        if sorted(model.phrases) == sorted(phrases):
            return model
    return None


def intent_groups(model: PhraseModel, phrases: PhraseBook) -> tuple[list[Intent], list[int]]:
    """The intents the model's phrases mean, in order, and each phrase's index among
    them: phrases of the same intent form a group."""
    intents = [phrases.match(phrase).intent for phrase in model.phrases]
    order = sorted(set(intents), key=intents.index)
    return order, [order.index(intent) for intent in intents]


def grouping(groups: list[int]) -> np.ndarray:
    """(classes, groups): probabilities @ grouping sums each phrase's into its group's."""
    matrix = np.zeros((len(groups) + 1, max(groups) + 1), np.float32)
    matrix[np.arange(len(groups)) + 1, groups] = 1
    return matrix


def spot(
    sure: np.ndarray, ends: np.ndarray, threshold: float, quiet_until: dict[int, int]
) -> list[tuple[int, int]]:
    """The spotter's rule over windows' group probabilities `sure` (windows, groups)
    ending at `ends` (stream samples): (window, group) where the likeliest group is at
    least `threshold` sure, unless that group was heard less than COOLDOWN_S before.
    `quiet_until` (per group, stream samples) carries the cooldown and is updated. Per
    group, so that talk taken for one request ("we're okay now") does not hide another
    said just after it."""
    found = []
    for row in np.flatnonzero(sure.max(axis=1) >= threshold):
        group, end = int(np.argmax(sure[row])), int(ends[row])
        if end >= quiet_until.get(group, -1):
            quiet_until[group] = end + int(COOLDOWN_S * SAMPLE_RATE_HZ)
            found.append((int(row), group))
    return found


@dataclass(frozen=True)
class Detection:
    phrase: str
    start: int
    end: int
    """Stream samples."""
    score: float
    sure: bool = True
    """False: a candidate, between the candidate threshold and the threshold."""


class PhraseSpotter:
    """Feeds the embedder and the model as sound arrives; says when a phrase ends.
    `origin` is the stream sample the embedder's stream starts at (see `restart`)."""

    def __init__(
        self,
        model: PhraseModel,
        threshold: float,
        groups: list[int] | None = None,
        embedder: SpeechEmbedder | None = None,
        candidate: float = 0.0,
    ) -> None:
        """`groups`: phrases with the same number mean the same ("cancel", "cancel the
        break"): their probabilities add up. `candidate` (0: none): where the model is
        at least this sure but not `threshold` sure, it reports a candidate, for another
        stage to judge."""
        if not 0 < threshold < 1:
            raise HearingError(f"phrase threshold {threshold} must be between 0 and 1")
        self.model = model
        self.threshold = threshold
        self.candidate = candidate if 0 < candidate < threshold else 0.0
        self._candidates_quiet_until: dict[int, int] = {}
        self._grouping = grouping(list(range(len(model.phrases))) if groups is None else groups)
        self.embedder = embedder or SpeechEmbedder()
        self._recent = np.zeros((0, DIM), dtype=np.float32)
        self._origin = 0
        self._quiet_until: dict[int, int] = {}
        """Per group: the stream sample before which it is not heard again (spot)."""
        self._ends = np.zeros(0, dtype=np.int64)
        self._sure = np.zeros((0, self._grouping.shape[1]), dtype=np.float32)
        """The last HISTORY_S of windows: where each ended (stream samples), and how sure
        it was of each group there."""
        self.restart(0)

    def restart(self, origin: int) -> None:
        """A new stream from stream sample `origin` (after a gap in what it was fed)."""
        self.embedder.reset()
        self._recent = np.zeros((0, DIM), dtype=np.float32)
        self._origin = origin

    def most_sure(self, group: int, since: int, until: int) -> float | None:
        """How sure it was of `group` in the windows that ended from stream sample
        `since` to `until`; None when it heard none of that (it was resting)."""
        inside = (self._ends >= since) & (self._ends <= until)
        return float(self._sure[inside, group].max()) if inside.any() else None

    def peak(self, samples: np.ndarray, phrase: str) -> float:
        """How sure it gets of `phrase` (or a phrase meaning the same) anywhere in a
        whole recording."""
        runs = windows(self.embedder.embed(samples))
        if not len(runs):
            return 0.0
        sure = self.model.probabilities(runs) @ self._grouping
        group = int(np.argmax(self._grouping[self.model.phrases.index(phrase) + 1]))
        return float(sure[:, group].max())

    def accept(self, samples: np.ndarray) -> list[Detection]:
        new = self.embedder.accept(samples)
        if not len(new):
            return []
        first = self.embedder.count - len(new)  # index of new[0] in this stream
        self._recent = np.concatenate([self._recent, new])
        found = []
        runs = windows(self._recent)
        count = len(runs)
        if count > 0:
            probs = self.model.probabilities(runs)
            sure = probs @ self._grouping
            last = first + len(new) - count + np.arange(count)  # each window's last embedding
            ends = self._origin + (end_s(last) * SAMPLE_RATE_HZ).astype(int)
            keep = self._ends >= ends[-1] - int(HISTORY_S * SAMPLE_RATE_HZ)
            self._ends = np.concatenate([self._ends[keep], ends])
            self._sure = np.concatenate([self._sure[keep], sure.astype(np.float32)])
            hits = [
                (row, group, True)
                for row, group in spot(sure, ends, self.threshold, self._quiet_until)
            ]
            if self.candidate:
                unsure = sure * (sure.max(axis=1, keepdims=True) < self.threshold)
                hits += [
                    (row, group, False)
                    for row, group in spot(
                        unsure, ends, self.candidate, self._candidates_quiet_until
                    )
                ]
            for row, group, certain in sorted(hits):
                k = int(np.argmax(probs[row] * self._grouping[:, group]))  # its likeliest phrase
                length = int(self.model.durations_s[k - 1] * SAMPLE_RATE_HZ)
                end = int(ends[row])
                found.append(
                    Detection(
                        self.model.phrases[k - 1],
                        max(end - length, 0),
                        end,
                        float(sure[row, group]),
                        certain,
                    )
                )
        self._recent = self._recent[-(WINDOW - 1) :]
        return found
