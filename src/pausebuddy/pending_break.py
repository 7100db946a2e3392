"""The break in progress: in memory on the audio's clock, on disk (breaks.py) in
wall-clock time. Every change is saved before anything else happens; if the disk
refuses it, the break goes on from memory and saving is tried again."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from pausebuddy.breaks import BreakStore, SavedBreak

_LOGGER = logging.getLogger("pausebuddy.conversation")

SAVE_AGAIN_S = 5.0
"""How often saving a break the disk refused is tried again (wall-clock seconds)."""


@dataclass
class Break:
    started_at: float
    due_at: float
    length_s: float
    """The length agreed when it started (snoozes not included)."""
    reminded: int = 0
    """How many times the reminder has been given."""

    @property
    def reminding(self) -> bool:
        """The reminder was given and the couple may answer it."""
        return self.reminded > 0


class BreakSaver:
    """Saves the break through `store` (None: nowhere); `epoch_s` is the wall-clock time
    of the audio clock's zero."""

    def __init__(self, store: BreakStore | None, epoch_s: float) -> None:
        self._store = store
        self._epoch = epoch_s
        self._unsaved: Break | None | bool = False
        """What the disk refused last (False: nothing waits to be saved)."""
        self._again_at = 0.0

    def save(self, pending: Break | None) -> None:
        if self._store is None:
            return
        try:
            self._store.save(
                None
                if pending is None
                else SavedBreak(
                    started=self._epoch + pending.started_at,
                    due=self._epoch + pending.due_at,
                    length_s=pending.length_s,
                    reminded=pending.reminded,
                )
            )
        except OSError as exc:
            if self._unsaved is False:
                _LOGGER.error(
                    "Could not save the break to %s (%s); it is kept in memory "
                    "and saving is tried again.",
                    self._store.path,
                    exc.strerror,
                )
            self._unsaved = pending
            self._again_at = time.monotonic() + SAVE_AGAIN_S
            return
        if self._unsaved is not False:
            _LOGGER.info("The break is saved again.")
        self._unsaved = False

    def save_again(self) -> None:
        """What the disk refused, tried again once SAVE_AGAIN_S has passed."""
        if self._unsaved is not False and time.monotonic() >= self._again_at:
            self.save(self._unsaved)

    def load(self) -> tuple[Break, SavedBreak] | None:
        """The break saved before a restart, on the audio clock (and as it was saved)."""
        if self._store is None:
            return None
        saved = self._store.load()
        if saved is None:
            return None
        pending = Break(
            started_at=saved.started - self._epoch,
            due_at=saved.due - self._epoch,
            length_s=saved.length_s,
            reminded=saved.reminded,
        )
        return pending, saved
