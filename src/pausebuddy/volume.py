"""How loud its voice is: steps of 3 dB set by voice ("pause buddy, louder"), kept in a
small file beside the pending break so that a restart keeps it.

The level is a gain on everything it plays, 0 dB being the voice as rendered. Above
0 dB the peaks go through a limiter (voice/tones.py `at_gain`), so louder never clips.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

STEP_DB = 3.0
"""One "louder": about the smallest change in loudness people notice at once."""
LOWEST_DB = -15.0
HIGHEST_DB = 6.0
"""Speech peaks far above its average; the limiter takes 6 dB off its peaks cleanly."""


class Volume:
    """The level in dB, read from `path` (None: not kept) and saved there on each change."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.level_db = self._load()

    @property
    def gain(self) -> float:
        return 10 ** (self.level_db / 20)

    def step(self, louder: bool) -> bool:
        """One step louder (or quieter); False when it is already at the end of its range."""
        level = self.level_db + (STEP_DB if louder else -STEP_DB)
        if not LOWEST_DB <= level <= HIGHEST_DB:
            return False
        self.level_db = level
        self._save()
        return True

    def _load(self) -> float:
        if self.path is None or not self.path.exists():
            return 0.0
        try:
            level = float(json.loads(self.path.read_text(encoding="utf-8"))["level_db"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            _LOGGER.warning("Ignoring the saved volume %s (%s); using the usual.", self.path, exc)
            return 0.0
        # A step is STEP_DB: a level between steps or out of range is brought back to one.
        level = round(level / STEP_DB) * STEP_DB
        return min(max(level, LOWEST_DB), HIGHEST_DB)

    def _save(self) -> None:
        if self.path is None:
            return
        temporary = self.path.with_name(self.path.name + ".new")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps({"level_db": self.level_db}) + "\n", encoding="utf-8")
            temporary.replace(self.path)
        except OSError as exc:  # a full or read-only disk: the new level still holds now
            _LOGGER.warning("Could not keep the volume in %s: %s", self.path, exc.strerror)
