"""The wiring of the loop, shared by the command, the tests and the scripts: build one
from a config (its recognizer, voice, sink and history), run it, and close it."""

from __future__ import annotations

import functools
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from pausebuddy import audio, paths, sinks
from pausebuddy.breaks import BreakStore
from pausebuddy.button import open_button
from pausebuddy.config import Config
from pausebuddy.config_file import load_config
from pausebuddy.events import EventLog
from pausebuddy.hearing import Recognizer, create_recognizer
from pausebuddy.history import HistoryLog
from pausebuddy.light import LightRunner, open_light
from pausebuddy.light_show import LightShow
from pausebuddy.loop import Loop, Parts
from pausebuddy.microphone import Microphone
from pausebuddy.phrases import PhraseBook
from pausebuddy.sinks import Sink
from pausebuddy.speaker import Speaker
from pausebuddy.voice import Voice, create_voice
from pausebuddy.voice.lines import fixed_lines
from pausebuddy.volume import Volume

LOOKAHEAD_S = 0.5
"""Live, cues reach the speaker this early and wait there for their exact time: the loop
may fall behind its clock for a moment (a grammar search on talk took over a second for
one block here), and a line that reaches the speaker after its time plays late and moves
the lines after it off their grid. Deafness starts when a line starts, not when it is
queued, so this costs no hearing."""


def ready_voice(config: Config, live: bool) -> Voice:
    """The configured voice; live, with every fixed line rendered before it starts
    listening (and before its clock starts): a reply never waits for synthesis."""
    voice = create_voice(config.voice)
    if live:
        for text in fixed_lines(config):
            voice.render(text)
    return voice


def open_sink(config: Config, live: bool, epoch_s: float, keep_trying: bool = False) -> Sink:
    """The speaker when live, else a sink that plays nowhere."""
    if live:
        return Speaker(config.audio.output_device, epoch_s=epoch_s, keep_trying=keep_trying)
    return sinks.NullSink()


def wait_until(epoch_s: float, t: float) -> None:
    """Sleeps until `t` seconds after the wall clock's `epoch_s`."""
    time.sleep(max(0.0, epoch_s + t - time.time()))


def paced(blocks: Iterable[np.ndarray], pace: Callable[[float], None]) -> Iterator[np.ndarray]:
    """The blocks of a WAV at the speed they would come from a microphone."""
    t = 0.0
    for block in blocks:
        t += len(block) / audio.RATE_HZ
        pace(t)
        yield block


def build_loop(
    config: Config,
    sink: Sink,
    events: EventLog | str | Path | None = None,
    *,
    store: BreakStore | None = None,
    epoch_s: float = 0.0,
    pace: Callable[[float], None] | None = None,
    live: bool = False,
    voice: Voice | None = None,
    recognizer: Recognizer | None = None,
    config_path: str | None = None,
    microphone: Microphone | None = None,
    devices: bool = False,
) -> Loop:
    """A loop for `config`, playing to `sink` and writing `events` (a log, a path, or
    none). `live`: cues go to the speaker ahead of their time (LOOKAHEAD_S); `store`:
    where the break is kept (and, with keep_history, the history beside it);
    `config_path`: read again on SIGHUP; `microphone`: told when it loses the room;
    `devices`: with the button and the light on the GPIO pins, where there are any."""
    phrases = PhraseBook(config.phrases)
    recognizer = recognizer or create_recognizer(config.hearing, phrases)
    voice = voice or create_voice(config.voice)
    if not isinstance(events, EventLog):
        events = EventLog(events)
    epoch_s = epoch_s or time.time()
    button = open_button(config.devices.button_pin) if devices else None
    light = open_light(config.devices) if devices else None
    if light is not None:
        events.listeners.append(LightRunner(LightShow(), light, epoch_s).start())
    # The history sits next to the break file, so it is kept only where breaks are.
    history = (
        HistoryLog(store.path.parent / "history.jsonl")
        if store is not None and config.keep_history
        else None
    )
    loop = Loop(
        config,
        recognizer,
        voice,
        sink,
        events,
        store=store,
        epoch_s=epoch_s,
        pace=pace,
        history=history,
        lookahead_s=LOOKAHEAD_S if live else 0.0,
        rewire=functools.partial(rewire, config_path),
        hearing_room=(lambda: microphone.hearing) if microphone is not None else None,
        button=button,
        volume=Volume(_volume_file(store, live)),
    )
    if microphone is not None:
        microphone.on_change = loop.microphone_changed
    return loop


def _volume_file(store: BreakStore | None, live: bool) -> Path | None:
    """Where the level set by voice is kept: beside the break; live with no break kept
    (`pausebuddy breathe`), the usual place, so it speaks at the level they chose. A run
    on a file with no --state leaves no trace."""
    if store is not None:
        return store.path.parent / "volume.json"
    return paths.state_dir() / "volume.json" if live else None


def rewire(config_path: str | None, running: Parts) -> Parts:
    """The parts of the config at `config_path`, read again: its recognizer, and its
    voice (the running one if the voice settings did not change). Raises ConfigError,
    HearingError or VoiceError: the loop then keeps what it has."""
    config = load_config(config_path)
    recognizer = create_recognizer(config.hearing, PhraseBook(config.phrases))
    voice = create_voice(config.voice) if config.voice != running.config.voice else running.voice
    return Parts(config, recognizer, voice)


def run_loop(
    loop: Loop,
    blocks: Iterable[np.ndarray],
    drain: bool,
    until_idle: bool = False,
    start: str | None = None,
) -> None:
    """Runs `loop` on `blocks` (starting the exercise `start` at once, if given), with
    SIGHUP reloading its config; closes it at the end, cutting its voice if stopped."""
    # SIGHUP: read the config again at the next block (taken whole, or refused whole).
    signal.signal(signal.SIGHUP, lambda *_: setattr(loop, "reload_requested", True))
    if start:
        loop.conversation.start(start, 0.0)
    stopped = False
    try:
        loop.run(blocks, drain=drain, until_idle=until_idle)
    except KeyboardInterrupt:
        stopped = True  # not a word more
        raise
    finally:
        loop.close(cut=stopped)
