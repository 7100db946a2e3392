"""`pausebuddy setup`: the first run, guided in the terminal, for someone who has not read
the README. Each step can be skipped, and run again alone (`setup --step phrase`); each
saves its own settings at once in the config file, keeping the comments already there.

    speaker     a test line: did you hear it? (else: choose the speaker)
    microphone  its level while you talk: too quiet, clipping, or good
    phrase      keep "pause buddy, time out" or type your own, judged on the spot
    learn       the phrase model for a new phrase (a progress bar with the time left)
    tune        three takes of each partner; how sure it was of each; thresholds saved
    break       the break's length and the exercise after a time-out
    quiet       quiet hours, when a reminder is said once and softly
    service     install and start the service, so it runs from boot

`--listen-to WAV ...`: the microphone's recordings come from these files, in order (the
tests, or trying it on a machine without a microphone).
"""

from __future__ import annotations

import argparse
import math
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from pausebuddy import audio
from pausebuddy.config import FORMATS, Config, ConfigError
from pausebuddy.config_file import default_config_path, load_config, save_settings
from pausebuddy.microphone import take
from pausebuddy.phrases import Intent, PhraseBook
from pausebuddy.tools.check import LevelCheck

STEPS = ("speaker", "microphone", "phrase", "learn", "tune", "break", "quiet", "service")
TITLES = {
    "speaker": "Can you hear it?",
    "microphone": "Can it hear you?",
    "phrase": "Your time-out phrase",
    "learn": "Learning your phrase",
    "tune": "Tuning to your voices",
    "break": "The break",
    "quiet": "Quiet hours",
    "service": "Start with the Pi",
}
TAKES = 3
"""Takes of the phrase from each partner."""
_SPEAKER_TEST = "Hello, this is pausebuddy. If you can hear me, the speaker works."
_INSTALLER = Path(__file__).resolve().parents[3] / "scripts" / "install-service.sh"


class Guide:
    def __init__(
        self,
        path: Path,
        listen_to: list[str] | None = None,
        tune_minutes: float = 10.0,
        ask: Callable[[str], str] = input,
    ) -> None:
        self.path = path
        self._recordings = iter(listen_to) if listen_to else None
        self._tune_minutes = tune_minutes
        self._ask = ask

    @property
    def config(self) -> Config:
        return load_config(self.path) if self.path.exists() else Config()

    def run(self, only: str | None = None) -> int:
        steps = [only] if only else list(STEPS)
        print(f"Setting up pausebuddy. Settings go to {self.path}; Ctrl-C stops at any time.")
        for number, step in enumerate(steps, 1):
            print(f"\n== {number}/{len(steps)}  {TITLES[step]} ==")
            if self.ask("Enter to begin, s to skip: ").lower().startswith("s"):
                print(f"Skipped. Later: pausebuddy setup --step {step}")
                continue
            getattr(self, f"_{step}")()
        print("\nDone. `pausebuddy status` says what it is doing; `pausebuddy setup` runs again.")
        return 0

    def ask(self, prompt: str) -> str:
        try:
            return self._ask(prompt).strip()
        except EOFError:
            print()
            return "s"

    def yes(self, prompt: str, default: bool = True) -> bool:
        answer = self.ask(f"{prompt} [{'Y/n' if default else 'y/N'}] ").lower()
        return default if not answer else answer.startswith("y")

    def save(self, settings: dict[str, object]) -> None:
        save_settings(self.path, settings)
        shown = ", ".join(f"{key}: {value}" for key, value in settings.items())
        print(f"Saved: {shown}.")

    # -- the microphone, or the files standing in for it ---------------------------

    def _blocks(self) -> Iterator[np.ndarray]:
        if self._recordings is not None:
            wav = next(self._recordings, None)
            if wav is None:
                raise ConfigError("setup --listen-to: no more recordings for this step")
            print(f"(listening to {wav})")
            samples = audio.read_wav(wav)
            yield from audio.wav_blocks(samples)
            while True:
                yield np.zeros(audio.BLOCK, dtype=np.int16)  # then a quiet room
        from pausebuddy.microphone import Microphone

        yield from Microphone(self.config.audio.input_device).blocks()

    def record(self, seconds: float) -> np.ndarray:
        blocks = self._blocks()
        try:
            return take(blocks, seconds)
        finally:
            blocks.close()

    # -- the steps ---------------------------------------------------------------------

    def _speaker(self) -> None:
        from pausebuddy.speaker import Speaker
        from pausebuddy.voice import create_voice

        config = self.config
        try:
            speaker = Speaker(config.audio.output_device)
            speaker.play(create_voice(config.voice).render(_SPEAKER_TEST), 0.0)
            speaker.close()
        except audio.AudioError as exc:
            print(f"No speaker: {exc}")
            return
        if self.yes("Did you hear a voice say it is pausebuddy?"):
            return
        print("Turn the speaker on and up (alsamixer), or choose another one:")
        print(audio.list_devices())
        name = self.ask("The speaker's name, or part of it (Enter keeps the default): ")
        if name and name.lower() != "s":
            self.save({"audio.output_device": name})
            print("Run this step again to hear it there: pausebuddy setup --step speaker")

    def _microphone(self) -> None:
        print("Talk for a few seconds from where you sit, as loudly as you would argue.")
        self.ask("Enter when ready: ")
        levels = LevelCheck()
        for line in levels.meter(self._blocks(), 5.0):
            print(line, flush=True)
        fine, notes = levels.verdict()
        for note in notes:
            print(note)
        if not fine:
            print("Fix that, then run this step again: pausebuddy setup --step microphone")

    def _phrase(self) -> None:
        from pausebuddy.tools.phrase_check import judge

        config = self.config
        current = config.phrases.timeout[0]
        print(f"The time-out phrase now: '{current}'. Agree on it together, when calm.")
        typed = self.ask("Enter keeps it, or type the phrase you agreed on: ")
        if not typed or typed.lower() in ("s", "y", "yes", "keep"):
            print(f"Kept: '{current}'.")
            return
        verdict = judge(typed, Intent.TIMEOUT, config)
        for note in verdict.notes:
            print(f"Note: {note}")
        for problem in verdict.problems:
            print(f"Problem: {problem}")
        if verdict.good:
            print(f"'{verdict.phrase}': {verdict.syllables} syllables, nothing against it.")
        elif not self.yes("Use it anyway?", default=False):
            print("Kept the old one; run this step again to try another.")
            return
        self.save({"phrases.timeout": [typed]})

    def _learn(self) -> None:
        from pausebuddy.hearing.phrase_model import find_model, learned_path, request_phrases
        from pausebuddy.tools.learning import learn

        book = PhraseBook(self.config.phrases)
        said = request_phrases(book)
        model = find_model(said)
        if model is not None:
            print(f"The phrase model for your phrases is ready ({model.about}).")
            return
        print("It learns your phrases from synthesized voices (offline; a few minutes).")
        learn(said, book.wake_word).save(learned_path(said))
        print("Learned.")

    def _tune(self) -> None:
        from pausebuddy.tools.tuning import tune_and_save

        config = self.config
        phrase = config.phrases.timeout[0]
        print(f"Each of you says '{phrase}' {TAKES} times, as you would in the moment.")
        recordings = []
        for partner in (1, 2):
            for number in range(1, TAKES + 1):
                self.ask(f"Partner {partner}, take {number}: press Enter, then say it: ")
                recordings.append(self.record(4.0))
        status, result = tune_and_save(
            config, self.path, recordings, phrase, Intent.TIMEOUT, self._tune_minutes
        )
        if result is not None:
            print("How sure it was of each take:")
            for index in range(len(recordings)):
                sure = []
                if result.phrase_scores:
                    sure.append(f"the phrase model {result.phrase_scores[index]:.0%} sure")
                if result.verifier_scores:
                    # Its score is the log probability of the least likely word piece.
                    likely = math.exp(result.verifier_scores[index])
                    sure.append(f"its least clear word {likely:.0%} likely to the verifier")
                who = f"partner {index // TAKES + 1}, take {index % TAKES + 1}"
                print(f"  {who}: {', '.join(sure) or 'heard'}")
        if status != 0:
            print("Not tuned. Try the takes again: pausebuddy setup --step tune")

    def _break(self) -> None:
        config = self.config
        print("Couples' guidance: a break of at least 20 minutes lets the body calm down.")
        minutes = self.ask(f"Minutes a break lasts (Enter: {config.break_minutes:g}): ")
        settings: dict[str, object] = {}
        if minutes:
            try:
                value = float(minutes)
            except ValueError:
                value = -1.0
            if not 10 <= value <= 24 * 60:
                print("Kept: a break is from 10 minutes to a day.")
            else:
                settings["break_minutes"] = int(value) if value.is_integer() else value
        exercise = self.ask(
            f"After a time-out: breathing, grounding or none (Enter: {config.timeout_exercise}): "
        ).lower()
        if exercise in ("breathing", "grounding", "none"):
            settings["timeout_exercise"] = exercise
        if settings:
            self.save(settings)

    def _quiet(self) -> None:
        print("In quiet hours a reminder is given once, more softly, and not repeated.")
        span = self.ask("Quiet hours like 22:00-07:00 (Enter: none): ")
        if not span or span.lower() in ("s", "none", "no"):
            return
        if not re.fullmatch(FORMATS["quiet_hours"][0], span):
            print("Not a time span like 22:00-07:00: kept as it was.")
            return
        self.save({"quiet_hours": span})

    def _service(self) -> None:
        if not self.yes("Install and start the service now, so it runs from boot?"):
            print("Later: scripts/install-service.sh")
            return
        if not _INSTALLER.exists():
            print(f"{_INSTALLER} is not here (installed from a package?): see the README.")
            return
        result = subprocess.run(["bash", str(_INSTALLER)], check=False)
        if result.returncode == 0:
            print("pausebuddy is running, and starts with the Pi.")
        else:
            print("The service did not start; see the lines above.")


def command(args: argparse.Namespace) -> int:
    """`pausebuddy setup`."""
    path = Path(args.config) if args.config else default_config_path()
    return Guide(path, args.listen_to, args.tune_minutes).run(args.step)
