"""Observations placed on the course's calendar, and what they say about each planned dose.

Entries dated by cycle and day are placed on the calendar as planned from the start date. This
module answers the planner's questions (which response decides a branch, what was given) and
never plans anything itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from regimencalc.display import plural
from regimencalc.dosing.dates import day_date
from regimencalc.errors import ObservationError

if TYPE_CHECKING:  # the observation models (pydantic) load only when observations or a response are given
    from regimencalc.protocol.labs import Measured
    from regimencalc.replan.observations import Limits, Observation, Observations


class DatedEntry(NamedTuple):
    """An observation with its id and calendar date."""

    id: str
    date: dt.date
    entry: Observation


#: Terms read as another: ASTCT ICANS grades neurological toxicity (reference §3.3), and any seizure is
#: ICANS grade 3 at least ("any clinical seizure that resolves rapidly"; prolonged or repetitive: 4), so a
#: rule on 'neurological toxicity' reads 'icans' at its grade and 'seizure' at grade 3 or its own if higher.
ALSO_READ_AS: dict[str, dict[str, int]] = {"neurological toxicity": {"icans": 0, "seizure": 3}}


@dataclass(frozen=True)
class NoLimits:
    """The limits of a plan without observations: none, as `Limits()` holds, without its model."""

    uln: dict[str, Measured] = field(default_factory=dict)
    lln: dict[str, Measured] = field(default_factory=dict)
    baseline: dict[str, Measured] = field(default_factory=dict)


class History(NamedTuple):
    """All observations in date order (stable for equal dates), with the CTCAE version to grade by.

    `stated` is a response given on the command line (--response), dated where the plan first reads
    one: it answers only where no recorded response does."""

    entries: tuple[DatedEntry, ...]
    ctcae_version: str | None
    limits: Limits | NoLimits
    stated: DatedEntry | None = None

    @property
    def last_date(self) -> dt.date | None:
        """The date of the latest observation: after it, nothing is assessed yet (None: nothing observed)."""
        return self.entries[-1].date if self.entries else None

    def response(self, first: dt.date, last: dt.date, *, recorded_only: bool = False) -> DatedEntry | None:
        """The latest response assessment dated from `first` to `last`, inclusive (else the stated one there)."""
        found = [e for e in self.entries if e.entry.response is not None and first <= e.date <= last]
        if found:
            return found[-1]
        stated = self.stated
        return stated if stated is not None and not recorded_only and first <= stated.date <= last else None

    def latest_lab(self, lab: str, on: dt.date) -> tuple[DatedEntry, Measured] | None:
        """The most recent value of a lab on or before a date."""
        found = [(e, e.entry.labs[lab]) for e in self.entries if lab in e.entry.labs and e.date <= on]
        return found[-1] if found else None

    def latest_marrow(self, on: dt.date) -> DatedEntry | None:
        """The most recent marrow assessment on or before a date."""
        found = [e for e in self.entries if e.entry.marrow is not None and e.date <= on]
        return found[-1] if found else None

    def latest_toxicity(self, term: str, on: dt.date) -> tuple[DatedEntry, int, str] | None:
        """The most recent grade of a toxicity on or before a date, reading the terms it is also recorded
        as (ALSO_READ_AS), and the words saying how it was read."""
        found = [(e, *graded) for e in self.entries if e.date <= on and (graded := _grade(e.entry, term))]
        return found[-1] if found else None

    def events(self, term: str, on: dt.date) -> list[tuple[DatedEntry, int]]:
        """Entries on or before a date recording the toxicity, with how many times it happened in each:
        the entry's `events` count, else 1 when it records the toxicity at grade 1 or more."""
        counted = [
            (e, e.entry.events.get(term, 1 if e.entry.toxicities.get(term, 0) >= 1 else 0)) for e in self.entries
        ]
        return [(e, n) for e, n in counted if n and e.date <= on]

    def dates_after(self, day: dt.date) -> list[dt.date]:
        """Distinct observation dates after a day, in order: when a recovery can first be seen."""
        return sorted({e.date for e in self.entries if e.date > day})

    def cycle_started(self, number: int) -> DatedEntry | None:
        """The entry recording that cycle `number` actually started, if any."""
        return next((e for e in self.entries if e.entry.started_cycle == number), None)

    def recorded(self, drug: str, on: dt.date) -> bool:
        """Whether an entry records a dose of `drug` as given or not given on that day (records win over rules)."""
        return any(
            e.date == on and (drug in e.entry.not_given or any(g.drug == drug for g in e.entry.given))
            for e in self.entries
        )

    def baseline(self, on: dt.date) -> History:
        """The limits' baseline values as a one-entry history dated `on`, for baseline conditions."""
        from regimencalc.replan.observations import Observation

        entry = Observation(
            id="baseline", date=on, cycle=None, day=None, labs=self.limits.baseline, started_cycle=None, weight=None
        )
        return History((DatedEntry("baseline", on, entry),), self.ctcae_version, self.limits)

    def records(self) -> list[DatedEntry]:
        """Entries that record what was given or not given."""
        return [e for e in self.entries if e.entry.given or e.entry.not_given]


def place(
    observations: Observations | None,
    start: dt.date,
    cycle_starts: list[dt.date],
    stated: DatedEntry | None = None,
    lengths: list[int] | None = None,
) -> History:
    """Date every entry and refuse entries before the course (day 0 of cycle 1 is allowed), days
    outside their cycle (`lengths`: each cycle's length in days), and two entries of one date that
    say different things (two values of one lab, a dose both given and not given). `stated` is the
    response given on the command line, dated where the plan first reads one."""
    if observations is None:
        return History((), None, NoLimits(), stated)
    dated = []
    for index, entry in enumerate(observations.entries):
        entry_id = observations.entry_id(index)
        if entry.date is not None:
            date = entry.date
        else:
            assert entry.cycle is not None and entry.day is not None
            if entry.cycle > len(cycle_starts):
                raise ObservationError(
                    f"observation {entry_id}: cycle {entry.cycle} is not planned (the course has {plural(len(cycle_starts), 'cycle')})"
                )
            if lengths is not None and entry.day > lengths[entry.cycle - 1]:
                raise ObservationError(
                    f"observation {entry_id}: cycle {entry.cycle} has {lengths[entry.cycle - 1]} days, so day {entry.day} "
                    "is not in it; write the day within the cycle, or date the entry with 'date: YYYY-MM-DD'"
                )
            date = day_date(cycle_starts[entry.cycle - 1], entry.day)
        if entry.started_cycle is not None and entry.started_cycle > len(cycle_starts):
            raise ObservationError(
                f"observation {entry_id}: started_cycle {entry.started_cycle} is not planned "
                f"(the course has {len(cycle_starts)} cycle(s)); fix the cycle or plan more with --cycles"
            )
        if date < start - dt.timedelta(days=1):
            raise ObservationError(
                f"observation {entry_id} ({date.isoformat()}) is before the course starts ({start.isoformat()}); fix its date"
            )
        dated.append(DatedEntry(entry_id, date, entry))
    dated.sort(key=lambda e: e.date)
    _refuse_conflicts(dated)
    return History(tuple(dated), observations.ctcae_version, observations.limits, stated)


def _grade(entry: Observation, term: str) -> tuple[int, str] | None:
    """The grade an entry records for `term`, directly or through a term read as it; None when it has none."""
    grades = []
    if term in entry.toxicities:
        grades.append((entry.toxicities[term], f"{term} grade {entry.toxicities[term]}"))
    for other, floor in ALSO_READ_AS.get(term, {}).items():
        recorded = entry.toxicities.get(other)
        if floor and (other in entry.events or (recorded or 0) >= 1):
            grade = max(floor, recorded or 0)
            grades.append((grade, f"{term} grade {grade} ({other} recorded: ASTCT ICANS grade ≥ {floor})"))
        elif not floor and recorded is not None:
            grades.append((recorded, f"{term} grade {recorded} (recorded as {other} grade {recorded})"))
    return max(grades, key=lambda g: g[0]) if grades else None


def _refuse_conflicts(dated: list[DatedEntry]) -> None:
    """Two entries of one date must agree: file order never settles which lab value or grade holds;
    a dose is recorded once (given, or not given), and a cycle starts once."""
    said: dict[tuple[dt.date, str], tuple[str, object, str]] = {}
    recorded: dict[tuple[dt.date, str], str] = {}
    started: dict[int, DatedEntry] = {}
    for e in dated:
        cycle = e.entry.started_cycle
        if cycle is not None and started.setdefault(cycle, e) is not e:
            raise ObservationError(
                f"observations {started[cycle].id} ({started[cycle].date.isoformat()}) and {e.id} ({e.date.isoformat()}) "
                f"both record the start of cycle {cycle}; keep the right one"
            )
        facts = [(f"{lab} value", (m.value, m.unit), str(m)) for lab, m in e.entry.labs.items()]
        facts += [(f"'{term}' grade", grade, str(grade)) for term, grade in e.entry.toxicities.items()]
        facts += [(name, value, str(value)) for name, value in _single_facts(e.entry) if value is not None]
        for what, value, shown in facts:
            earlier = said.setdefault((e.date, what), (e.id, value, shown))
            if earlier[1] != value:
                raise ObservationError(
                    f"observations {earlier[0]} and {e.id} give two different {what}s for {e.date.isoformat()} "
                    f"({earlier[2]} and {shown}); keep the right one"
                )
        drugs = [g.drug for g in e.entry.given] + list(e.entry.not_given)
        for drug in drugs:
            if (e.date, drug) in recorded:
                first = recorded[(e.date, drug)]
                who = f"observation {e.id} records" if first == e.id else f"observations {first} and {e.id} both record"
                raise ObservationError(
                    f"{who} the {drug} dose of {e.date.isoformat()} twice (given or not given); record each dose once"
                )
            recorded[(e.date, drug)] = e.id


def _single_facts(entry: Observation) -> list[tuple[str, object]]:
    weight = entry.weight_kg()
    return [("response", entry.response), ("MRD result", entry.mrd), ("weight", weight and f"{weight:g} kg")]


def unread_terms(history: History, read: frozenset[str]) -> list[str]:
    """One line per toxicity recorded that no rule reads: it changes nothing, which must be visible."""
    lines = []
    for e in history.entries:
        for term, grade in e.entry.toxicities.items():
            if term not in read:
                known = ", ".join(sorted(read)) or "none"
                lines.append(
                    f"toxicity '{term}' grade {grade} ({e.id}, {e.date.isoformat()}) is read by no rule of this "
                    f"regimen (terms read: {known}); it changed nothing: check the term"
                )
    return lines
