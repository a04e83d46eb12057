"""Cycle and day → calendar date. Day 1 of cycle 1 is the start date; day 0 the day before."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from regimencalc.errors import PlanningError
from regimencalc.protocol.limits import EARLIEST_DATE, LATEST_DATE, limit_text


def parse_start_date(text: str) -> dt.date:
    """The start date (YYYY-MM-DD), refused with a one-line reason otherwise."""
    return parse_date(text, "start date")


def parse_date(text: str, what: str) -> dt.date:
    """An ISO date (YYYY-MM-DD); `what` names it in the one-line error."""
    try:
        if len(text) != 10:
            raise ValueError
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise PlanningError(f"{what} '{text}' is not a valid date; write it as YYYY-MM-DD, e.g. 2026-01-05") from None
    if not EARLIEST_DATE <= date <= LATEST_DATE:
        raise PlanningError(
            f"{what} '{text}' is outside {limit_text('EARLIEST_DATE')} to {limit_text('LATEST_DATE')}; check the year"
        )
    return date


def cycle_starts(start: dt.date, lengths: Iterable[int]) -> list[dt.date]:
    """Day 1 of each cycle: each starts its predecessor's length after the predecessor's day 1.

    >>> cycle_starts(dt.date(2026, 1, 5), [21, 28, 28])
    [datetime.date(2026, 1, 5), datetime.date(2026, 1, 26), datetime.date(2026, 2, 23)]
    """
    starts: list[dt.date] = []
    current = start
    for length in lengths:
        starts.append(current)
        current += dt.timedelta(days=length)
    return starts


def day_date(cycle_start: dt.date, day: int) -> dt.date:
    """The date of a cycle day; day 0 is the day before day 1.

    >>> day_date(dt.date(2026, 1, 5), 0)
    datetime.date(2026, 1, 4)
    """
    return cycle_start + dt.timedelta(days=day - 1)
