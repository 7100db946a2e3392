"""The pending break on disk: written atomically on every change, reloaded on start.

A break is a promise to remind the couple; a crash, a `kill -9` or a power cut must not
break it. Times on disk are wall-clock (Unix seconds), because the audio clock restarts
with the process. Nothing here holds anything anyone said.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

MAX_BREAK_S = 24 * 3600
"""The guidance: a break never lasts more than a day, snoozes included."""


@dataclass(frozen=True)
class SavedBreak:
    started: float
    """Unix seconds when the break was announced."""
    due: float
    """Unix seconds when the (next) reminder is due."""
    length_s: float
    """The length that was agreed (without snoozes)."""
    reminded: int = 0
    """Reminders given so far."""


class BreakStore:
    """One JSON file. `save(None)` removes it: no break is pending."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def save(self, saved: SavedBreak | None) -> None:
        if saved is None:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as file:
            json.dump(asdict(saved), file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, self.path)  # atomic: the old file or the new one, never half
        _fsync_dir(self.path.parent)

    def check_writable(self) -> None:
        """Raises OSError (with what to do) if the break could not be saved here."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            probe = self.path.with_name(self.path.name + ".write-test")
            with open(probe, "w", encoding="utf-8") as file:
                file.write("{}")
                file.flush()
                os.fsync(file.fileno())
            probe.unlink()
        except OSError as exc:
            raise OSError(
                exc.errno,
                f"cannot save the break in {self.path.parent} "
                f"({exc.strerror}): make that folder writable for this user, or "
                "give another with --state",
            ) from exc

    def load(self, set_aside: bool = True) -> SavedBreak | None:
        """The saved break, or None. A damaged file is moved aside (unless not
        `set_aside`: a read-only command changes nothing), never a crash."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return self._damaged(f"cannot read it ({exc.strerror})", set_aside)
        try:
            data = json.loads(raw.decode("utf-8"))
            saved = SavedBreak(
                started=float(data["started"]),
                due=float(data["due"]),
                length_s=float(data["length_s"]),
                reminded=int(data.get("reminded", 0)),
            )
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
            # ValueError covers bytes that are not UTF-8 and text that is not JSON.
            return self._damaged(f"it is damaged ({type(exc).__name__})", set_aside)
        if (
            not all(map(math.isfinite, (saved.started, saved.due, saved.length_s)))
            or not saved.started <= saved.due <= saved.started + MAX_BREAK_S + 3600
        ):
            return self._damaged("its times make no sense", set_aside)
        return saved

    def _damaged(self, why: str, set_aside: bool) -> None:
        if set_aside:
            return self._set_aside(why)
        _LOGGER.warning("The saved break %s: %s; left as it is.", self.path, why)
        return None

    def _set_aside(self, why: str) -> None:
        aside = self.path.with_name(f"{self.path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, aside)
            _LOGGER.warning(
                "The saved break %s: %s. Moved it to %s; starting without it.",
                self.path,
                why,
                aside,
            )
        except OSError as exc:
            _LOGGER.warning(
                "The saved break %s: %s, and it cannot be moved aside (%s); ignoring it.",
                self.path,
                why,
                exc.strerror,
            )
        return None


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
