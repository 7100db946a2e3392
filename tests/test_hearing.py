"""The real pocketsphinx engine on speech synthesized now, through `pausebuddy spot`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import VOICES, json_lines, phrase_in_talk, run_cli

from pausebuddy.synth import backdrop, scene, voices

# One phrase per intent, said the way people would say it.
REQUESTS = {  # need the wake word
    "timeout": "Pause buddy, time out.",
    "breathe": "Pause buddy, breathing.",
    "ground": "Pause buddy, grounding.",
    "cancel": "Pause buddy, cancel the break.",
    "how_long": "Pause buddy, how long?",
}
REPLIES = {  # heard without the wake word while a session runs or a reminder waits
    "stop": "Stop.",
    "next": "Next.",
    "repeat": "Repeat.",
    "more_time": "Five more minutes.",
    "ready": "We're ready.",
}


def _spot(files: dict[str, Path], *flags: str) -> dict[str, list[dict]]:
    result = run_cli("spot", *flags, *files.values())
    assert result.returncode == 0, result.stderr
    by_file: dict[str, list[dict]] = {str(path): [] for path in files.values()}
    for line in json_lines(result.stdout):
        by_file[line["file"]].append(line)
    return {intent: by_file[str(path)] for intent, path in files.items()}


def _heard_in_talk(tmp_path: Path, lines: list[str], gap_s: float, *flags: str) -> list[dict]:
    """What `spot` hears in these lines said by each of VOICES, gap_s apart."""
    talk = scene.Scene()
    for voice in VOICES:
        for line in lines:
            talk.add(voice, line, gap_s)
    path = talk.pause(1.0).write(tmp_path / "talk.wav")
    return _spot({"talk": path}, *flags)["talk"]


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize(
    ("phrases", "flags", "gap_s"),
    [(REQUESTS, (), 0.4), (REPLIES, ("--replies",), 1.5)],
    ids=["requests", "replies"],
)
def test_each_intent_is_heard_inside_talk(
    tmp_path: Path, voice: str, phrases, flags, gap_s: float
) -> None:
    # A reply comes after a moment of quiet (they were breathing, or it just spoke).
    files, marks = {}, {}
    for intent, phrase in phrases.items():
        talk = phrase_in_talk(voice, phrase, gap_s)
        files[intent] = talk.write(tmp_path / f"{intent}.wav")
        marks[intent] = talk.marks[0]
    for intent, detections in _spot(files, *flags).items():
        intents = [d["intent"] for d in detections]
        assert intents == [intent], f"{voice} saying {phrases[intent]!r}: heard {detections}"
        _, start, end = marks[intent]
        # The detection sits on the phrase, not on the talk around it.
        assert start - 0.5 <= detections[0]["start"] and detections[0]["end"] <= end + 0.5


@pytest.mark.parametrize("voice", VOICES)
def test_a_request_with_words_before_it_is_heard_whole(tmp_path: Path, voice: str) -> None:
    # "we need a" between the wake word and the request: the phrase model never heard
    # such words (it took "we need a" for "breathing", and vetoed the time-out), so the
    # grammar's (or the verifier's) words stand; and a length said after it is heard,
    # with it or a moment later (the verifier answers the time-out at once; the loop
    # gives a length heard within seconds to the time-out it just heard).
    said = {
        "bridge": "Pause buddy, we need a time out.",
        "length": "Pause buddy, we need a time out for ten minutes.",
    }
    files = {
        key: phrase_in_talk(voice, phrase).write(tmp_path / f"{key}.wav")
        for key, phrase in said.items()
    }
    heard = _spot(files)
    assert [d["intent"] for d in heard["bridge"]] == ["timeout"], heard
    assert [d["intent"] for d in heard["length"]] in (["timeout"], ["timeout"] * 2), heard
    assert heard["length"][-1]["text"].endswith("for ten minutes"), heard
    assert heard["length"][-1]["end"] - heard["length"][0]["end"] < 3.0, heard


@pytest.mark.parametrize("color", ["pinknoise", "brownnoise"])
def test_time_out_heard_in_noise_at_10_db(tmp_path: Path, color: str) -> None:
    # Piper's natural voice; the espeak voices in noise are measured by the benchmark.
    clean = phrase_in_talk(voices.PIPER, REQUESTS["timeout"]).write(tmp_path / "clean.wav")
    noisy = backdrop.mix_files(clean, tmp_path / "noisy.wav", snr_db=10, color=color)
    detections = _spot({"timeout": noisy})["timeout"]
    assert [d["intent"] for d in detections] == ["timeout"]


@pytest.mark.parametrize("voice", VOICES)
def test_replies_heard_in_noise_at_10_db(tmp_path: Path, voice: str) -> None:
    # The reply model hears these; the grammar alone heard few replies in pink noise.
    # Not all: Piper's "stop" is missed here and its "repeat" taken for "speed up" (the
    # benchmark measures every reply in every condition).
    files = {}
    for intent in ("more_time", "next", "ready"):
        clean = phrase_in_talk(voice, REPLIES[intent], 1.5).write(tmp_path / f"{intent}.wav")
        files[intent] = backdrop.mix_files(clean, tmp_path / f"{intent}-noisy.wav", snr_db=10)
    for intent, detections in _spot(files, "--replies").items():
        assert [d["intent"] for d in detections] == [intent], (voice, intent, detections)


def test_reply_words_inside_sentences_are_not_replies(tmp_path: Path) -> None:
    # In a session, talk that starts with a reply's words is conversation: a reply is
    # said on its own, with a pause after it.
    lines = [
        "Stop the car, I think we missed the turn.",
        "Next week we are going to the coast with the children.",
        "We are ready to order, thank you.",
        "Slow down, you are driving too fast.",
        "Can we repeat the last part of the movie? I missed what he said.",
    ]
    assert _heard_in_talk(tmp_path, lines, 0.8, "--replies") == []


def test_a_reply_after_the_wake_word_counts_only_said_on_its_own(tmp_path: Path) -> None:
    # In a session "pause buddy, skip" is a reply like "skip": said on its own it is
    # heard; run on into a sentence it is conversation (talk where the wake word was
    # misheard gave false "slower" and "skip" that way).
    files = {}
    for name, lines in (
        ("alone", ["We can keep going.", "Pause buddy, skip."]),
        ("inside", ["Pause buddy skip the part about money and listen."]),
    ):
        talk = scene.Scene()
        for line in lines:
            talk.add(voices.PIPER, line, 1.5)
        files[name] = talk.pause(1.0).write(tmp_path / f"{name}.wav")
    heard = _spot(files, "--replies")
    assert [d["intent"] for d in heard["alone"]] == ["next"]
    assert heard["inside"] == []


def test_the_phrase_said_again_right_after_a_false_start_is_heard(tmp_path: Path) -> None:
    # The first "pause buddy" opens a command window that hears no command; the phrase
    # said again while that window is still open must be heard (the spotter keeps
    # listening through windows; it used to be off until the window closed).
    talk = scene.Scene()
    talk.add(voices.PIPER, "I was about to say something.", 0.3)
    talk.add(voices.PIPER, "Pause buddy, no, I mean the dinner.", 0.4)
    talk.add(voices.PIPER, REQUESTS["timeout"], 0.2, label="phrase")
    talk.add(voices.PIPER, "I need a minute.", 0.4)
    path = talk.pause(1.0).write(tmp_path / "again.wav")
    _, start, end = talk.marks[0]
    detections = _spot({"again": path})["again"]
    assert [d["intent"] for d in detections] == ["timeout"]
    assert start - 0.5 <= detections[0]["start"] and detections[0]["end"] <= end + 0.5


@pytest.mark.parametrize("voice", VOICES)
def test_the_phrase_that_breaks_a_long_quiet_is_heard(tmp_path: Path, voice: str) -> None:
    # In a quiet room the wake-word spotter rests; speech must wake it in time to hear
    # the phrase from its first sound.
    quiet = scene.Scene().pause(8.0)
    quiet.add(voice, REQUESTS["timeout"], 0.0, label="phrase")
    clean = quiet.pause(1.5).write(tmp_path / "clean.wav")
    # A quiet room's hum 40 dB under the voice (before synth's one SNR, this test mixed
    # 30 dB under the whole file's level, 8 s of silence included: about the same).
    room = backdrop.mix_files(clean, tmp_path / "room.wav", snr_db=40)
    _, start, end = quiet.marks[0]
    detections = _spot({"room": room})["room"]
    assert [d["intent"] for d in detections] == ["timeout"]
    assert start - 0.5 <= detections[0]["start"] and detections[0]["end"] <= end + 0.5


def test_talk_without_the_phrase_gives_no_detection(tmp_path: Path) -> None:
    lines = [
        "You always bring up my mother when we argue. That is not fair.",
        "We need time to think about this. Can you pause the film for a minute?",
        "My buddy from work is calling about the weekend. It was the best of times.",
        "Stop the car, I think we missed the turn. The next exit is in five miles.",
    ]
    assert _heard_in_talk(tmp_path, lines, 0.5) == []


def test_spot_accepts_any_rate_and_channel_count(tmp_path: Path) -> None:
    import subprocess

    clean = phrase_in_talk(voices.PIPER, REQUESTS["timeout"]).write(tmp_path / "mono16k.wav")
    stereo = tmp_path / "stereo44k.wav"
    subprocess.run(
        ["sox", str(clean), "-r", "44100", "-c", "2", "-b", "24", str(stereo)], check=True
    )
    assert [d["intent"] for d in _spot({"x": stereo})["x"]] == ["timeout"]
