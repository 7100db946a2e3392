"""The `pausebuddy` command: its arguments, and which function runs each command
(commands.py; the setup tools' in tools/)."""

from __future__ import annotations

import argparse
import functools
import logging
import signal
import sys
from collections.abc import Callable
from typing import NoReturn

from pausebuddy import LOG_FORMAT, __version__, audio, commands
from pausebuddy.commands import UsageError
from pausebuddy.config import ConfigError
from pausebuddy.hearing import HearingError
from pausebuddy.phrases import Intent
from pausebuddy.tools import check, learning, light_demo, phrase_check, setup_guide, tuning
from pausebuddy.voice import VoiceError

_LOGGER = logging.getLogger("pausebuddy")


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

    setup = add("setup", help="a guided first run: speaker, microphone, phrase, tuning, service")
    setup.add_argument("--step", choices=setup_guide.STEPS, help="run this step alone")
    setup.add_argument(
        "--listen-to",
        nargs="+",
        metavar="WAV",
        help="take the microphone's recordings from these files, in order",
    )
    setup.add_argument(
        "--tune-minutes",
        type=_at_least(0, float),
        default=10.0,
        help="minutes of synthesized talk the tuning checks for false accepts",
    )

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
    light_demo = add("light-demo", help="show each state of the light for a few seconds")
    light_demo.add_argument(
        "--seconds", type=_at_least(1, float), default=6.0, help="how long each state shows"
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


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": commands.run,
    "spot": commands.spot,
    "breathe": commands.exercise,
    "ground": commands.exercise,
    "demo": commands.demo,
    "devices": commands.devices,
    "config": commands.config,
    "status": commands.status,
    "history": commands.history,
    "voices": commands.voices,
    "check": check.command,
    "check-phrase": phrase_check.command,
    "tune": tuning.command,
    "learn": learning.command,
    "light-demo": light_demo.command,
    "setup": setup_guide.command,
}

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
