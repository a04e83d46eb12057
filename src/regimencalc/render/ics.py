"""The course as an RFC 5545 calendar (built with icalendar), for patients and day units.

One event per administration (or, with `per_day`, one per day listing its drugs); a continuous
infusion is one multi-day event per infusion period. UIDs are uuid5 of the course identity and
the administration, DTSTAMP is the date the course information dates from (the last observation,
else the start), and SEQUENCE counts the observations and rules behind an event, so exporting the
same course twice gives the same bytes and a re-planned course updates the events it changed.
Held, omitted and discontinued doses are exported as CANCELLED events, never dropped.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

from regimencalc.course import Administration, Course
from regimencalc.dosing.timing import CalendarOptions, hour_after, local_datetime

#: Fixed namespace of regimencalc's calendar UIDs (uuid5 of the course identity and the event key).
NAMESPACE = uuid.UUID("5b0e3a52-6f0d-4c44-9a39-6c1d2a9e7f10")
CANCELLED = ("held", "omitted", "discontinued")
PRODID = "-//regimencalc//regimencalc course calendar//EN"


def render_ics(course: Course, options: CalendarOptions) -> str:
    """The calendar as RFC 5545 text (CRLF line ends)."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{course.regimen.name} ({course.regimen.id} v{course.regimen.version})")
    identity = options.course_id or f"{course.regimen.id}|{course.start_date.isoformat()}"
    stamp = dt.datetime.combine(course.assessed_until or course.start_date, dt.time(0), dt.UTC)
    groups = _by_day(course) if options.per_day else list(_periods(course))
    for key, doses in sorted(groups, key=lambda g: (g[1][0].date, g[0])):
        calendar.add_component(_event(course, key, doses, identity, stamp, options))
    if options.at is not None and options.zone is not None:
        dates = [a.date for a in course.administrations]
        calendar.add_missing_timezones(first_date=min(dates), last_date=max(dates) + dt.timedelta(days=2))
    return calendar.to_ical().decode("utf-8")


def _periods(course: Course) -> Iterator[tuple[str, list[Administration]]]:
    """Each administration alone, except consecutive infusion days of one drug in one cycle with the
    same kind of status, which make one infusion period."""
    period: list[Administration] = []
    for a in sorted(course.administrations, key=lambda a: (a.drug, a.date)):
        if a.route != "CIV":
            yield a.id, [a]
            continue
        if period and _continues(period[-1], a):
            period.append(a)
            continue
        if period:
            yield f"{period[0].id}/period", period
        period = [a]
    if period:
        yield f"{period[0].id}/period", period


def _continues(previous: Administration, a: Administration) -> bool:
    return (
        a.drug == previous.drug
        and a.cycle == previous.cycle
        and (a.date - previous.date).days == 1
        and (a.status in CANCELLED) == (previous.status in CANCELLED)
    )


def _by_day(course: Course) -> list[tuple[str, list[Administration]]]:
    days: dict[dt.date, list[Administration]] = {}
    for a in course.administrations:
        days.setdefault(a.date, []).append(a)
    return [(f"day/{day.isoformat()}", doses) for day, doses in days.items()]


def _event(
    course: Course, key: str, doses: list[Administration], identity: str, stamp: dt.datetime, options: CalendarOptions
):  # noqa: ANN202 - icalendar.Event, imported lazily
    import icalendar

    first, last = doses[0], doses[-1]
    event = icalendar.Event()
    event.add("uid", f"{uuid.uuid5(NAMESPACE, f'{identity}|{key}')}@regimencalc")
    event.add("dtstamp", stamp)
    event.add("sequence", max(len(a.because) for a in doses))
    cancelled = all(a.status in CANCELLED for a in doses)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", _summary(doses, options.per_day, cancelled))
    event.add("description", _description(course, doses))
    if options.at is None:
        event.add("dtstart", first.date)
        event.add("dtend", last.date + dt.timedelta(days=1))
    else:
        start = local_datetime(first.date, options.at, options.zone)
        event.add("dtstart", start)
        infusion = first.route == "CIV" and not options.per_day
        end = (
            local_datetime(last.date + dt.timedelta(days=1), options.at, options.zone)
            if infusion
            else hour_after(start)
        )
        event.add("dtend", end)
    if options.remind is not None and not cancelled:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event["summary"])
        alarm.add("trigger", -options.remind)
        event.add_component(alarm)
    return event


def _summary(doses: list[Administration], per_day: bool, cancelled: bool) -> str:
    prefix = "CANCELLED: " if cancelled else ""
    if per_day:
        return prefix + "; ".join(f"{a.drug} {a.dose_text()} {a.route}" for a in doses)
    a = doses[0]
    if len(doses) == 1:
        return f"{prefix}{a.drug} {a.dose_text()} {a.route}"
    steps = " → ".join(dict.fromkeys(d.dose_text() for d in doses))
    return f"{prefix}{a.drug} {steps} {a.route} (cycle {a.cycle} days {a.day}-{doses[-1].day})"


def _description(course: Course, doses: list[Administration]) -> str:
    flags = {f.id: f for f in course.flags}
    lines = [f"{course.regimen.name} ({course.regimen.id} v{course.regimen.version})"]
    for a in doses:
        moved = f", moved from {a.original_date.isoformat()}" if a.original_date else ""
        lines.append(
            f"Cycle {a.cycle} day {a.day} ({a.date.isoformat()}): {a.drug} {a.dose_text()} {a.route} - {a.status}{moved}"
        )
        lines.append("  " + " → ".join(step.text for step in a.trace))
        lines += [f"  {flags[f].id} [{flags[f].kind}] {flags[f].text}" for f in a.flags]
    sources = dict.fromkeys(a.source for a in doses)
    lines += [f"Source {key}: {course.regimen.sources[key]}" for key in sources if key in course.regimen.sources]
    lines.append("Check every dose against the current protocol before giving it.")
    return "\n".join(lines)
