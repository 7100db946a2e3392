"""pausebuddy: an offline voice companion for a time-out."""

import os

# onnxruntime (under Piper) sends usage telemetry and writes a device id on Linux since
# 1.29 unless told not to before it starts; pausebuddy never sends anything anywhere.
# Both spellings: the variable was renamed between releases.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
os.environ["ORT_TELEMETRY_DISABLED"] = "1"

__version__ = "0.1.0"

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
"""The command's log lines, and its speaker process's (speaker.py)."""
