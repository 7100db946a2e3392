"""The `pausebuddy` command: argparse and wiring only."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import json
import logging
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

from tqdm import tqdm

from pausebuddy import LOG_FORMAT, __version__, app, audio, paths, phrase_check, tuning
from pausebuddy.breaks import BreakStore
from pausebuddy.config import (
    Config,
    ConfigError,
    config_to_yaml,
    default_config_path,
    load_config,
    save_settings,
)
from pausebuddy.conversation import say_duration
from pausebuddy.events import EventLog
from pausebuddy.hearing import HearingError, create_recognizer, hear_all
from pausebuddy.history import HistoryLog
from pausebuddy.microphone import Microphone
from pausebuddy.phrases import Intent, PhraseBook
from pausebuddy.speaker import Speaker
from pausebuddy.voice import VoiceError, create_voice
from pausebuddy.voice.lines import fixed_lines

_LOGGER = logging.getLogger("pausebuddy")


T = TypeVar("T")


class _OneLineErrors(argparse.ArgumentParser):
    """A command-line mistake is one line on stderr (what, and where to look), status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _at_least(low: float, kind: type = int) -> Callable[[str], float]:
    """An argparse type: a number of `kind`, at least `low`."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value >= low:  # also refuses nan
            raise argparse.ArgumentTypeError(f"must be at least {low:g}, not {text}")
        return value

    return parse


_ABOUT = (
    "An offline voice companion: say the time-out phrase, it leads a calm exercise "
    "and tells you when to come back."
)


def _parser() -> argparse.ArgumentParser:
    # --config and --debug work before or after the command name.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        default=argparse.SUPPRESS,
        help="YAML config file (default: the user's config dir)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log the words it recognizes (to the terminal only; never to a file)",
    )
    parser = _OneLineErrors(prog="pausebuddy", description=_ABOUT, parents=[common])
    parser.add_argument("--version", action="version", version=f"pausebuddy {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineErrors)
    add = functools.partial(sub.add_parser, parents=[common])

    run = add("run", help="the listening loop (microphone, or --input WAV)")
    run.add_argument("--input", help="listen to this WAV file instead of the microphone")
    run.add_argument("--output", help="write what it says to this WAV, aligned with the input")
    run.add_argument(
        "--events",
        help="write JSON lines of what it heard and said (this"
        " includes the phrase words it recognized)",
    )
    run.add_argument(
        "--realtime",
        action="store_true",
        help="with --input: play the file at its real speed, on the wall clock",
    )
    run.add_argument(
        "--state",
        help="file that keeps the pending break across restarts"
        " (default: in the user's state dir for the live loop; none for --input)",
    )
    run.add_argument(
        "--keep-trying",
        action="store_true",
        help="a microphone or speaker missing at start is a warning, and it"
        " waits for it (the service uses this)",
    )

    spot = add("spot", help="only the hearing: one JSON line per detection")
    spot.add_argument("files", nargs="+")
    spot.add_argument(
        "--replies",
        action="store_true",
        help="listen as during a session: replies need no wake word",
    )

    for name, text in (("breathe", "4-7-8 breathing"), ("ground", "5-4-3-2-1 grounding")):
        cmd = add(name, help=f"start {text} now")
        cmd.add_argument("--output", help="write it to this WAV instead of the speaker")
        cmd.add_argument("--events", help="write JSON lines of what it said")

    demo = add("demo", help="make a short scene, run the loop on it, show the timeline")
    demo.add_argument("--output", default="pausebuddy-demo.wav", help="what it said (WAV)")
    demo.add_argument("--scene", default="pausebuddy-demo-scene.wav", help="the scene (WAV)")

    status = add("status", help="is a break running, and when is the reminder due")
    status.add_argument("--state", help="the break file (default: the user's state dir)")
    history = add("history", help="weekly summary of time-outs (with keep_history: true)")
    history.add_argument("--forget", action="store_true", help="delete the history")
    history.add_argument("--state", help="the break file next to it (default: state dir)")
    voices = add("voices", help="voice profiles: list them, or render every fixed line")
    voices.add_argument("action", choices=["list", "render"])
    add("devices", help="list audio devices")
    check = add(
        "check",
        help="does it hear the room: the speaker, microphone levels and"
        " the phrases it hears (nothing is recorded)",
    )
    check.add_argument(
        "--seconds", type=_at_least(0.5, float), default=10.0, help="how long to listen"
    )
    check.add_argument("--input", help="check a WAV file instead of the microphone")
    check.add_argument("--no-speaker", action="store_true", help="skip the speaker test")
    check_phrase = add(
        "check-phrase",
        help="is this a good phrase to adopt: length, how"
        " common, how close to the other phrases, false accepts on talk",
    )
    check_phrase.add_argument("phrase", help='the candidate, e.g. "pause buddy, time out"')
    check_phrase.add_argument(
        "--intent",
        default="timeout",
        choices=[i.value for i in Intent],
        help="what the phrase would ask for (default: timeout)",
    )
    check_phrase.add_argument(
        "--minutes",
        type=_at_least(0, float),
        default=10.0,
        help="minutes of synthesized talk to count false accepts on (0: skip)",
    )
    tune = add(
        "tune",
        help="set the wake word's threshold from recordings of your own"
        " voices saying the phrase (WAV files, or --record from the microphone)",
    )
    tune.add_argument("files", nargs="*", help="WAV files, each saying the phrase once")
    tune.add_argument(
        "--record",
        type=_at_least(1),
        metavar="N",
        help="record N takes from the microphone instead (kept in memory only)",
    )
    tune.add_argument("--phrase", help="the phrase said (default: the first time-out phrase)")
    tune.add_argument(
        "--minutes",
        type=_at_least(0, float),
        default=10.0,
        help="minutes of synthesized talk to check for false accepts",
    )
    tune.add_argument("--dry-run", action="store_true", help="say what it would set, save nothing")
    learn = add(
        "learn",
        help="learn the phrase model for the configured request phrases"
        " (from synthetic speech, offline; a few minutes)",
    )
    learn.add_argument("--output", help="write the model here instead of the user's cache dir")
    learn.add_argument(
        "--clips",
        type=_at_least(1),
        default=None,
        help="synthetic clips per phrase (default: the recipe's)",
    )
    learn.add_argument("--force", action="store_true", help="learn it again even if it exists")
    learn.add_argument(
        "--replies",
        action="store_true",
        help="learn the reply model instead (stop, next, five more minutes ...:"
        " what is said to it during a session)",
    )
    config = add("config", help="show the effective config")
    config.add_argument("--show", action="store_true", help="print it as YAML")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Not set_defaults: the actions are shared with every command's parser, whose
    # defaults would then overwrite a value given before the command name.
    args.config = getattr(args, "config", None)
    args.debug = getattr(args, "debug", False)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format=LOG_FORMAT,
        stream=sys.stderr,
    )
    # SIGTERM (systemd stopping it) ends it like Ctrl-C: streams closed, nothing lost
    # (the pending break is on disk already).
    signal.signal(signal.SIGTERM, _stop)
    try:
        return _COMMANDS[args.command](args)
    except (ConfigError, HearingError, VoiceError, audio.AudioError, UsageError) as exc:
        print(f"pausebuddy: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _LOGGER.info("Stopped.")
        return 0


def _stop(signum: int, frame) -> None:
    raise KeyboardInterrupt


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


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    state = args.state or (None if args.input else default_break_file())
    store = BreakStore(state) if state else None
    if store is not None:
        _check_state(store, args.keep_trying)
    events = _writing(EventLog, args.events, "--events") if args.events else None
    output = _writing(audio.WavTimeline, args.output, "--output") if args.output else None
    voice = app.ready_voice(config, live=not args.input)
    epoch = time.time()
    pace = microphone = None
    if args.input:
        blocks = audio.wav_file_blocks(args.input)
        if args.realtime:
            pace = functools.partial(app.wait_until, epoch)
            blocks = app.paced(blocks, pace)
    else:
        microphone = Microphone(config.audio.input_device, keep_trying=args.keep_trying)
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
    )
    app.run_loop(loop, blocks, drain=bool(args.input))
    return 0


def _exercise(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    kind = "breathing" if args.command == "breathe" else "grounding"
    events = _writing(EventLog, args.events, "--events") if args.events else None
    output = _writing(audio.WavTimeline, args.output, "--output") if args.output else None
    voice = app.ready_voice(config, live=not args.output)
    epoch = time.time()
    microphone = None
    if output is not None:
        blocks, sink = iter(()), output
    else:
        microphone = Microphone(config.audio.input_device)
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


def _spot(args: argparse.Namespace) -> int:
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


def _demo(args: argparse.Namespace) -> int:
    from pausebuddy import scene

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
    loop = app.build_loop(config, audio.WavTimeline(args.output), events)
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


def _status(args: argparse.Namespace) -> int:
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


def _history(args: argparse.Namespace) -> int:
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


def _voices(args: argparse.Namespace) -> int:
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


def _devices(args: argparse.Namespace) -> int:
    print(audio.list_devices())
    return 0


def _check(args: argparse.Namespace) -> int:
    from pausebuddy.check import LevelCheck

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


def _config(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    source = args.config or "defaults + user config"
    print(f"# effective config ({source})")
    print(config_to_yaml(config), end="")
    return 0


def _learn(args: argparse.Namespace) -> int:
    from pausebuddy.hearing.phrase_model import (
        find_model,
        learned_path,
        reply_phrases,
        request_phrases,
    )
    from pausebuddy.phrase_learning import Recipe, learn

    config = load_config(args.config)
    book = PhraseBook(config.phrases)
    said = reply_phrases(book) if args.replies else request_phrases(book)
    existing = find_model(said)
    if existing is not None and not args.force and not args.output:
        print(
            f"A {'reply' if args.replies else 'phrase'} model for these {len(said)} phrases"
            " is already there "
            f"({existing.about}). --force learns it again."
        )
        return 0
    recipe = Recipe() if args.clips is None else Recipe.scaled(args.clips)
    model = learn(said, book.wake_word, recipe)
    path = Path(args.output) if args.output else learned_path(said)
    model.save(path)
    print(f"Saved to {path}. It hears: " + "; ".join(f"'{p}'" for p in said) + ".")
    return 0


def default_break_file() -> Path:
    return paths.state_dir() / "break.json"


def _check_phrase(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    intent = Intent(args.intent)
    verdict = phrase_check.judge(args.phrase, intent, config)
    about = f": {verdict.syllables} syllables" if verdict.syllables else ""
    print(f"'{verdict.phrase}' as a {intent.value} phrase{about}.")
    if verdict.syllables and args.minutes > 0:
        print(f"Listening for it in {args.minutes:g} minutes of synthesized talk ...", flush=True)
        heard, hours = phrase_check.measure_false_accepts(args.phrase, intent, config, args.minutes)
        verdict.false_accepts_per_hour = heard / hours
        print(
            f"Heard it {heard} time(s) in {hours * 60:.1f} minutes of talk that never says"
            f" it: {heard / hours:.1f} false accepts per hour."
        )
        if heard / hours > phrase_check.MAX_FALSE_ACCEPTS_PER_HOUR:
            verdict.problems.append(
                "It is heard in ordinary talk: it would speak up when nobody asked."
            )
    for note in verdict.notes:
        print(f"Note: {note}")
    for problem in verdict.problems:
        print(f"Problem: {problem}")
    print("Good: no problems found." if verdict.good else "Better choose another phrase.")
    return 0 if verdict.good else 1


def _tune(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    phrase = args.phrase or config.phrases.timeout[0]
    intent = (
        Intent.TIMEOUT
        if args.phrase is None
        else (PhraseBook(config.phrases).match(phrase) or _no_intent(phrase)).intent
    )
    if args.record:
        recordings = _record_takes(config, args.record, phrase)
    elif args.files:
        recordings = [audio.read_wav(path) for path in args.files]
    else:
        raise ConfigError("tune needs WAV files of the phrase, or --record N")
    print(f"Tuning the hearing for '{phrase}' on {len(recordings)} recordings:")
    try:
        result = tuning.tune(recordings, phrase, intent, config, args.minutes)
    except tuning.TuningError as exc:
        print(f"Not tuned: {exc}")
        return 1
    rate = result.false_accepts / result.talk_hours
    print(
        f"Every recording is heard by the wake-word stage from threshold"
        f" {result.strictest:.0e}; with a margin for other days: {result.threshold:.0e},"
        f" where talk was taken for the phrase {result.false_accepts} time(s) in"
        f" {result.talk_hours * 60:.0f} minutes ({rate:.1f} per hour)."
    )
    settings: dict[str, object] = {"hearing.wake_threshold": float(f"{result.threshold:.0e}")}
    phrase_note = ""
    if result.phrase_threshold is not None and result.both_false_accepts is not None:
        rate = result.both_false_accepts / result.talk_hours
        print(
            f"The phrase model was at least {min(result.phrase_scores or [0]):.2f} sure of"
            f" each recording; its threshold: {result.phrase_threshold:.2f}. With both,"
            f" talk was taken for the phrase {result.both_false_accepts} time(s)"
            f" ({rate:.1f} per hour)."
        )
        settings["hearing.phrase_threshold"] = result.phrase_threshold
        phrase_note = f", phrase_threshold {result.phrase_threshold:.2f}"
        if result.confirm_threshold is not None:
            print(
                f"What only the wake-word stage hears now needs the phrase model"
                f" {result.confirm_threshold:g} sure of it (was"
                f" {config.hearing.confirm_threshold:g}), so that it hears every recording."
            )
            settings["hearing.confirm_threshold"] = result.confirm_threshold
            phrase_note += f", confirm_threshold {result.confirm_threshold:g}"
    if result.verifier_threshold is not None and result.verifier_scores:
        print(
            f"The verifier found the phrase at least {min(result.verifier_scores):.2f} likely"
            f" in each recording; its threshold: {result.verifier_threshold:.2f}"
            f" (was {config.hearing.verifier_threshold:.2f})."
        )
        settings["hearing.verifier_threshold"] = result.verifier_threshold
        phrase_note += f", verifier_threshold {result.verifier_threshold:.2f}"
    if rate > phrase_check.MAX_FALSE_ACCEPTS_PER_HOUR:
        print(
            "Not saved: at the threshold your voices need, ordinary talk is heard as the"
            " phrase too. Choose a longer phrase (pausebuddy check-phrase) and tune again."
        )
        return 1
    note = (
        f"{time.strftime('%Y-%m-%d %H:%M')}: wake_threshold {result.threshold:.0e}"
        f"{phrase_note} from {len(recordings)} recordings of '{phrase}' (all heard from"
        f" {result.strictest:.0e}; {result.false_accepts} false accepts in"
        f" {result.talk_hours * 60:.0f} min of talk)"
    )
    if args.dry_run:
        print(f"Dry run, nothing saved. It would record: {note}")
        return 0
    path = Path(args.config) if args.config else default_config_path()
    save_settings(path, {**settings, "hearing.tuned": note})
    print(f"Saved in {path}. A running pausebuddy takes it on SIGHUP or restart.")
    return 0


def _no_intent(phrase: str):
    raise ConfigError(
        f"'{phrase}' is not one of the configured phrases: add it to the config first, then tune it"
    )


def _record_takes(config: Config, takes: int, phrase: str) -> list:
    import numpy as np

    blocks = Microphone(config.audio.input_device).blocks()

    def take(seconds: float) -> np.ndarray:
        pieces, have = [], 0
        while have < seconds * audio.RATE_HZ:
            pieces.append(next(blocks))
            have += len(pieces[-1])
        return np.concatenate(pieces)

    recordings = []
    try:
        for number in range(1, takes + 1):
            print(f"Take {number} of {takes}: say '{phrase}' now (4 seconds) ...", flush=True)
            recordings.append(take(4.0))
            take(1.5)  # a breath between takes, not part of either
    finally:
        blocks.close()
    return recordings


_COMMANDS = {
    "run": _run,
    "spot": _spot,
    "breathe": _exercise,
    "ground": _exercise,
    "demo": _demo,
    "devices": _devices,
    "config": _config,
    "check": _check,
    "status": _status,
    "history": _history,
    "voices": _voices,
    "check-phrase": _check_phrase,
    "tune": _tune,
    "learn": _learn,
}

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
