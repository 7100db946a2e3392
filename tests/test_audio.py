"""WAV input read a piece at a time: any length, joined without seams."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from pausebuddy import audio, microphone, sinks
from pausebuddy.timeline import Timeline


def _write(path: Path, samples: np.ndarray, rate: int, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.repeat(samples, channels).astype("<i2").tobytes())
    return path


def test_pieces_join_without_seams(tmp_path: Path) -> None:
    rate = 44100
    t = np.arange(int(25.3 * rate)) / rate  # three pieces, the last one partial
    tone = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    path = _write(tmp_path / "tone.wav", tone, rate, channels=2)
    blocks = list(audio.wav_file_blocks(path))
    assert all(len(b) == audio.BLOCK for b in blocks[:-1])
    joined = np.concatenate(blocks).astype(np.float64)
    assert abs(len(joined) - 25.3 * audio.RATE_HZ) <= 1
    expected = 8000 * np.sin(2 * np.pi * 440 * np.arange(len(joined)) / audio.RATE_HZ)
    inner = slice(100, len(joined) - 100)  # the file's own two ends excepted
    assert np.max(np.abs(joined[inner] - expected[inner])) < 80  # 1% of the tone


def test_a_wav_written_to_a_pipe_claims_no_length_and_is_read_to_its_end(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.wav", np.full(16000 * 3, 1000, np.int16), 16000)
    data = bytearray(path.read_bytes())
    at = data.index(b"data")
    data[at + 4 : at + 8] = struct.pack("<I", 0xFFFFFFFF)
    path.write_bytes(bytes(data))
    assert len(audio.read_wav(path)) == 16000 * 3


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"RIFF\x00\x00\x00\x00WAVEjunk", "not a readable WAV"),
        (b"not a wav at all", "not a readable WAV"),
    ],
)
def test_a_bad_file_is_an_error_before_any_block(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(audio.AudioError, match=words):
        audio.wav_file_blocks(path)


def test_the_timeline_places_each_clip_at_its_time_across_its_pieces(tmp_path: Path) -> None:
    from pausebuddy.voice import Clip

    timeline = sinks.WavTimeline(tmp_path / "said.wav")
    one = Clip(np.full(3 * audio.RATE_HZ, 1000, np.int16), audio.RATE_HZ)
    timeline.play(one, 58.5)  # across the first 60 s piece's end
    timeline.play(one, 60.0)  # overlapping it
    timeline.cut(62.0)  # interrupted
    timeline.extend_to(70.0)
    timeline.close()
    said = audio.read_wav(tmp_path / "said.wav")
    assert len(said) == 70 * audio.RATE_HZ
    at = audio.RATE_HZ
    assert said[int(58.4 * at)] == 0 and said[int(59 * at)] == 1000
    assert said[int(60.5 * at)] == 2000 and said[int(61.9 * at)] == 1000
    assert not said[62 * at :].any()


def test_a_timeline_it_cannot_write_is_an_error_at_once(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        sinks.WavTimeline(tmp_path / "missing" / "said.wav")


def test_one_timeline_places_cuts_moves_and_forgets_clips() -> None:
    timeline = Timeline()
    timeline.place(2, np.ones(4, dtype=np.float32))
    timeline.place(4, np.full(4, 2.0, dtype=np.float32), tag="second")
    assert timeline.mix(0, 10).tolist() == [0, 0, 1, 1, 3, 3, 2, 2, 0, 0]
    assert timeline.end == 8
    timeline.cut(5)  # interrupted: nothing from sample 5 on
    assert timeline.mix(0, 10).tolist() == [0, 0, 1, 1, 3, 0, 0, 0, 0, 0]
    timeline.move(4, 3)  # the second clip came late: it plays 3 samples later
    assert timeline.mix(0, 10).tolist() == [0, 0, 1, 1, 1, 0, 0, 2, 0, 0]
    timeline.forget_before(6)
    assert [clip.tag for clip in timeline.clips] == ["second"]


def test_the_microphones_first_block_is_placed_on_the_speakers_clock() -> None:
    """A sound server that starts delivering 1.23 s after the epoch: its first block comes
    after that much silence, in the loop's blocks, so its clock is the speaker's."""
    first = np.ones(audio.BLOCK, dtype=np.int16)
    blocks = microphone.lead_in(first, 1.23)
    assert [len(b) for b in blocks[:-1]] == [audio.BLOCK] * 12
    joined = np.concatenate(blocks)
    assert len(joined) == int(1.23 * audio.RATE_HZ) + audio.BLOCK
    assert not joined[: int(1.23 * audio.RATE_HZ)].any() and joined[-audio.BLOCK :].all()
    assert microphone.lead_in(first, -0.2) == [first]  # heard before it: as it came
