"""The level set by voice: its steps, its file, and the limiter that keeps louder clean."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pausebuddy.voice import Clip
from pausebuddy.voice.tones import LIMIT, at_gain
from pausebuddy.volume import HIGHEST_DB, Volume


def test_the_level_is_kept_in_its_file_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "volume.json"
    assert Volume(path).level_db == 0.0 and not path.exists()
    volume = Volume(path)
    volume.step(louder=False)
    volume.step(louder=False)
    assert Volume(path).level_db == -6.0
    assert Volume(path).gain == np.float64(10 ** (-6 / 20))


def test_a_damaged_or_odd_level_file_gives_the_usual_level_or_the_nearest_step(
    tmp_path: Path, caplog
) -> None:
    path = tmp_path / "volume.json"
    path.write_text("{not json")
    assert Volume(path).level_db == 0.0
    assert "Ignoring the saved volume" in caplog.text
    path.write_text('{"level_db": 40}')
    assert Volume(path).level_db == HIGHEST_DB
    path.write_text('{"level_db": -4.2}')
    assert Volume(path).level_db == -3.0


def test_a_level_that_cannot_be_saved_still_holds_for_now(tmp_path: Path, caplog) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("")
    volume = Volume(blocked / "volume.json")  # its folder is a file: nothing can be saved
    assert volume.step(louder=True) and volume.level_db == 3.0
    assert "Could not keep the volume" in caplog.text


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(-32768, 32767), min_size=1, max_size=3000),
    st.floats(1.01, 2.0),
)
def test_louder_never_clips(samples: list[int], gain: float) -> None:
    loud = at_gain(Clip(np.array(samples, np.int16), 22050), gain).samples
    assert np.abs(loud.astype(np.int32)).max() <= LIMIT + 1


def test_louder_speech_is_louder_where_it_is_quiet_and_held_at_its_peaks() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(22050) / 22050
    # Speech-like: a quiet stretch, then a loud one peaking near full scale.
    wave = np.sin(2 * np.pi * 200 * t) * np.where(t < 0.5, 3000, 31000)
    clip = Clip((wave + rng.normal(0, 100, len(t))).astype(np.int16), 22050)
    loud = at_gain(clip, 10 ** (6 / 20)).samples.astype(float)
    quiet_part = slice(1000, 10000)
    ratio = np.abs(loud[quiet_part]).max() / np.abs(clip.samples[quiet_part]).max()
    assert 1.95 < ratio < 2.05  # +6 dB where there is room
    assert np.abs(loud).max() <= LIMIT + 1
    softer = at_gain(clip, 0.5).samples
    assert np.abs(softer).max() == np.round(np.abs(clip.samples.astype(float)).max() * 0.5)


def test_the_level_is_kept_beside_the_break_or_in_the_state_dir_live(
    tmp_path: Path, monkeypatch
) -> None:
    from pausebuddy import app, paths
    from pausebuddy.breaks import BreakStore

    monkeypatch.setattr(paths, "state_dir", lambda: tmp_path / "state")
    assert app._volume_file(BreakStore(tmp_path / "b" / "break.json"), live=False) == (
        tmp_path / "b" / "volume.json"
    )
    # `pausebuddy breathe` keeps no break, and speaks at the level chosen by voice.
    assert app._volume_file(None, live=True) == tmp_path / "state" / "volume.json"
    assert app._volume_file(None, live=False) is None  # a run on a file leaves no trace
