"""The course as an RFC 5545 calendar (built with icalendar), for patients and day units.

One event per administration (or, with `per_day`, one per planned day listing its drugs); a
continuous infusion is one multi-day event per infusion period.

Identity survives every re-plan because it is keyed on what a re-plan does not change: the course
identity, the cycle, the drug and route, and the planned day (an infusion period by its first planned
day), never on dates. An infusion period that a re-plan shortens keeps its UID with its new extent and
names its cancelled days; one that an interruption splits keeps its UID for the first part, later
parts get UIDs of their own; a period cancelled entirely is its original event, CANCELLED.

DTSTAMP is the date the course information dates from (the last observation, else the start). The
course's revision is 0 as first planned and 1 + the days from cycle 1 day 1 to that date once
observations or a response re-plan it; SEQUENCE is twice the revision on every event, one less on an
event that still reads as first planned (dates included). It rises with every re-plan made from later
information, and from the first-planned reading to a changed one on the same date (a response given
after a default was assumed), so a client that goes by SEQUENCE takes every change; two exports of the
same course give the same bytes. Held, omitted and discontinued doses are CANCELLED, never dropped,
and so are supportive lines of the first plan that a re-plan no longer has. The revision comes from
the observations alone: an export from observations ending earlier than an earlier export's has a
lower SEQUENCE (docs/calendar.md says what to do then).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from regimencalc.course import Administration, Course, SupportiveLine
from regimencalc.dosing.timing import CalendarOptions, hour_after, local_datetime

#: Fixed namespace of regimencalc's calendar UIDs (uuid5 of the course identity and the event key).
NAMESPACE = uuid.UUID("5b0e3a52-6f0d-4c44-9a39-6c1d2a9e7f10")
CANCELLED = ("held", "omitted", "discontinued")
PRODID = "-//regimencalc//regimencalc course calendar//EN"
#: Years of time-zone rules written into the VTIMEZONE, from the year before the course starts: a
#: re-planned course stays inside it, and it does not change when a re-plan moves the dates.
ZONE_YEARS = 20


@dataclass(frozen=True)
class _Group:
    """What one event shows: its stable key, the doses on its dates, and the cancelled days of its
    infusion period that it names (the period's original extent when everything is cancelled)."""

    key: str
    doses: list[Administration]
    dropped: tuple[Administration, ...] = ()


def render_ics(course: Course, options: CalendarOptions, planned: Course | None = None) -> str:
    """The calendar as RFC 5545 text (CRLF line ends). `planned` is the same course as first planned
    (no observations, no response): an event of a re-planned course that still reads as it did there
    gets a SEQUENCE one lower than the events the re-plan changed."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{course.regimen.name} ({course.regimen.id} v{course.regimen.version})")
    identity = options.course_id or f"{course.regimen.id}|{course.start_date.isoformat()}"
    stamp = dt.datetime.combine(course.assessed_until or course.start_date, dt.time(0), dt.UTC)
    revision = _revision(course)
    first = {g.key: _content(planned, g, options) for g in _groups(planned, options)} if planned and revision else {}
    for group in sorted(_groups(course, options), key=lambda g: (g.doses[0].date, g.key)):
        unchanged = first.get(group.key) == _content(course, group, options)
        sequence = 2 * revision - 1 if unchanged else 2 * revision
        calendar.add_component(_event(course, group, identity, stamp, sequence, options))
    for event in _supportive_events(course, identity, stamp, 2 * revision, options):
        calendar.add_component(event)
    for event in _dropped_supportive_events(course, planned, identity, stamp, 2 * revision, options):
        calendar.add_component(event)
    if options.at is not None and options.zone is not None:
        year = course.start_date.year
        calendar.add_missing_timezones(first_date=dt.date(year - 1, 1, 1), last_date=dt.date(year + ZONE_YEARS, 1, 1))
    return calendar.to_ical().decode("utf-8")


def _groups(course: Course, options: CalendarOptions) -> list[_Group]:
    return _by_day(course) if options.per_day else list(_periods(course))


def _content(course: Course, group: _Group, options: CalendarOptions) -> tuple[bool, str, str]:
    """What a client shows of an event besides its dates: cancelled or not, summary, description."""
    doses = group.doses
    cancelled = all(a.status in CANCELLED for a in doses)
    summary = _summary(doses, options.per_day, cancelled) + _dropped_days(group.dropped)
    return cancelled, summary, _description(course, [*doses, *group.dropped])


def _revision(course: Course) -> int:
    """The course's revision: 0 as first planned; re-planned, 1 + the days from the start to the date
    the information dates from. SEQUENCE is twice it (one less for an event that reads as planned)."""
    if course.assessed_until is None and course.response is None:
        return 0
    return 1 + max(0, ((course.assessed_until or course.start_date) - course.start_date).days)


def _periods(course: Course) -> Iterator[_Group]:
    """Each administration alone, except the days of one infusion period (one drug and route on
    consecutive planned days of one cycle), which make one event keyed by its first planned day."""
    infusions: dict[tuple[int, str, str], list[Administration]] = {}
    for a in course.administrations:
        if a.route != "CIV":
            yield _Group(a.id, [a])
        else:
            infusions.setdefault((a.cycle, a.drug, a.route), []).append(a)
    for doses in infusions.values():
        period: list[Administration] = []
        for a in sorted(doses, key=lambda a: (a.day, a.date)):
            if period and a.day > period[-1].day + 1:
                yield from _parts(period)
                period = []
            period.append(a)
        yield from _parts(period)


def _parts(period: list[Administration]) -> Iterator[_Group]:
    """A planned infusion period as events: its original key for the first run of days still given,
    `/part-N` for later runs (an interruption), or the whole period CANCELLED."""
    key = f"{period[0].id}/period"
    live = sorted((a for a in period if a.status not in CANCELLED), key=lambda a: a.date)
    dropped = tuple(a for a in period if a.status in CANCELLED)
    if not live:
        yield _Group(key, sorted(period, key=lambda a: a.date))
        return
    runs: list[list[Administration]] = [[live[0]]]
    for a in live[1:]:
        if (a.date - runs[-1][-1].date).days == 1:
            runs[-1].append(a)
        else:
            runs.append([a])
    yield _Group(key, runs[0], dropped)
    for number, run in enumerate(runs[1:], 2):
        yield _Group(f"{key}/part-{number}", run)


def _by_day(course: Course) -> list[_Group]:
    """One event per planned day of a cycle (its doses on one date); doses of that day moved to other
    dates make events of their own."""
    days: dict[tuple[int, int], dict[dt.date, list[Administration]]] = {}
    for a in course.administrations:
        days.setdefault((a.cycle, a.day), {}).setdefault(a.date, []).append(a)
    groups = []
    for (cycle, day), dates in days.items():
        for number, date in enumerate(sorted(dates), 1):
            suffix = "" if number == 1 else f"/part-{number}"
            groups.append(_Group(f"day/c{cycle}/d{day}{suffix}", dates[date]))
    return groups


def _event(course: Course, group: _Group, identity: str, stamp: dt.datetime, sequence: int, options: CalendarOptions):  # noqa: ANN202 - icalendar.Event, imported lazily
    import icalendar

    doses = group.doses
    first, last = doses[0], doses[-1]
    event = icalendar.Event()
    event.add("uid", f"{uuid.uuid5(NAMESPACE, f'{identity}|{group.key}')}@regimencalc")
    event.add("dtstamp", stamp)
    event.add("sequence", sequence)
    cancelled, summary, description = _content(course, group, options)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", summary)
    event.add("description", description)
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
        _remind(event, options.remind)
    return event


def _remind(event, remind: dt.timedelta) -> None:  # noqa: ANN001 - icalendar.Event, imported lazily
    """A display alarm `remind` before the event, saying its summary."""
    import icalendar

    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event["summary"])
    alarm.add("trigger", -remind)
    event.add_component(alarm)


def _summary(doses: list[Administration], per_day: bool, cancelled: bool) -> str:
    prefix = "CANCELLED: " if cancelled else ""
    if per_day:
        return prefix + "; ".join(f"{a.drug} {a.dose_text()} {a.route}" for a in doses)
    a = doses[0]
    if len(doses) == 1:
        return f"{prefix}{a.drug} {a.dose_text()} {a.route}"
    steps = " → ".join(dict.fromkeys(d.dose_text() for d in doses))
    return f"{prefix}{a.drug} {steps} {a.route} (cycle {a.cycle} days {a.day}-{doses[-1].day})"


def _dropped_days(dropped: tuple[Administration, ...]) -> str:
    """'; days 10-28 cancelled': the days a shortened infusion period no longer has."""
    if not dropped:
        return ""
    days = sorted(a.day for a in dropped)
    span = f"day {days[0]}" if len(days) == 1 else f"days {days[0]}-{days[-1]}"
    return f"; {span} {dropped[0].status}"


def _description(course: Course, doses: list[Administration]) -> str:
    flags = {f.id: f for f in course.flags}
    lines = [f"{course.regimen.name} ({course.regimen.id} v{course.regimen.version})"]
    for a in doses:
        moved = f", moved from {a.original_date.isoformat()}" if a.original_date else ""
        lines.append(
            f"Cycle {a.cycle} day {a.day} ({a.date.isoformat()}): {a.drug} {a.dose_text()} {a.route} - {a.status}{moved}"
        )
        lines.append("  " + " → ".join(step.text for step in a.trace))
        lines += [f"  [{flags[f].kind}] {flags[f].text}" for f in a.flags]  # ids renumber across re-plans
    sources = dict.fromkeys(a.source for a in doses)
    lines += [f"Source {key}: {course.regimen.sources[key]}" for key in sources if key in course.regimen.sources]
    lines.append("Check every dose against the current protocol before giving it.")
    return "\n".join(lines)


def _supportive_events(
    course: Course, identity: str, stamp: dt.datetime, sequence: int, options: CalendarOptions
) -> Iterator:
    """One event per dated supportive line (premedication, admission window, intrathecal…), in the
    category SUPPORTIVE, its summary starting with its kind so it is never read as a chemotherapy dose.
    Timed like the doses when --time is given: a premedication in the hour before the dose time, an
    admission from its first day to the day after its last; reminders as for the doses."""
    for s in course.supportive:
        if s.date is not None:
            yield _supportive_event(course, s, identity, stamp, sequence, options)


def _dropped_supportive_events(
    course: Course, planned: Course | None, identity: str, stamp: dt.datetime, sequence: int, options: CalendarOptions
) -> Iterator:
    """The dated supportive lines of the course as first planned that the re-plan no longer has (cycle 2
    premedication after an unresolved CRS): their events, CANCELLED under their UID, so a client that
    imported them removes them instead of keeping them."""
    kept = {s.id for s in course.supportive if s.date is not None}
    for s in planned.supportive if planned is not None else []:
        if s.date is not None and s.id not in kept:
            yield _supportive_event(planned, s, identity, stamp, sequence, options, cancelled=True)


def _supportive_event(
    course: Course,
    s: SupportiveLine,
    identity: str,
    stamp: dt.datetime,
    sequence: int,
    options: CalendarOptions,
    cancelled: bool = False,
):  # noqa: ANN202 - icalendar.Event, imported lazily
    import icalendar

    flags = {f.id: f for f in course.flags}
    zone = ZoneInfo(options.zone) if options.zone else None
    event = icalendar.Event()
    event.add("uid", f"{uuid.uuid5(NAMESPACE, f'{identity}|supportive|{s.id}')}@regimencalc")
    event.add("dtstamp", stamp)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("categories", ["SUPPORTIVE"])
    event.add("summary", ("CANCELLED: " if cancelled else "") + _supportive_summary(s))
    lines = [
        f"{course.regimen.name} ({course.regimen.id} v{course.regimen.version})",
        s.text,
        f"Source: {s.source}",
    ]
    lines += [f"Local protocol: {s.local}"] if s.local else []
    lines += [f"[{flags[f].kind}] {flags[f].text}" for f in s.flags]
    event.add("description", "\n".join(lines))
    last = (s.end_date or s.date) + dt.timedelta(days=1)
    if options.at is None:
        event.add("dtstart", s.date)
        event.add("dtend", last)
    else:
        at = dt.datetime.combine(s.date, options.at, zone)
        before = s.kind == "premedication"
        event.add("dtstart", at - dt.timedelta(hours=1) if before else at)
        end = dt.datetime.combine(last, options.at, zone) if s.end_date else at
        event.add("dtend", end if s.end_date or before else at + dt.timedelta(hours=1))
    if options.remind is not None and not cancelled:
        _remind(event, options.remind)
    return event


def _supportive_summary(s: SupportiveLine) -> str:
    """'Premedication: dexamethasone 20 mg IV (blinatumomab)', 'Admission (blinatumomab cycle 1)'."""
    what = s.given_text()
    drug = f" ({s.for_drug} cycle {s.cycle})" if s.for_drug else ""
    return f"{s.kind.capitalize()}{': ' + what if what else ''}{drug}"
