"""Quiet hours: which local times fall inside a span, whatever the span."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from pausebuddy.quiet_hours import within


def _at(clock: str) -> float:
    return time.mktime(time.strptime(f"2026-12-05 {clock}", "%Y-%m-%d %H:%M"))


def test_a_span_over_midnight_wraps() -> None:
    span = "22:00-07:00"
    assert within(span, _at("22:00")) and within(span, _at("23:59")) and within(span, _at("03:00"))
    assert not within(span, _at("07:00")) and not within(span, _at("12:00"))
    assert not within(span, _at("21:59"))


def test_a_span_within_a_day_and_none() -> None:
    assert within("13:00-15:30", _at("15:29")) and not within("13:00-15:30", _at("15:30"))
    assert not within(None, _at("03:00"))


@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 23), st.integers(0, 59))
def test_a_span_and_its_complement_cover_every_minute_once(h1, m1, h2, m2) -> None:
    span, other = f"{h1}:{m1:02d}-{h2}:{m2:02d}", f"{h2}:{m2:02d}-{h1}:{m1:02d}"
    if span == other:
        return  # the whole day (start == end)
    for clock in ("00:00", "06:59", "07:00", "12:30", "21:59", "22:00", "23:59"):
        assert within(span, _at(clock)) != within(other, _at(clock))
