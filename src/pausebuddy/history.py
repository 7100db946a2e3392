"""An optional, local record of time-outs: when, how long, whether they came back.

Off unless `keep_history: true`. Never any words: only times, lengths and how the break
ended (ready, cancelled, unanswered). `pausebuddy history --forget` deletes it.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
from collections import defaultdict
from pathlib import Path

ENDINGS = {
    "ready": "came back",
    "cancelled": "ended early",
    "unanswered": "no answer",
    "stale": "not reminded (pausebuddy was off)",
}
_LOGGER = logging.getLogger(__name__)
_LATEST = datetime.datetime(9999, 1, 1).timestamp()
"""A time past this is not a date (fromtimestamp fails on it)."""


def _record(line: bytes) -> dict | None:
    """One line as a record with sane fields, or None."""
    try:
        record = json.loads(line.decode("utf-8"))
        started, ended = float(record["started"]), float(record["ended"])
        length_s, how = float(record["length_s"]), record["how"]
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        return None
    if not (0 <= started <= ended < _LATEST and 0 <= length_s < _LATEST and isinstance(how, str)):
        return None
    return {"started": started, "ended": ended, "length_s": length_s, "how": how}


class HistoryLog:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def add(self, started: float, ended: float, length_s: float, how: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "started": round(started),
            "ended": round(ended),
            "length_s": round(length_s),
            "how": how,
        }
        with open(self.path, "a", encoding="utf-8") as file:
            file.write(json.dumps(record) + "\n")
            file.flush()
            os.fsync(file.fileno())

    def records(self) -> list[dict]:
        """Every whole record; a damaged line (cut by a power cut, edited, not UTF-8) is
        skipped with one log line, and the rest kept."""
        try:
            lines = self.path.read_bytes().splitlines()
        except FileNotFoundError:
            return []
        except OSError as exc:
            _LOGGER.warning("The history %s cannot be read (%s).", self.path, exc.strerror)
            return []
        records, skipped = [], 0
        for line in lines:
            record = _record(line)
            if record is None:
                skipped += bool(line.strip())
            else:
                records.append(record)
        if skipped:
            _LOGGER.warning("Skipped %d damaged line(s) of the history %s.", skipped, self.path)
        return records

    def forget(self) -> bool:
        """Delete the history; True if there was one."""
        existed = self.path.exists()
        self.path.unlink(missing_ok=True)
        return existed

    def weekly_summary(self) -> str:
        weeks: dict[str, list[dict]] = defaultdict(list)
        for record in self.records():
            year, week, _ = datetime.date.fromtimestamp(record["started"]).isocalendar()
            weeks[f"{year}-W{week:02d}"].append(record)
        if not weeks:
            return "No time-outs recorded."
        lines = []
        for week in sorted(weeks):
            records = weeks[week]
            minutes = sum(r["ended"] - r["started"] for r in records) / len(records) / 60
            endings = ", ".join(
                f"{sum(r['how'] == how for r in records)} {words}"
                for how, words in ENDINGS.items()
                if any(r["how"] == how for r in records)
            )
            count = f"{len(records)} time-out" + ("s" if len(records) > 1 else "")
            lines.append(f"{week}: {count}, breaks of {minutes:.0f} minutes on average; {endings}")
        return "\n".join(lines)
