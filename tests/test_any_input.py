"""Every reader of what a user hands it has two outcomes: a value, or one clear error
(never a traceback). Arbitrary bytes, from Hypothesis, for the config, the saved break,
the history and WAV files; the command line for the cases a new user met."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausebuddy import audio
from pausebuddy.breaks import BreakStore, SavedBreak
from pausebuddy.config import Config, ConfigError
from pausebuddy.config_file import config_from_yaml, load_config
from pausebuddy.history import HistoryLog

# Derandomized: the same examples every run, so CI never fails on a new draw; run
# with --hypothesis-seed=random (and derandomize off) to search further.
FAST = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

yaml_like = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(
        lambda t: (
            t.encode("utf-8", "surrogatepass") if t.isprintable() else t.encode("utf-8", "replace")
        )
    ),
    st.builds(
        lambda key, value: f"{key}: {value}\n".encode("utf-8", "replace"),
        st.sampled_from(
            [
                "break_minutes",
                "hearing",
                "phrases",
                "voice",
                "audio",
                "hearing:\n  verifier_threshold",
                "phrases:\n  stop",
            ]
        ),
        st.text(max_size=40),
    ),
)


@FAST
@given(yaml_like)
def test_a_config_file_is_a_config_or_one_config_error(tmp_path_factory, content: bytes) -> None:
    path = tmp_path_factory.mktemp("config") / "config.yaml"
    path.write_bytes(content)
    try:
        config = load_config(path)
    except ConfigError as err:
        message = str(err)
        assert "\n" not in message and str(path) in message
    else:
        assert isinstance(config, Config)


@FAST
@given(st.text(max_size=200))
def test_config_text_is_a_config_or_one_config_error(text: str) -> None:
    try:
        config_from_yaml(text, source="config.yaml")
    except ConfigError as err:
        assert "\n" not in str(err) and str(err).startswith("config.yaml")


state_like = st.one_of(
    st.binary(max_size=200),
    st.fixed_dictionaries(
        {
            "started": st.one_of(st.floats(), st.text(max_size=5), st.none()),
            "due": st.one_of(st.floats(), st.integers()),
            "length_s": st.floats(),
        }
    ).map(lambda d: repr(d).encode()),
    st.builds(
        lambda a, b, c: f'{{"started": {a}, "due": {b}, "length_s": {c}}}'.encode(),
        st.floats(allow_nan=False),
        st.floats(allow_nan=False),
        st.integers(),
    ),
)


@FAST
@given(state_like)
def test_a_state_file_is_a_break_or_none(tmp_path_factory, content: bytes) -> None:
    store = BreakStore(tmp_path_factory.mktemp("state") / "break.json")
    store.path.write_bytes(content)
    saved = store.load(set_aside=False)
    assert store.path.read_bytes() == content  # read-only: left as it is
    assert saved is None or isinstance(saved, SavedBreak)
    if store.load() is None:  # the running loop moves a damaged file aside
        assert not store.path.exists() or store.path.read_bytes() == b""


@FAST
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=60),
            st.builds(
                lambda s, e, n, h: (
                    f'{{"started": {s}, "ended": {e}, "length_s": {n}, "how": {h}}}'.encode()
                ),
                st.integers(-10, 2**70),
                st.integers(-10, 2**70),
                st.integers(-5, 5000),
                st.sampled_from(['"ready"', '"cancelled"', "3", "null"]),
            ),
        ),
        max_size=8,
    )
)
def test_a_history_file_gives_a_summary(tmp_path_factory, lines: list[bytes]) -> None:
    log = HistoryLog(tmp_path_factory.mktemp("history") / "history.jsonl")
    log.path.write_bytes(b"\n".join(lines))
    summary = log.weekly_summary()
    assert isinstance(summary, str) and summary


def _wav_header(channels: int, rate: int, bits: int, fmt: int, data_len: int) -> bytes:
    block = channels * bits // 8
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_len)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, fmt, channels, rate, rate * block, block, bits)
        + b"data"
        + struct.pack("<I", data_len)
    )


wav_like = st.one_of(
    st.binary(max_size=200),
    st.builds(
        lambda c, r, b, f, n, body: _wav_header(c, r, b, f, n) + body,
        st.integers(0, 9),
        st.integers(0, 200_000),
        st.sampled_from([0, 8, 12, 16, 24, 32, 64]),
        st.sampled_from([1, 3, 2, 0xFFFE]),
        st.integers(0, 2**32 - 37),
        st.binary(max_size=400),
    ),
)


@FAST
@given(wav_like)
def test_a_wav_file_is_audio_or_one_audio_error(tmp_path_factory, content: bytes) -> None:
    path = tmp_path_factory.mktemp("wav") / "x.wav"
    path.write_bytes(content)
    try:
        samples = audio.read_wav(path)
    except audio.AudioError as err:
        assert "\n" not in str(err)
    else:
        assert samples.dtype == np.int16


# -- the command line, as a new user met it ---------------------------------------------


def _not_utf8(tmp: Path) -> Path:
    path = tmp / "config.yaml"
    path.write_bytes(b"break_minutes: 20\n# caf\xe9\n")
    return path


def _bad_yaml(tmp: Path) -> Path:
    path = tmp / "config.yaml"
    path.write_text("hearing:\n  verifier: [\n  x: 1\n", encoding="utf-8")
    return path


def _state(tmp: Path, content: bytes) -> Path:
    path = tmp / "break.json"
    path.write_bytes(content)
    return path


def _under_a_file(tmp: Path) -> Path:
    (tmp / "afile").write_text("", encoding="utf-8")
    return tmp / "afile" / "x"


CASES = {
    "config not UTF-8": (
        lambda t: ["--config", _not_utf8(t), "config", "--show"],
        "line 2: not UTF-8",
    ),
    "invalid YAML": (lambda t: ["--config", _bad_yaml(t), "config", "--show"], "not valid YAML"),
    "learn --clips 0": (lambda t: ["learn", "--clips", "0"], "must be at least 1"),
    "--output into a missing folder": (
        lambda t: ["run", "--input", t / "in.wav", "--output", t / "no" / "said.wav"],
        "--output",
    ),
    "--events into a missing folder": (
        lambda t: ["run", "--input", t / "in.wav", "--events", t / "no" / "e.jsonl"],
        "--events",
    ),
    "state folder not writable": (
        lambda t: ["run", "--input", t / "in.wav", "--state", _under_a_file(t) / "b.json"],
        "cannot save the break",
    ),
    "a WAV that is not one": (lambda t: ["spot", t / "config.yaml"], "not a readable WAV"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_mistake_is_one_line_and_status_2(tmp_path: Path, case: str) -> None:
    args, words = CASES[case]
    audio.write_wav(tmp_path / "in.wav", np.zeros(1600, np.int16))
    (tmp_path / "config.yaml").write_text("not: [a wav", encoding="utf-8")
    result = run_cli(*args(tmp_path))
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], result.stderr


@pytest.mark.parametrize("content", [b"\xff\xfe{", b"{not json", b'{"started": "x"}'])
def test_status_on_a_damaged_state_file_changes_nothing(tmp_path: Path, content: bytes) -> None:
    state = _state(tmp_path, content)
    for command in (["status"], ["status"]):
        result = run_cli(*command, "--state", state)
        assert result.returncode == 0 and "No break is running." in result.stdout
    assert state.read_bytes() == content and len(list(tmp_path.iterdir())) == 1


def test_run_moves_a_state_file_that_is_not_utf8_aside_and_starts(tmp_path: Path) -> None:
    state = _state(tmp_path, b"\xff\xfe{")
    audio.write_wav(tmp_path / "in.wav", np.zeros(1600, np.int16))
    result = run_cli("run", "--input", tmp_path / "in.wav", "--state", state)
    assert result.returncode == 0, result.stderr
    assert not state.exists() and list(tmp_path.glob("break.json.bad-*"))


def test_history_with_damaged_lines_still_summarizes(tmp_path: Path) -> None:
    log = tmp_path / "history.jsonl"
    now = round(time.time())
    log.write_bytes(
        b'{"started": "x"}\n\xff\xfe\n'
        + f'{{"started": {now}, "ended": {now + 1500}, "length_s": 1200, '
        f'"how": "ready"}}\n'.encode()
    )
    (tmp_path / "config.yaml").write_text("keep_history: true\n", encoding="utf-8")
    result = run_cli(
        "--config", tmp_path / "config.yaml", "history", "--state", tmp_path / "break.json"
    )
    assert result.returncode == 0, result.stderr
    assert "1 time-out" in result.stdout and "1 came back" in result.stdout


def test_version_says_which_pausebuddy_this_is() -> None:
    import pausebuddy

    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"pausebuddy {pausebuddy.__version__}"


def test_spot_goes_on_past_a_bad_file_and_says_where_it_heard_nothing(tmp_path: Path) -> None:
    audio.write_wav(tmp_path / "quiet.wav", np.zeros(16000, np.int16))
    (tmp_path / "bad.wav").write_bytes(b"not a wav at all")
    result = run_cli("spot", tmp_path / "bad.wav", tmp_path / "quiet.wav")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "bad.wav: not a readable WAV" in result.stderr
    assert "quiet.wav: heard no configured phrase" in result.stderr
