"""An optional, local record of time-outs: when, how long, whether they came back.

Off unless `keep_history: true`. Never any words: only times, lengths and how the break
ended (ready, cancelled, unanswered). `pausebuddy history --forget` deletes it.
"""

from __future__ import annotations

import datetime
import json
import os
from collections import defaultdict
from pathlib import Path

ENDINGS = {"ready": "came back", "cancelled": "ended early", "unanswered": "no answer"}


class HistoryLog:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def add(self, started: float, ended: float, length_s: float, how: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"started": round(started), "ended": round(ended),
                  "length_s": round(length_s), "how": how}
        with open(self.path, "a", encoding="utf-8") as file:
            file.write(json.dumps(record) + "\n")
            file.flush()
            os.fsync(file.fileno())

    def records(self) -> list[dict]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a line cut by a power cut: skip it, keep the rest
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
                for how, words in ENDINGS.items() if any(r["how"] == how for r in records)
            )
            count = f"{len(records)} time-out" + ("s" if len(records) > 1 else "")
            lines.append(f"{week}: {count}, breaks of {minutes:.0f} minutes on average; {endings}")
        return "\n".join(lines)
