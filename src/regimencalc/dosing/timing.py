"""Reading the calendar options people type: a time of day, a time zone, a reminder offset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from regimencalc.errors import RegimencalcError, UnitInputError
from regimencalc.protocol.units import parse_quantity


@dataclass(frozen=True)
class CalendarOptions:
    """How calendar events are laid out: all-day or at a time in a zone, per drug or per day, reminders."""

    per_day: bool = False
    at: dt.time | None = None
    zone: str | None = None
    remind: dt.timedelta | None = None
    course_id: str | None = None


def calendar_options(
    *, per_day: bool, at: str | None, zone: str | None, remind: str | None, course_id: str | None
) -> CalendarOptions:
    """Checked calendar options; a one-line RegimencalcError names what is wrong."""
    if zone is not None and at is None:
        raise RegimencalcError(f"--tz {zone} needs --time HH:MM: all-day events have no time zone")
    return CalendarOptions(
        per_day=per_day,
        at=None if at is None else _time(at),
        zone=None if zone is None else _zone(zone),
        remind=None if remind is None else _offset(remind),
        course_id=course_id,
    )


def _time(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text) if len(text) == 5 else _bad_time(text)
    except ValueError:
        return _bad_time(text)


def _bad_time(text: str) -> dt.time:
    raise RegimencalcError(f"--time '{text}' is not a time of day; write it as HH:MM, e.g. 09:00")


def _zone(name: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RegimencalcError(
            f"--tz '{name}' is not a known time zone; write e.g. Europe/Paris or America/New_York"
        ) from None
    return name


def _offset(text: str) -> dt.timedelta:
    import pint

    try:
        minutes = parse_quantity(text.replace(" ", "")).to("minute").magnitude
    except (UnitInputError, pint.errors.DimensionalityError):
        raise RegimencalcError(f"--remind '{text}' is not a duration; write e.g. 1d, 12h or 30min") from None
    if not 0 < minutes <= 60 * 24 * 28:
        raise RegimencalcError(f"--remind '{text}' must be more than 0 and at most 28 days")
    return dt.timedelta(minutes=minutes)
