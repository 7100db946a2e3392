"""What happened, as JSON lines on the input's clock: `run --events`, the demo's timeline
and the benchmarks read them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol, TextIO


class Listener(Protocol):
    """Told of every event as it happens (the light); closed with the log."""

    def __call__(self, event: dict) -> None: ...
    def close(self) -> None: ...


class EventLog:
    """JSON lines with `t` on the input's clock, to a file when asked. `keep`: also in
    memory (the demo's timeline, the bench); never for the live loop, which runs for
    months."""

    def __init__(self, path: str | Path | None = None, keep: bool = False) -> None:
        self.events: list[dict] = []
        self._keep = keep
        self._file: TextIO | None = open(path, "w", encoding="utf-8") if path else None
        self.listeners: list[Listener] = []

    def __call__(self, event: dict) -> None:
        event = {k: round(v, 3) if isinstance(v, float) else v for k, v in event.items()}
        if self._keep:
            self.events.append(event)
        for listener in self.listeners:
            listener(event)
        if self._file:
            self._file.write(json.dumps(event) + "\n")
            self._file.flush()

    def close(self) -> None:
        for listener in self.listeners:
            listener.close()
        if self._file:
            self._file.close()
