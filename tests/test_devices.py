"""The button and the light, through gpiozero's own mock pin factory (the library's real
code, pins that are not there): every gesture in every state through the loop, and the
light's level against the breathing schedule. The loop runs on the fakes of
test_loop_logic (glue only: the phrases are tested on real audio elsewhere)."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin
from test_loop_logic import BLOCK, RATE, KeptSink, ScriptedRecognizer, SilentVoice

from pausebuddy import light_show
from pausebuddy.button import DOUBLE, LONG, SHORT, Gestures, GpioButton, open_button
from pausebuddy.config import Config, DevicesConfig, HearingConfig
from pausebuddy.conversation import Conversation
from pausebuddy.events import EventLog
from pausebuddy.light import GAMMA, Apa102Light, LedLight, LightRunner, apa102_frame, open_light
from pausebuddy.light_show import LightShow
from pausebuddy.loop import Loop
from pausebuddy.wording import prompts

LINES = prompts()
BUTTON_PIN, LED_PIN = 17, 12


# -- gestures --------------------------------------------------------------------------


def test_presses_become_short_long_and_double_gestures() -> None:
    gestures = Gestures(long_s=1.0, double_s=0.4)
    gestures.pressed(0.0)
    gestures.released(0.1)
    assert gestures.take(0.3) == []  # it may still become a double press
    assert gestures.take(0.6) == [SHORT]
    gestures.pressed(1.0)
    assert gestures.take(1.5) == []
    assert gestures.take(2.05) == [LONG]  # counted while still held
    gestures.released(3.0)
    assert gestures.take(3.5) == []  # its release adds nothing
    gestures.pressed(4.0)
    gestures.released(4.1)
    gestures.pressed(4.3)
    gestures.released(4.4)
    assert gestures.take(5.0) == [DOUBLE]
    # Two presses further apart than the double window are two short presses, even
    # when nobody asked in between.
    gestures.pressed(6.0)
    gestures.released(6.1)
    gestures.pressed(7.0)
    gestures.released(7.1)
    assert gestures.take(8.0) == [SHORT, SHORT]


# -- the button through the loop ---------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _run_with_presses(presses: list[tuple[float, float]], seconds: float, **overrides):
    """A loop with a button on a mock pin; `presses`: (down_s, up_s) on the audio clock."""
    factory, clock = MockFactory(), Clock()
    button = GpioButton(BUTTON_PIN, pin_factory=factory, clock=clock)
    pin = factory.pin(BUTTON_PIN)
    config = dataclasses.replace(Config(), hearing=HearingConfig(barge_in=False), **overrides)
    events = EventLog(keep=True)
    loop = Loop(config, ScriptedRecognizer([]), SilentVoice(), KeptSink(), events, button=button)
    edges = sorted([(down, "down") for down, _ in presses] + [(up, "up") for _, up in presses])

    def blocks():
        silence = np.zeros(BLOCK, dtype=np.int16)
        for i in range(int(seconds * RATE / BLOCK)):
            clock.now = i * BLOCK / RATE
            while edges and edges[0][0] <= clock.now:
                _, edge = edges.pop(0)
                pin.drive_low() if edge == "down" else pin.drive_high()  # wired to ground
            yield silence

    loop.run(blocks(), drain=False)
    loop.close()
    return events.events


def _pressed(events: list[dict]) -> list[tuple[str, str]]:
    return [(e["gesture"], e["intent"]) for e in events if e["type"] == "pressed"]


def _said(events: list[dict]) -> list[str]:
    return [e["text"] for e in events if e["type"] == "said"]


def test_every_gesture_does_what_it_means_in_each_state() -> None:
    events = _run_with_presses(
        [
            (1.0, 1.1),  # idle: a time-out, with the couple's exercise (breathing)
            (8.0, 8.1),  # in the exercise: it ends, kindly; the break runs on
            (14.0, 14.1),  # in the break: how long is left
            (80.0, 80.1),  # after the reminder: a double press, "we're ready"
            (80.25, 80.35),
        ],
        90,
        break_minutes=1,
        reminder_repeats=0,
    )
    assert _pressed(events) == [
        ("short", "timeout"),
        ("short", "stop"),
        ("short", "how_long"),
        ("double", "ready"),
    ]
    said = _said(events)
    assert said[0] == LINES["timeout_ack"]
    assert LINES["stopped"] in said
    assert any(text.startswith("About") and "left" in text for text in said)
    assert any(text in LINES["ready"] for text in said)
    ended = [e for e in events if e["type"] == "break_ended"]
    assert [e["how"] for e in ended] == ["ready"] and ended[0]["t"] < 81
    assert next(e for e in events if e["type"] == "session_ended")["stopped"]


def test_a_long_press_starts_breathing_and_a_press_at_the_reminder_snoozes() -> None:
    events = _run_with_presses(
        [(1.0, 2.5), (60.0, 60.1), (140.0, 140.1)],
        150,
        break_minutes=1,
        timeout_exercise="none",
        breathing_cycles=1,
        reminder_repeats=0,
    )
    assert _pressed(events)[0] == ("long", "breathe")
    started = next(e for e in events if e["type"] == "session_started")
    assert started["exercise"] == "breathing" and started["t"] < 2.5  # while still held
    # The session (one cycle) is over by 60 s: a short press is a time-out, and at the
    # reminder (a minute after its announcement) a single press asks for five more minutes.
    assert _pressed(events)[1:] == [("short", "timeout"), ("short", "more_time")]
    snoozed = LINES["snooze"].format(duration="5 minutes")
    assert snoozed in _said(events)


def test_without_gpio_there_is_no_button_and_no_light_with_one_log_line(caplog) -> None:
    caplog.set_level(logging.INFO, logger="pausebuddy")
    assert open_button(BUTTON_PIN) is None
    assert open_light(DevicesConfig(light="led")) is None
    assert open_light(DevicesConfig(light="apa102")) is None
    lines = [r.getMessage() for r in caplog.records]
    assert sum(line.startswith("No button") for line in lines) == 1
    assert sum(line.startswith("No light") for line in lines) == 2
    assert open_button(None) is None and open_light(DevicesConfig(light="none")) is None


# -- the light ---------------------------------------------------------------------------


def _breathing_events(cycles: int = 1) -> list[dict]:
    """The conversation's own events for a breathing session (its schedule)."""
    events: list[dict] = []
    config = dataclasses.replace(Config(), breathing_cycles=cycles)
    conversation = Conversation(config, lambda text, at, **_: at + 0.6, events.append)
    conversation.start("breathing", 0.0)
    while (due := conversation.next_due()) is not None:
        conversation.tick(due)
    return events


def test_the_led_rises_and_falls_with_the_breathing_counts() -> None:
    events = _breathing_events()
    phases = {e["phase"]: e for e in events if e["type"] == "breath"}
    assert [phases[p]["seconds"] for p in ("in", "hold", "out")] == [4.0, 7.0, 8.0]
    factory, clock = MockFactory(pin_class=MockPWMPin), Clock()
    runner = LightRunner(LightShow(), LedLight(LED_PIN, pin_factory=factory), 0.0, clock)
    for event in events:
        runner(event)
    pin = factory.pin(LED_PIN)

    def led_at(t: float) -> float:
        clock.now = t
        runner.step()
        return pin.state ** (1 / GAMMA)  # back to the level the eye sees

    breathe_in, hold, out = phases["in"]["t"], phases["hold"]["t"], phases["out"]["t"]
    assert led_at(breathe_in - 1) == pytest.approx(light_show.SESSION)  # the opening exhale
    assert led_at(breathe_in + 0.05) < 0.1  # in: from dim ...
    assert led_at(breathe_in + 2) == pytest.approx((light_show.DIM + 1) / 2, abs=0.02)
    assert led_at(hold - 0.05) > 0.95  # ... to full on the fourth count
    assert led_at(hold + 3.5) == pytest.approx(1.0)  # hold: steady
    assert led_at(out + 4) == pytest.approx((light_show.DIM + 1) / 2, abs=0.02)  # out: falling
    ended = next(e for e in events if e["type"] == "session_ended")["t"]
    assert led_at(ended + 1) == pytest.approx(light_show.DIM)  # listening again
    runner.close()
    assert pin.state == 0


def test_flash_pulse_and_steady_states() -> None:
    show = LightShow()
    for event in light_show.demo_events(seconds_each=4.0):
        show.observe(event)
    assert show.level(2.0) == pytest.approx(light_show.DIM)  # listening
    assert show.level(4.1) == 1.0 and show.level(4.5) == pytest.approx(light_show.DIM)  # flash
    pulse = [show.level(12.0 + k * 0.25) for k in range(16)]  # a break, for 4 s
    assert min(pulse) < 0.1 and max(pulse) > 0.3
    assert show.level(17.0) == pytest.approx(light_show.REMINDING)  # steady
    assert show.level(21.0) == pytest.approx(light_show.DIM)  # the break is over


def test_apa102_frames_at_the_byte_level() -> None:
    assert apa102_frame([0.0, 0.0, 0.0]) == bytes(4) + bytes([0xFF, 0, 0, 0]) * 3 + b"\xff"
    full = apa102_frame([1.0], color=(10, 20, 30))
    assert full == bytes(4) + bytes([0xFF, 30, 20, 10]) + b"\xff"  # blue, green, red
    written: list[bytes] = []
    light = Apa102Light(written.append, leds=3)
    light.show(0.5)
    frame = written[-1]
    assert len(frame) == 4 + 3 * 4 + 1 and frame[4] == 0xFF
    assert frame[5:8] == frame[9:12] == frame[13:16]  # all three alike
    light.close()
    assert written[-1] == apa102_frame([0.0] * 3)  # dark when it stops
