"""Reading and writing the config file: YAML -> the frozen dataclasses of config.py,
with errors that name the field and the line. Loading goes `load_config(path)` ->
`config_from_yaml(text)` -> `_build(node)`, walking YAML *nodes* (not plain dicts) so
every error can point at the line it came from; `save_settings` changes fields in the
file, `config_to_yaml` prints the effective config."""

from __future__ import annotations

import dataclasses
import io
import math
import os
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path

import yaml
from ruamel.yaml import YAML, CommentedMap
from ruamel.yaml.error import YAMLError

from pausebuddy import paths
from pausebuddy.config import CHOICES, FORMATS, RANGES, Config, ConfigError

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
    return _build(cls, root, "", _Reading(source, ranges or RANGES, choices or CHOICES))


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
        if dotted in FORMATS and not re.fullmatch(FORMATS[dotted][0], value):
            fail(f"a time span like {FORMATS[dotted][1]} (22:00-07:00)")
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
    its other settings, its comments and its order (a round-trip YAML library), and check
    the result loads before replacing the file. The old file is kept beside it as
    config.yaml.before-tune."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    round_trip = YAML()  # keeps comments, order and quoting
    round_trip.width = 100
    try:
        data = round_trip.load(text) if text.strip() else None
    except YAMLError:
        config_from_yaml(text, source=str(path))  # names the line
        raise
    data = CommentedMap() if data is None else data
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config is not a mapping of settings")
    for dotted, value in settings.items():
        *parents, key = dotted.split(".")
        node = data
        for parent in parents:
            if not isinstance(node.get(parent), dict):
                node[parent] = CommentedMap()
            node = node[parent]
        node[key] = value
    out = io.StringIO()
    round_trip.dump(data, out)
    new_text = out.getvalue()
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
