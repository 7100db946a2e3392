"""The push button: a time-out signal without a word. Presses become gestures (short,
long, double), and a gesture becomes an intent from what is going on, so the loop acts on
a press as on a phrase heard:

    idle        short: a time-out (the couple's exercise); long: breathing
    session     any press: it ends, kindly (as "stop")
    break       any press: how long is left
    reminding   double: "we're ready"; short or long: "five more minutes"

The gestures are pure and clocked (`Gestures`); `GpioButton` feeds them from a gpiozero
Button (the ReSpeaker 2-Mic HAT's is GPIO 17), whose callbacks come on its own thread.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Callable

from pausebuddy.phrases import Intent

_LOGGER = logging.getLogger(__name__)

SHORT, LONG, DOUBLE = "short", "long", "double"

LONG_PRESS_S = 1.0
"""Held this long, a press is a long press (it counts while still held)."""
DOUBLE_PRESS_S = 0.4
"""A second press this soon after the first is released makes a double press; a short
press waits this long for it before it counts."""


def intent_for(gesture: str, state: str) -> Intent:
    """What a gesture means in a conversation state (conversation.state)."""
    if state == "session":
        return Intent.STOP
    if state == "break":
        return Intent.HOW_LONG
    if state == "reminding":
        return Intent.READY if gesture == DOUBLE else Intent.MORE_TIME
    return Intent.BREATHE if gesture == LONG else Intent.TIMEOUT


class Gestures:
    """Presses and releases (times in seconds, any steady clock) -> gestures, in order.
    Thread-safe: the button's callbacks add, the loop takes."""

    def __init__(self, long_s: float = LONG_PRESS_S, double_s: float = DOUBLE_PRESS_S) -> None:
        self.long_s, self.double_s = long_s, double_s
        self._lock = threading.Lock()
        self._down_at: float | None = None
        self._long_given = False
        self._short_at: float | None = None
        """Release of a short press that may still become a double."""
        self._ready: list[str] = []

    def pressed(self, t: float) -> None:
        with self._lock:
            if self._short_at is not None and t - self._short_at > self.double_s:
                self._ready.append(SHORT)  # too late to make a double: two presses
                self._short_at = None
            self._down_at, self._long_given = t, False

    def released(self, t: float) -> None:
        with self._lock:
            if self._down_at is None:
                return
            held = t - self._down_at
            self._down_at = None
            if self._long_given or held >= self.long_s:
                if not self._long_given:
                    self._ready.append(LONG)
                self._short_at = None
            elif self._short_at is not None and t - self._short_at <= self.double_s + held:
                self._ready.append(DOUBLE)
                self._short_at = None
            else:
                self._short_at = t

    def take(self, t: float) -> list[str]:
        """The gestures complete by time `t` (a long press while it is still held)."""
        with self._lock:
            if (
                self._down_at is not None
                and not self._long_given
                and t - self._down_at >= self.long_s
            ):
                self._long_given = True
                self._short_at = None  # a long press after a short one is the long one
                self._ready.append(LONG)
            if (
                self._short_at is not None
                and self._down_at is None
                and t - self._short_at > self.double_s
            ):
                self._ready.append(SHORT)
                self._short_at = None
            ready, self._ready = self._ready, []
            return ready


class GpioButton:
    """A push button between a GPIO pin and ground (the pin pulled up), through gpiozero.
    `pin_factory`: gpiozero's (its MockFactory in tests); `clock`: for the gestures."""

    def __init__(
        self,
        pin: int,
        pin_factory=None,
        clock: Callable[[], float] = time.monotonic,
        gestures: Gestures | None = None,
    ) -> None:
        from gpiozero import Button

        self.gestures = gestures or Gestures()
        self._clock = clock
        # No bounce time: gpiozero's drops the release of a quick tap; the gestures'
        # timings are far longer than any bounce.
        self._button = Button(pin, pull_up=True, bounce_time=None, pin_factory=pin_factory)
        self._button.when_pressed = lambda: self.gestures.pressed(self._clock())
        self._button.when_released = lambda: self.gestures.released(self._clock())

    def take(self) -> list[str]:
        return self.gestures.take(self._clock())

    def close(self) -> None:
        self._button.close()


def open_button(pin: int | None) -> GpioButton | None:
    """The button on `pin`, or None (one log line) where there is no GPIO or no pin."""
    if pin is None:
        return None
    from gpiozero.exc import BadPinFactory

    try:
        with warnings.catch_warnings():
            # gpiozero warns of each pin library it tries; the one line below says it.
            warnings.simplefilter("ignore")
            button = GpioButton(pin)
    except BadPinFactory:
        _LOGGER.info("No button: this machine has no GPIO pins; the phrase calls a time-out.")
        return None
    except Exception as exc:  # a pin in use, no permission: each its own kind
        _LOGGER.info("No button (GPIO %d: %s): the phrase alone calls a time-out.", pin, exc)
        return None
    _LOGGER.info("Button on GPIO %d: a short press for a time-out, a long one to breathe.", pin)
    return button
