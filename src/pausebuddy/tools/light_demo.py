"""`pausebuddy light-demo`: each state of the light for a few seconds (listening, a phrase
heard, breathing, a break, a reminder), on the configured light; without one, drawn in
the terminal, so the patterns can be seen anywhere."""

from __future__ import annotations

import argparse
import sys
import time

from pausebuddy.config_file import load_config
from pausebuddy.light import LightRunner, open_light
from pausebuddy.light_show import STATES, LightShow, demo_events


class TerminalLight:
    """A bar in the terminal, as bright as the light would be."""

    WIDTH = 40

    def __init__(self) -> None:
        self.label = ""

    def show(self, level: float) -> None:
        filled = round(level * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        sys.stdout.write(f"\r  [{bar}] {self.label:<10}")
        sys.stdout.flush()

    def close(self) -> None:
        sys.stdout.write("\n")


def command(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    light = open_light(config.devices)
    terminal = TerminalLight() if light is None else None
    if terminal is not None:
        print("No light to show it on: here it is in the terminal instead.")
    show = LightShow()
    for event in demo_events(args.seconds):
        show.observe(event)
    runner = LightRunner(show, light or terminal, time.time()).start()
    try:
        for index, state in enumerate(STATES):
            if terminal is not None:
                terminal.label = state
            else:
                print(f"  {state}")
            time.sleep(args.seconds if index < len(STATES) - 1 else args.seconds + 1)
    finally:
        runner.close()
    return 0
