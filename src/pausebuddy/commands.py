"""The everyday commands (run, breathe and ground, spot, demo, status, history, voices,
devices, config); the setup tools' commands are in tools/."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from pausebuddy import app, audio, paths, sinks
from pausebuddy.breaks import BreakStore
from pausebuddy.config_file import config_to_yaml, load_config
from pausebuddy.events import EventLog
from pausebuddy.hearing import create_recognizer, hear_all
from pausebuddy.history import HistoryLog
from pausebuddy.microphone import Microphone
from pausebuddy.phrases import PhraseBook
from pausebuddy.voice import create_voice
from pausebuddy.voice.lines import fixed_lines
from pausebuddy.wording import say_duration

_LOGGER = logging.getLogger("pausebuddy")

T = TypeVar("T")


class UsageError(Exception):
    """Something on the command line cannot be done; the message says what to do."""


def _writing(opener: Callable[[str], T], path: str, flag: str) -> T:
    """`opener(path)`, or a UsageError naming the flag: checked before any work."""
    try:
        return opener(path)
    except OSError as exc:
        raise UsageError(
            f"{flag} {path}: cannot write there ({exc.strerror}); give a path "
            "in a folder that exists and that you can write to"
        ) from exc


def _check_state(store: BreakStore, keep_trying: bool) -> None:
    """The break can be saved where it is kept, or one clear line (with --keep-trying: a
    log line, and tried again until it can)."""
    for wait in itertools.chain(audio.RETRY_S, itertools.repeat(audio.RETRY_S[-1])):
        try:
            store.check_writable()
            return
        except OSError as exc:
            if not keep_trying:
                raise UsageError(str(exc.strerror)) from exc
            _LOGGER.error("%s; trying again in %.0f s.", exc.strerror, wait)
            time.sleep(wait)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    state = args.state or (None if args.input else default_break_file())
    store = BreakStore(state) if state else None
    if store is not None:
        _check_state(store, args.keep_trying)
    events = _writing(EventLog, args.events, "--events") if args.events else None
    output = _writing(sinks.WavTimeline, args.output, "--output") if args.output else None
    voice = app.ready_voice(config, live=not args.input)
    epoch = time.time()
    pace = microphone = None
    if args.input:
        blocks = audio.wav_file_blocks(args.input)
        if args.realtime:
            pace = functools.partial(app.wait_until, epoch)
            blocks = app.paced(blocks, pace)
    else:
        microphone = Microphone(
            config.audio.input_device, keep_trying=args.keep_trying, epoch_s=epoch
        )
        blocks = microphone.blocks()
    sink = output or app.open_sink(
        config, live=not args.input, epoch_s=epoch, keep_trying=args.keep_trying
    )
    loop = app.build_loop(
        config,
        sink,
        events,
        store=store,
        epoch_s=epoch,
        pace=pace,
        live=not args.input,
        voice=voice,
        config_path=args.config,
        microphone=microphone,
        devices=not args.input,
    )
    app.run_loop(loop, blocks, drain=bool(args.input))
    return 0


def exercise(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    kind = "breathing" if args.command == "breathe" else "grounding"
    events = _writing(EventLog, args.events, "--events") if args.events else None
    output = _writing(sinks.WavTimeline, args.output, "--output") if args.output else None
    voice = app.ready_voice(config, live=not args.output)
    epoch = time.time()
    microphone = None
    if output is not None:
        blocks, sink = iter(()), output
    else:
        microphone = Microphone(config.audio.input_device, epoch_s=epoch)
        blocks = microphone.blocks()
        sink = app.open_sink(config, live=True, epoch_s=epoch)
    loop = app.build_loop(
        config,
        sink,
        events,
        epoch_s=epoch,
        live=not args.output,
        voice=voice,
        microphone=microphone,
    )
    app.run_loop(loop, blocks, drain=True, until_idle=True, start=kind)
    return 0


def spot(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    phrases = PhraseBook(config.phrases)
    # Load the model before reading any audio, so a model problem is reported first.
    recognizer = create_recognizer(config.hearing, phrases)
    bad = 0
    for index, path in enumerate(args.files):
        if index:
            recognizer = create_recognizer(config.hearing, phrases)  # a fresh stream
        recognizer.expecting_reply = args.replies
        try:
            found = _spot_file(recognizer, path)
        except audio.AudioError as exc:
            # One bad file among many: said, and the others still heard.
            print(f"pausebuddy: {exc}", file=sys.stderr)
            bad += 1
            continue
        if not found:
            print(f"pausebuddy: {path}: heard no configured phrase", file=sys.stderr)
    return 2 if bad else 0


def _spot_file(recognizer, path: str) -> int:
    """One JSON line on stdout per phrase heard in the WAV at `path`; how many."""
    found = 0
    for item in hear_all(recognizer, audio.wav_file_blocks(path)):
        if item.intent is None:
            continue
        found += 1
        line = {
            "file": path,
            "start": round(item.start_s, 3),
            "end": round(item.end_s, 3),
            "intent": item.intent.value,
            "text": item.text,
            "score": round(item.score, 3),
        }
        print(json.dumps(line), flush=True)
    return found


def demo(args: argparse.Namespace) -> int:
    from pausebuddy.synth import scene

    config = load_config(args.config)
    # A short break, two breathing cycles and one reminder, so the story stays short.
    config = dataclasses.replace(config, break_minutes=1.0, breathing_cycles=2, reminder_repeats=0)
    print("Making a scene: a few seconds of an argument, the time-out phrase, more talk ...")
    partner_a, partner_b = "en-us+klatt", "en-us+klatt4"
    talk = scene.Scene()
    talk.add(partner_a, "You never listen to me. You always do this.", 0.3, speed=165)
    talk.add(partner_b, "That is not fair. I was only trying to help.", 0.4, pitch=35)
    talk.add(partner_a, "Pause buddy, time out.", 0.6, label="phrase", speed=140)
    talk.add(partner_b, "Fine. Okay.", 0.8, pitch=35)
    talk.pause(2.0)
    talk.write(args.scene)
    events = EventLog(keep=True)
    loop = app.build_loop(config, sinks.WavTimeline(args.output), events)
    app.run_loop(loop, audio.wav_blocks(talk.samples), drain=True)
    print(f"\nTimeline (seconds on the scene's clock; the scene is {args.scene}):")
    for _, start, end in talk.marks:
        print(f"  {start:7.2f}  [scene] someone says the time-out phrase (ends {end:.2f})")
    for event in events.events:
        print("  " + _describe(event))
    print(f"\nWhat pausebuddy said is in {args.output} (aligned with the scene).")
    return 0


def _describe(event: dict) -> str:
    t = f"{event['t']:7.2f}"
    kind = event["type"]
    if kind == "heard":
        return f"{t}  heard '{event['text']}' -> {event['intent']}"
    if kind == "said":
        return f"{t}  says: {event['text']}"
    if kind == "reminder":
        return f"{t}  the break is over: reminder"
    return f"{t}  {kind.replace('_', ' ')} {event.get('exercise', '')}".rstrip()


def status(args: argparse.Namespace) -> int:
    path = args.state or default_break_file()
    saved = BreakStore(path).load(set_aside=False)  # a read-only command changes nothing
    if saved is None:
        print("No break is running.")
        return 0
    now = time.time()
    started = time.strftime("%H:%M", time.localtime(saved.started))
    due = time.strftime("%H:%M", time.localtime(saved.due))
    said = f"A {_break_size(saved.length_s)} break, started {started}"
    if saved.reminded:
        times = "once" if saved.reminded == 1 else f"{saved.reminded} times"
        print(f"{said}; the reminder was given {times}, and again at {due}.")
    elif saved.due > now:
        print(f"{said}, reminder at {due} (in {say_duration(saved.due - now)}).")
    else:
        print(f"{said}; its reminder was due at {due} and comes as soon as pausebuddy runs.")
    return 0


def _break_size(length_s: float) -> str:
    """ "20-minute", "2-hour", "90-minute": a break's length as one says it before "break"."""
    minutes = round(length_s / 60)
    if minutes >= 120 and minutes % 60 == 0:
        return f"{minutes // 60}-hour"
    return f"{minutes}-minute"


def history(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    log = HistoryLog(Path(args.state or default_break_file()).parent / "history.jsonl")
    if args.forget:
        print("History deleted." if log.forget() else "There was no history to delete.")
        return 0
    if not config.keep_history and not log.path.exists():
        print(
            "No history is kept. To keep one (times and lengths only, never words), set"
            " keep_history: true in the config."
        )
        return 0
    print(log.weekly_summary())
    return 0


def voices(args: argparse.Namespace) -> int:
    from pausebuddy.voice import profiles

    config = load_config(args.config)
    if args.action == "list":
        for folder in profiles.search_dirs():
            for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
                profile = profiles.load_profile(str(path))
                mark = " (in use)" if path.stem == config.voice.profile else ""
                print(f"{path.stem:12} {profile.engine:7} {path}{mark}")
        return 0
    voice = create_voice(config.voice)
    started = time.monotonic()
    lines = fixed_lines(config)
    for text in tqdm(lines, unit="line", desc="Rendering", disable=None):
        voice.render(text)
    hits = getattr(voice, "hits", 0)
    print(
        f"{len(lines)} lines ready for voice '{config.voice.profile}' ({hits} were already"
        f" cached) in {time.monotonic() - started:.1f} s."
    )
    return 0


def devices(args: argparse.Namespace) -> int:
    print(audio.list_devices())
    return 0


def config(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    source = args.config or "defaults + user config"
    print(f"# effective config ({source})")
    print(config_to_yaml(config), end="")
    return 0


def default_break_file() -> Path:
    return paths.state_dir() / "break.json"
