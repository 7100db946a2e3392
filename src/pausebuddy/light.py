"""The light on the hardware: a plain LED on a GPIO pin (gpiozero's PWMLED), or the three
APA102 LEDs of the ReSpeaker 2-Mic HAT over SPI; and the thread that keeps it showing
the LightShow (light_show.py) about 30 times a second. Without GPIO (a PC), or with SPI
not enabled, there is simply no light, with one log line."""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Callable
from typing import Protocol

from pausebuddy.config import DevicesConfig
from pausebuddy.light_show import LightShow

_LOGGER = logging.getLogger(__name__)

GAMMA = 2.2
"""Levels are as the eye sees them; LEDs are driven in power."""
FRAME_S = 1 / 30
COLOR = (40, 110, 255)
"""A soft blue (red, green, blue) for the APA102 LEDs."""


class Light(Protocol):
    def show(self, level: float) -> None: ...
    def close(self) -> None: ...


class LedLight:
    """A plain LED (with its resistor) between a GPIO pin and ground, dimmed by PWM."""

    def __init__(self, pin: int, pin_factory=None) -> None:
        from gpiozero import PWMLED

        self._led = PWMLED(pin, pin_factory=pin_factory)

    def show(self, level: float) -> None:
        self._led.value = min(max(level, 0.0), 1.0) ** GAMMA

    def close(self) -> None:
        self._led.off()
        self._led.close()


def apa102_frame(levels: list[float], color: tuple[int, int, int] = COLOR) -> bytes:
    """The bytes that set a chain of APA102 LEDs: a start frame of zeros, one frame per
    LED (0b111 and the 5-bit global brightness, then blue, green, red), and an end frame
    of ones, half a bit per LED, to clock the last data through."""
    out = bytearray(4)
    for level in levels:
        power = min(max(level, 0.0), 1.0) ** GAMMA
        red, green, blue = (round(c * power) for c in color)
        out += bytes([0xE0 | 31, blue, green, red])
    out += b"\xff" * ((len(levels) + 15) // 16)
    return bytes(out)


class Apa102Light:
    """APA102 LEDs on SPI, all at one level. `write(bytes)`: the SPI device's."""

    def __init__(self, write: Callable[[bytes], object], leds: int = 3, close=None) -> None:
        self._write, self._leds, self._close = write, leds, close

    def show(self, level: float) -> None:
        self._write(apa102_frame([level] * self._leds))

    def close(self) -> None:
        self.show(0.0)
        if self._close is not None:
            self._close()


def _spi_apa102(bus: int, device: int, leds: int) -> Apa102Light:
    import lgpio

    handle = lgpio.spi_open(bus, device, 8_000_000, 0)
    return Apa102Light(
        lambda data: lgpio.spi_write(handle, data), leds, lambda: lgpio.spi_close(handle)
    )


def open_light(config: DevicesConfig) -> Light | None:
    """The configured light, or None (one log line) where it cannot be had."""
    if config.light == "none":
        return None
    from gpiozero.exc import BadPinFactory

    try:
        if config.light == "led":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # each pin library tried: one line says it
                light: Light = LedLight(config.led_pin)
            where = f"an LED on GPIO {config.led_pin}"
        else:
            light = _spi_apa102(config.spi_bus, config.spi_device, config.apa102_leds)
            where = f"{config.apa102_leds} APA102 LEDs on SPI {config.spi_bus}.{config.spi_device}"
    except (ImportError, BadPinFactory):
        _LOGGER.info("No light: this machine has no GPIO pins.")
        return None
    except Exception as exc:  # no GPIO, SPI not enabled: each its own kind
        _LOGGER.info(
            "No light (%s: %s). On a Pi, enable SPI for the HAT's LEDs (sudo raspi-config,"
            " Interface Options), or set devices.light.",
            config.light,
            exc,
        )
        return None
    _LOGGER.info("Light: %s.", where)
    return light


class LightRunner:
    """Keeps `light` showing `show` at the events' clock (wall time minus `epoch_s`)."""

    def __init__(
        self,
        show: LightShow,
        light: Light,
        epoch_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.show, self._light, self._epoch, self._clock = show, light, epoch_s, clock
        self._last: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, event: dict) -> None:
        """An event of the loop's (an EventLog listener)."""
        self.show.observe(event)

    def start(self) -> LightRunner:
        self._thread = threading.Thread(target=self._run, name="light", daemon=True)
        self._thread.start()
        return self

    def step(self) -> float:
        """Shows the level for now; returns it."""
        level = self.show.level(self._clock() - self._epoch)
        if self._last is None or abs(level - self._last) >= 1 / 512:
            self._light.show(level)
            self._last = level
        return level

    def _run(self) -> None:
        while not self._stop.wait(FRAME_S):
            try:
                self.step()
            except Exception:  # the light is a nicety: it never stops the loop
                _LOGGER.exception("The light failed; it stays as it is.")
                return

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        self._light.close()
