"""Where pausebuddy keeps its files (XDG directories via platformdirs)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

_APP = "pausebuddy"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(_APP))


def data_dir() -> Path:
    """Downloaded models live here (vosk-model-small-en-us-0.15/)."""
    return Path(platformdirs.user_data_dir(_APP))


def state_dir() -> Path:
    """The pending break (break.json) and, when turned on, the history live here."""
    return Path(platformdirs.user_state_dir(_APP))


def cache_dir() -> Path:
    """Rendered voice lines (pausebuddy's own words only); safe to delete."""
    return Path(platformdirs.user_cache_dir(_APP))
