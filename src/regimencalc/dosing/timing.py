"""Reading the calendar options people type: a time of day, a time zone, a reminder offset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from regimencalc.errors import RegimencalcError, UnitInputError
from regimencalc.protocol.units import import_pint, parse_quantity


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
    pint = import_pint()

    try:
        minutes = parse_quantity(text.replace(" ", "")).to("minute").magnitude
    except (UnitInputError, pint.errors.DimensionalityError):
        raise RegimencalcError(f"--remind '{text}' is not a duration; write e.g. 1d, 12h or 30min") from None
    if not 1 <= minutes <= 60 * 24 * 28 or minutes != round(minutes):
        raise RegimencalcError(f"--remind '{text}' must be whole minutes, from 1 minute to 28 days; write e.g. 30min")
    return dt.timedelta(minutes=round(minutes))


def local_datetime(day: dt.date, at: dt.time, zone: str | None) -> dt.datetime:
    """`at` on `day` in `zone` (floating local time without a zone); refused when the clocks change
    through that time on that day: 02:30 does not exist on a spring-forward day and happens twice
    on a fall-back day, and a calendar would show a 0-minute or 2-hour event, or the wrong hour."""
    from zoneinfo import ZoneInfo

    if zone is None:
        return dt.datetime.combine(day, at)
    tz = ZoneInfo(zone)
    first, second = (dt.datetime.combine(day, at, tz).replace(fold=f) for f in (0, 1))
    round_trip = first.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != first.replace(tzinfo=None):
        raise RegimencalcError(
            f"--time {at:%H:%M} does not exist in {zone} on {day.isoformat()} (the clocks go forward); "
            "choose a time outside the change, e.g. 09:00"
        )
    if first.utcoffset() != second.utcoffset():
        raise RegimencalcError(
            f"--time {at:%H:%M} happens twice in {zone} on {day.isoformat()} (the clocks go back); "
            "choose a time outside the change, e.g. 09:00"
        )
    return first


def hour_after(start: dt.datetime) -> dt.datetime:
    """One elapsed hour after `start`, across a clock change too, in the zone of `start`; refused
    when that local time happens twice (Lord Howe Island's half-hour change): a calendar would read
    the first occurrence and show a shorter event."""
    if start.tzinfo is None:
        return start + dt.timedelta(hours=1)
    end = (start.astimezone(dt.UTC) + dt.timedelta(hours=1)).astimezone(start.tzinfo)
    if end.replace(fold=0).utcoffset() != end.utcoffset():
        raise RegimencalcError(
            f"--time {start:%H:%M}: the one-hour event of {start.date().isoformat()} would end at {end:%H:%M}, "
            f"which happens twice in {start.tzinfo} (the clocks go back); choose another time, e.g. 09:00"
        )
    return end
