#!/usr/bin/env python3
"""Measure the listening loop on speech synthesized now, and print one table.

    .venv/bin/python scripts/bench_loop.py [--quick]

- time-out phrases detected: "pause buddy, time out" (two wordings) inside talk, per voice
  and per noise condition (sox pink/brown noise at an SNR over the whole scene);
- detections per hour on talk that never contains a phrase (hard negatives included);
- delay from the end of the phrase to the start of the acknowledgement (run loop, audio
  clock);
- CPU seconds per second of audio while listening to talk and to silence;
- peak resident memory of `pausebuddy spot` on the talk.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pausebuddy import audio, scene
from pausebuddy.config import Config
from pausebuddy.hearing import create_recognizer, hear_all
from pausebuddy.loop import EventLog, Loop
from pausebuddy.phrases import Intent, PhraseBook
from pausebuddy.voice import create_voice

VOICES = [  # (label, voice, speed wpm, pitch)
    ("piper joe", scene.PIPER, 0, 0),
    ("espeak klatt", "en-us+klatt", 150, 50),
    ("espeak klatt4 fast", "en-us+klatt4", 175, 40),
    ("espeak klatt2 slow low", "en-us+klatt2", 125, 30),
    ("espeak m3", "en-us+m3", 150, 50),
    ("espeak f3", "en-us+f3", 150, 60),
]
PHRASES = ["Pause buddy, time out.", "Pause buddy, we need a time out."]
CONTEXTS = [
    ("I cannot believe you said that to my mother again.", "Fine, whatever you want."),
    ("You never listen, you just wait for your turn to talk.", "Okay. Okay, I hear you."),
]
CONDITIONS = [("clean", None, None), ("pink 20 dB", "pinknoise", 20),
              ("pink 10 dB", "pinknoise", 10), ("brown 10 dB", "brownnoise", 10)]
NEGATIVE_LINES = [
    "You always bring up my mother when we argue. That is not fair.",
    "We need time to think about this. Can you pause the film for a minute?",
    "My buddy from work is calling about the weekend. It was the best of times.",
    "Stop the car, I think we missed the turn. The next exit is in five miles.",
    "I told you I was ready an hour ago and you were still on the phone.",
    "Do not start that again. You never listen when I talk about money.",
    "The news tonight: rain across the north, and a slow start to the markets.",
    "She opened the door, looked out at the garden and said nothing for a long time.",
    "Why do you always have to be right? Just once I want you to say sorry.",
    "Can we repeat the last part of the movie? I missed what he said.",
    "Five more minutes of this and I am going to bed.",
    "Give me a break, I worked all day and the kids were screaming.",
    "Time is running out on the offer, the man on the radio keeps saying.",
    "Pass the butter, buddy. And pause the game when you go out.",
]


IDLE = frozenset({Intent.TIMEOUT, Intent.BREATHE, Intent.GROUND})
"""What the loop acts on when no session or break is running."""


def spot(samples: np.ndarray, config: Config, phrases: PhraseBook,
         allowed: frozenset[Intent] | None = None) -> list[tuple]:
    found = []
    for heard in hear_all(create_recognizer(config.hearing, phrases), samples):
        match = phrases.match(heard.text, allowed)
        if match:
            found.append((match.intent.value, heard.start_s, heard.end_s))
    return found


def ack_delay(samples: np.ndarray, phrase_end: float, config: Config) -> float | None:
    phrases = PhraseBook(config.phrases)
    events = EventLog(keep=True)
    loop = Loop(config, create_recognizer(config.hearing, phrases), phrases,
                create_voice(config.voice), audio.NullSink(), events)
    loop.run(audio.wav_blocks(samples), drain=False)
    said = [e for e in events.events if e["type"] == "said"]
    return said[0]["t"] - phrase_end if said else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer voices and conditions")
    args = parser.parse_args()
    voices = VOICES[:3] if args.quick else VOICES
    conditions = CONDITIONS[::2] if args.quick else CONDITIONS
    config = Config()
    phrases = PhraseBook(config.phrases)
    tmp = Path(tempfile.mkdtemp(prefix="pausebuddy-bench-"))

    rows, delays = [], []
    hits_by_condition = {label: [0, 0] for label, _, _ in conditions}
    for label, voice, speed, pitch in voices:
        hits = total = 0
        for p_index, phrase in enumerate(PHRASES):
            for c_index, (before, after) in enumerate(CONTEXTS):
                talk = scene.Scene()
                talk.add(voice, before, 0.3, speed=speed or 150, pitch=pitch or 50)
                talk.add(voice, phrase, 0.5, label="phrase", speed=speed or 150, pitch=pitch or 50)
                talk.add(voice, after, 0.4, speed=speed or 150, pitch=pitch or 50).pause(1.0)
                _, start, end = talk.marks[0]
                slug = label.replace(" ", "_")
                clean = talk.write(tmp / f"{slug}-{p_index}-{c_index}.wav")
                for cond, color, snr in conditions:
                    path = clean if color is None else scene.mix_noise(
                        clean, tmp / f"{clean.stem}-{cond.replace(' ', '')}.wav", snr, color)
                    found = spot(audio.read_wav(path), config, phrases)
                    # Heard, and reported on the phrase: it ends within it or just after.
                    ok = any(i == "timeout" and start < e <= end + 0.5 for i, s, e in found)
                    hits += ok
                    total += 1
                    hits_by_condition[cond][0] += ok
                    hits_by_condition[cond][1] += 1
                delay = ack_delay(talk.samples, end, config)
                if delay is not None:
                    delays.append(delay)
        rows.append((f"detected, {label}", f"{hits}/{total} ({100 * hits / total:.0f}%)"))
    for cond, (hits, total) in hits_by_condition.items():
        rows.append((f"detected, {cond}", f"{hits}/{total} ({100 * hits / total:.0f}%)"))
    all_hits = sum(h for h, _ in hits_by_condition.values())
    all_total = sum(t for _, t in hits_by_condition.values())
    rows.append(("detected, overall",
                 f"{all_hits}/{all_total} ({100 * all_hits / all_total:.0f}%)"))

    negative = scene.Scene()
    for _, voice, speed, pitch in voices:
        for line in NEGATIVE_LINES if not args.quick else NEGATIVE_LINES[:6]:
            negative.add(voice, line, 0.5, speed=speed or 150, pitch=pitch or 50)
    started = time.process_time()
    false = spot(negative.samples, config, phrases, IDLE)
    talk_cpu = (time.process_time() - started) / negative.duration_s
    hours = negative.duration_s / 3600
    rows.append(("detections on talk without a phrase (idle)",
                 f"{len(false)} in {negative.duration_s / 60:.1f} min = "
                 f"{len(false) / hours:.0f} per hour"))
    silence = np.zeros(120 * audio.RATE_HZ, dtype=np.int16)
    started = time.process_time()
    spot(silence, config, phrases)
    silence_cpu = (time.process_time() - started) / 120

    if delays:
        p95 = float(np.percentile(delays, 95))
        rows.append(("phrase end -> acknowledgement starts",
                     f"median {statistics.median(delays) * 1000:.0f} ms, "
                     f"95th percentile {p95 * 1000:.0f} ms (n={len(delays)})"))
    rows.append(("CPU per second of audio, talk", f"{talk_cpu:.3f} s"))
    rows.append(("CPU per second of audio, silence", f"{silence_cpu:.4f} s"))
    # The spot command in a process of its own, which reports its own peak (VmHWM:
    # ru_maxrss would carry this big process's peak over the exec).
    measure = ("import sys\nfrom pausebuddy.cli import main\nmain(sys.argv[1:])\n"
               "print(open('/proc/self/status').read(), file=sys.stderr)")
    # One minute of talk: `spot` holds its whole input file in memory, the live loop not.
    minute = tmp / "minute.wav"
    audio.write_wav(minute, negative.samples[: 60 * audio.RATE_HZ])
    child = subprocess.run([sys.executable, "-c", measure, "spot", str(minute)],
                           capture_output=True, text=True, check=True)
    peak_kb = next(int(line.split()[1]) for line in child.stderr.splitlines()
                   if line.startswith("VmHWM:"))
    peak_mb = peak_kb / 1024
    rows.append(("peak memory, pausebuddy spot on 1 min of talk", f"{peak_mb:.0f} MB"))

    width = max(len(name) for name, _ in rows)
    print(f"\n| {'measure':<{width}} | value |\n|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value} |")
    if false:
        print("\nfalse detections:", ", ".join(f"{i} at {s:.1f} s" for i, s, _ in false))


if __name__ == "__main__":
    main()
