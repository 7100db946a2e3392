"""The whole loop through `pausebuddy run --input`: real speech in, real speech out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import ONE_CYCLE, json_lines, phrase_in_talk, run_cli

from pausebuddy import app, audio, sinks
from pausebuddy.config_file import load_config
from pausebuddy.synth import scene, voices
from pausebuddy.wording import prompts

LINES = prompts()
SHORT = "break_minutes: 0.5\nbreathing_cycles: 1\nreminder_repeats: 0\nsnooze_minutes: 0.25\n"


def run_loop(tmp_path: Path, talk: scene.Scene, config: Path, name: str = "scene"):
    """Run the loop on `talk`; (events, output samples)."""
    scene_wav = talk.write(tmp_path / f"{name}.wav")
    out, events = tmp_path / f"{name}.said.wav", tmp_path / f"{name}.events.jsonl"
    result = run_cli(
        "run", "--config", config, "--input", scene_wav, "--output", out, "--events", events
    )
    assert result.returncode == 0, result.stderr
    return json_lines(events.read_text()), audio.read_wav(out)


def said(events: list[dict]) -> list[dict]:
    return [e for e in events if e["type"] == "said"]


@pytest.mark.parametrize("voice", [voices.PIPER, "en-us+klatt"])
def test_a_whole_time_out(tmp_path: Path, write_config, voice: str) -> None:
    talk = phrase_in_talk(voice, "Pause buddy, time out.")
    _, phrase_start, phrase_end = talk.marks[0]
    events, output = run_loop(tmp_path, talk, write_config(SHORT))

    heard = [e for e in events if e["type"] == "heard"]
    assert [e["intent"] for e in heard] == ["timeout"]
    assert phrase_start - 0.5 <= heard[0]["start"] and heard[0]["end"] <= phrase_end + 0.5

    lines = said(events)
    # The acknowledgement starts within half a second of the phrase ending (input clock).
    assert lines[0]["text"] == LINES["timeout_ack"]
    assert phrase_end <= lines[0]["t"] <= phrase_end + 0.5
    assert 0 <= lines[0]["t"] - heard[0]["t"] <= 0.3  # from the moment it was heard
    # Then the breathing cues, in order, then the break is announced.
    texts = [e["text"] for e in lines]
    first_in = texts.index("In")
    assert texts[first_in : first_in + 19] == ONE_CYCLE
    announce = next(e for e in lines if e["text"].startswith("Take your break."))
    assert "30 seconds" in announce["text"]
    # The reminder comes at the break length after the announcement, on the input's clock.
    reminder = next(e for e in events if e["type"] == "reminder")
    assert reminder["t"] == pytest.approx(announce["end"] + 30, abs=0.15)
    assert texts[-1] in LINES["return_prompts"]
    kinds = [e["type"] for e in events if e["type"] not in ("said", "tone", "breath")]
    assert kinds == [
        "heard",
        "session_started",
        "session_ended",
        "break_started",
        "reminder",
        "break_ended",
    ]
    # A soft tone comes before the reminder's words.
    tone = next(e for e in events if e["type"] == "tone")
    assert tone["t"] == reminder["t"] and tone["end"] <= lines[-2]["t"]

    # What it said is in the output WAV, time-aligned with the input.
    assert len(output) / audio.RATE_HZ >= lines[-1]["end"] - 0.05
    ack = output[int(lines[0]["t"] * audio.RATE_HZ) : int(lines[0]["end"] * audio.RATE_HZ)]
    before = output[: int(phrase_end * audio.RATE_HZ)]
    assert np.abs(ack).max() > 1000 and np.abs(before).max() == 0


def _reply_after(talk: scene.Scene, seconds: float, text: str, label: str) -> scene.Scene:
    talk.pause(max(seconds - talk.duration_s, 0.0))
    return talk.add(voices.PIPER, text, 0.0, label=label).pause(1.0)


def test_stop_ends_a_session_kindly(tmp_path: Path, write_config) -> None:
    config = write_config(SHORT + "timeout_exercise: grounding\ngrounding_answer_s: 8\n")
    talk = phrase_in_talk(voices.PIPER, "Pause buddy, time out.")
    events, _ = run_loop(tmp_path, talk, config, "first")
    # Say "stop" while they should be naming five things they can see.
    see = next(e for e in said(events) if "five things you can see" in e["text"])
    _reply_after(talk, see["end"] + 2.0, "Stop.", "stop")
    events, _ = run_loop(tmp_path, talk, config, "second")
    heard = [e["intent"] for e in events if e["type"] == "heard"]
    assert heard == ["timeout", "stop"]
    texts = [e["text"] for e in said(events)]
    assert LINES["stopped"] in texts
    assert not any("four things you can touch" in t for t in texts)
    ended = next(e for e in events if e["type"] == "session_ended")
    assert ended["stopped"] is True
    # The break still runs: stopping an exercise is not ending the time-out.
    assert any(e["type"] == "reminder" for e in events)


def test_five_more_minutes_then_we_are_ready(tmp_path: Path, write_config) -> None:
    config = write_config(SHORT + "timeout_exercise: none\nreminder_repeats: 1\n")
    talk = phrase_in_talk(voices.PIPER, "Pause buddy, time out.")
    events, _ = run_loop(tmp_path, talk, config, "first")
    prompt = next(e for e in said(events) if e["text"] in LINES["return_prompts"])

    _reply_after(talk, prompt["end"] + 1.0, "Five more minutes.", "more")
    events, _ = run_loop(tmp_path, talk, config, "second")
    snooze = next(e for e in said(events) if e["text"].startswith("Okay. I'll remind you again"))
    assert "5 minutes" in snooze["text"]  # the length they said, not snooze_minutes
    # Unanswered, it would repeat later too (reminder_repeats: 1).
    reminders = [e for e in events if e["type"] == "reminder"]
    assert reminders[1]["t"] == pytest.approx(snooze["end"] + 300, abs=0.15)

    prompt = [e for e in said(events) if e["text"] in LINES["return_prompts"]][1]
    _reply_after(talk, prompt["end"] + 1.0, "We're ready.", "ready")
    events, _ = run_loop(tmp_path, talk, config, "third")
    heard = [e["intent"] for e in events if e["type"] == "heard"]
    assert heard == ["timeout", "more_time", "ready"]
    assert said(events)[-1]["text"] in LINES["ready"]
    assert len([e for e in events if e["type"] == "reminder"]) == 2  # nothing after ready


def test_louder_by_voice_is_heard_said_louder_and_kept_across_restarts(
    tmp_path: Path, write_config
) -> None:
    config, state = write_config(""), tmp_path / "state" / "break.json"

    def run(phrase: str, name: str) -> tuple[list[dict], np.ndarray]:
        scene_wav = phrase_in_talk(voices.PIPER, phrase).write(tmp_path / f"{name}.wav")
        out, events = tmp_path / f"{name}.said.wav", tmp_path / f"{name}.jsonl"
        result = run_cli(
            "run", "--config", config, "--input", scene_wav, "--output", out,
            "--events", events, "--state", state,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return json_lines(events.read_text()), audio.read_wav(out)

    def loudness_db(events: list[dict], output: np.ndarray) -> float:
        line = said(events)[-1]
        part = output[int(line["t"] * audio.RATE_HZ) : int(line["end"] * audio.RATE_HZ)]
        return 20 * np.log10(np.sqrt(np.mean(part.astype(float) ** 2)))

    before = loudness_db(*run("Pause buddy, how long?", "before"))
    events, _ = run("Pause buddy, louder.", "louder")
    assert [e["intent"] for e in events if e["type"] == "heard"] == ["louder"]
    assert [e["text"] for e in said(events)] == [LINES["louder"]]
    # A restart: the same line is now a step (3 dB) louder, its peaks held by the limiter.
    events, output = run("Pause buddy, how long?", "after")
    assert said(events)[-1]["text"] == LINES["how_long_none"]
    assert 2.0 < loudness_db(events, output) - before < 3.5
    assert np.abs(output).max() < 32000


def test_a_custom_phrase_works_and_the_default_then_does_not(tmp_path, write_config) -> None:
    config = write_config('phrases:\n  timeout: ["pause buddy, red card"]\n')
    custom = phrase_in_talk(voices.PIPER, "Pause buddy, red card.").write(tmp_path / "c.wav")
    default = phrase_in_talk(voices.PIPER, "Pause buddy, time out.").write(tmp_path / "d.wav")
    result = run_cli("spot", "--config", config, custom, default)
    assert result.returncode == 0, result.stderr
    found = [(Path(d["file"]).name, d["intent"]) for d in json_lines(result.stdout)]
    assert found == [("c.wav", "timeout")]


def test_breathe_command_writes_the_session(tmp_path: Path, write_config) -> None:
    out, events = tmp_path / "b.wav", tmp_path / "b.jsonl"
    result = run_cli(
        "breathe",
        "--config",
        write_config("breathing_cycles: 2\n"),
        "--output",
        out,
        "--events",
        events,
    )
    assert result.returncode == 0, result.stderr
    texts = [e["text"] for e in said(json_lines(events.read_text()))]
    assert texts.count("In") == 2 and texts[-1].startswith("Well done")
    assert len(audio.read_wav(out)) > 40 * audio.RATE_HZ


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"this is not audio at all" * 10, "not a readable WAV file"),
        (
            b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00"
            b"\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00",
            "holds no audio",
        ),
    ],
)
def test_bad_input_audio_is_a_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    for command in (("run", "--input", bad), ("spot", bad)):
        result = run_cli(*command)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and str(bad) in result.stderr
        assert "Traceback" not in result.stderr


def test_a_missing_input_file_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("run", "--input", tmp_path / "nope.wav")
    assert result.returncode == 2 and "nope.wav" in result.stderr


def test_a_missing_model_directory_says_what_to_do(tmp_path: Path, write_config) -> None:
    config = write_config(f"hearing:\n  model: {tmp_path / 'no-model'}\n")
    result = run_cli("spot", "--config", config, tmp_path / "x.wav")
    assert result.returncode == 2
    assert "no-model" in result.stderr and "hearing.model" in result.stderr


def test_no_microphone_says_what_to_do(write_config) -> None:
    config = write_config("audio:\n  input_device: no-such-microphone-here\n")
    result = run_cli("run", "--config", config, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Cannot open the microphone" in result.stderr
    assert "pausebuddy devices" in result.stderr and "Traceback" not in result.stderr


def test_the_demo_tells_the_whole_story(tmp_path: Path) -> None:
    said_wav, scene_wav = tmp_path / "said.wav", tmp_path / "scene.wav"
    result = run_cli("demo", "--output", said_wav, "--scene", scene_wav)
    assert result.returncode == 0, result.stderr
    story = result.stdout
    for step in (
        "-> timeout",
        LINES["timeout_ack"],
        "session started breathing",
        "In",
        "I'll remind you in 1 minute",
        "the break is over: reminder",
    ):
        assert step in story
    assert any(prompt in story for prompt in LINES["return_prompts"])
    assert len(audio.read_wav(said_wav)) > len(audio.read_wav(scene_wav))


def test_grounding_waits_for_the_answer_then_moves_on(tmp_path: Path, write_config) -> None:
    config = write_config("grounding_answer_s: 30\n")
    talk = scene.Scene().pause(0.5).add(voices.PIPER, "Pause buddy, grounding.", 0.0)
    events, _ = run_loop(tmp_path, talk.pause(1.0), config, "first")
    see = next(e for e in said(events) if "five things you can see" in e["text"])
    # They take a moment, then name five things; it must not cut in while they talk.
    talk.pause(see["end"] + 2.0 - talk.duration_s)
    talk.add(
        voices.PIPER,
        "The lamp. The window. The sofa. A cup. The rug by the door.",
        0.0,
        label="answer",
    )
    _, _, answer_end = talk.marks[-1]
    events, _ = run_loop(tmp_path, talk.pause(1.0), config, "second")
    touch = next(e for e in said(events) if "four things you can touch" in e["text"])
    # Not while they were talking, and not the whole 30 s: about 3 s after they finished.
    assert answer_end + 2.5 <= touch["t"] <= answer_end + 4.0
    # With nobody answering, it waits the full time.
    later = next(e for e in said(events) if "three things you can hear" in e["text"].lower())
    assert later["t"] == pytest.approx(touch["end"] + 30, abs=0.05)


def test_live_lines_queued_ahead_neither_deafen_it_early_nor_outlast_a_stop(
    tmp_path: Path, write_config
) -> None:
    """Live, cues reach the speaker half a second ahead of their time (app.LOOKAHEAD_S).
    It must still hear a "stop" said just before a count, and the count already queued
    must not be said after it."""
    config = load_config(write_config("breathing_cycles: 1\n"))
    quiet = scene.Scene().pause(25.0)
    events, _ = _live_session(tmp_path, config, quiet, "first")
    first_in = next(e for e in said(events) if e["text"] == "In")
    talk = _reply_after(scene.Scene(), first_in["t"] - 1.2, "Stop.", "stop").pause(6.0)
    events, _ = _live_session(tmp_path, config, talk, "second")
    heard = [e for e in events if e["type"] == "heard"]
    assert [e["intent"] for e in heard] == ["stop"]
    stopped = next(e for e in said(events) if e["text"] == LINES["stopped"])
    # Its answer is not held back behind the count that was queued: that one was dropped.
    assert stopped["t"] <= heard[0]["t"] + 0.1
    assert not any(e["text"] == "two" for e in said(events))


def _live_session(tmp_path: Path, config, talk: scene.Scene, name: str):
    """A breathing session through the live loop's code (lookahead and all), on a WAV."""
    wav = talk.write(tmp_path / f"{name}.wav")
    out, events = tmp_path / f"{name}.said.wav", tmp_path / f"{name}.jsonl"
    loop = app.build_loop(config, sinks.WavTimeline(out), events, live=True)
    app.run_loop(loop, audio.wav_file_blocks(wav), drain=True, until_idle=True, start="breathing")
    return json_lines(events.read_text()), audio.read_wav(out)
