"""`pausebuddy check`: does it hear the room, and how loud. Levels and verdicts only;
nothing is recorded, and the words are shown only if they are a configured phrase."""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from pausebuddy import audio
from pausebuddy.activity import Activity
from pausebuddy.audio import RATE_HZ
from pausebuddy.config_file import load_config
from pausebuddy.hearing import create_recognizer
from pausebuddy.microphone import Microphone
from pausebuddy.phrases import PhraseBook
from pausebuddy.speaker import Speaker
from pausebuddy.voice import create_voice

QUIET_DBFS = -45.0
"""Speech peaking below this is too quiet to be heard reliably across a room."""
CLIPPING_DBFS = -1.0


def dbfs(samples: np.ndarray) -> float:
    """Root-mean-square level in decibels relative to int16 full scale."""
    if len(samples) == 0:
        return -math.inf
    rms = float(np.sqrt(np.mean(np.square(samples.astype(np.float64)))))
    return 20 * math.log10(rms / 32768) if rms > 0 else -math.inf


@dataclass
class LevelCheck:
    """Half-second levels of what the microphone hears, and whether anyone spoke."""

    levels: list[float] = field(default_factory=list)
    speech_levels: list[float] = field(default_factory=list)
    peak: int = 0
    zeros_only: bool = True

    def meter(self, blocks: Iterable[np.ndarray], seconds: float) -> Iterator[str]:
        """Feeds `seconds` of blocks; yields one meter line per half second."""
        activity = Activity()
        pending: list[np.ndarray] = []
        talking = False
        taken = 0
        for block in blocks:
            pending.append(block)
            taken += len(block)
            talking |= activity.talking(block)
            self.peak = max(self.peak, int(np.max(np.abs(block.astype(np.int32)), initial=0)))
            self.zeros_only &= not block.any()
            if sum(map(len, pending)) >= RATE_HZ // 2 or taken >= seconds * RATE_HZ:
                level = dbfs(np.concatenate(pending))
                self.levels.append(level)
                if talking:
                    self.speech_levels.append(level)
                yield _meter_line(level, talking)
                pending, talking = [], False
            if taken >= seconds * RATE_HZ:
                return

    def verdict(self) -> tuple[bool, list[str]]:
        """(fine, plain-words findings)."""
        if not self.levels or self.zeros_only:
            return False, [
                "The microphone sends only silence: it is muted, or it is not"
                " the right device. List them with `pausebuddy devices` and set"
                " audio.input_device."
            ]
        notes = [
            f"Room level {min(self.levels):.0f} dBFS when quiet,"
            f" loudest {max(self.levels):.0f} dBFS."
        ]
        fine = True
        peak_dbfs = 20 * math.log10(max(self.peak, 1) / 32768)
        if peak_dbfs >= CLIPPING_DBFS:
            fine = False
            notes.append(
                "It is clipping: turn the microphone gain down (alsamixer, or"
                " pactl set-source-volume)."
            )
        if not self.speech_levels:
            fine = False
            notes.append(
                "No speech was heard. Speak from where you would sit, or turn the"
                " microphone gain up."
            )
        elif max(self.speech_levels) < QUIET_DBFS:
            fine = False
            notes.append(
                f"Speech is quiet ({max(self.speech_levels):.0f} dBFS): move the"
                " microphone closer or turn its gain up."
            )
        else:
            notes.append(f"Speech heard at {max(self.speech_levels):.0f} dBFS: good.")
        return fine, notes


def _meter_line(level: float, talking: bool) -> str:
    width = 30
    filled = 0 if level == -math.inf else max(0, min(width, int((level + 70) / 70 * width)))
    shown = "  -inf" if level == -math.inf else f"{level:6.1f}"
    return f"  {shown} dBFS |{'#' * filled}{' ' * (width - filled)}|{'  speech' if talking else ''}"


def command(args: argparse.Namespace) -> int:
    """`pausebuddy check`."""
    config = load_config(args.config)
    print(f"Config: {args.config or 'defaults + user config'}: fine.")
    phrases = PhraseBook(config.phrases)
    recognizer = create_recognizer(config.hearing, phrases)
    print(f"Hearing: {config.hearing.engine} is ready.")
    fine = True
    if not (args.input or args.no_speaker):
        voice = create_voice(config.voice)
        try:
            speaker = Speaker(config.audio.output_device)
            speaker.play(voice.render(_SPEAKER_TEST), 0.0)
            speaker.close()
            fine &= speaker.working
            print(
                "Speaker: played a test line."
                if speaker.working
                else "Speaker: it failed (see the warning above)."
            )
        except audio.AudioError as exc:
            print(f"Speaker: {exc}")
            fine = False
    if args.input:
        blocks = audio.wav_file_blocks(args.input)
        print(f"Listening to {args.input} (up to {args.seconds:g} s).")
    else:
        blocks = Microphone(config.audio.input_device).blocks()
        print(f"Listening for {args.seconds:g} s. Say your time-out phrase from where you sit.")
    heard: list[str] = []

    def hearing(blocks):
        for block in blocks:
            for item in recognizer.accept(block):
                if item.intent is not None:
                    heard.append(f"Heard '{item.text}' -> {item.intent.value}")
                    print("  " + heard[-1], flush=True)
            yield block

    levels = LevelCheck()
    for line in levels.meter(hearing(blocks), args.seconds):
        print(line, flush=True)
    ok, notes = levels.verdict()
    for note in notes:
        print(note)
    print(f"Phrases heard: {len(heard)}." if heard else "No phrase was heard.")
    return 0 if fine and ok else 1


_SPEAKER_TEST = "This is pausebuddy. If you can hear me, the speaker works."
