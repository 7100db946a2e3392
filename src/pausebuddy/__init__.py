"""pausebuddy: an offline voice companion for a time-out."""

__version__ = "0.1.0"
