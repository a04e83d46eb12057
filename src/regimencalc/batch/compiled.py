"""A regimen compiled into plain data: what a dose needs per line, and the dated slots of the course.

Compiling reads the validated regimen model once (units resolved with pint once per line) and takes
the schedule (which line is given on which day of which cycle, in which order, with which branch
arm) from the planner itself, planning a reference patient once per response. The compiled dose
arithmetic is then checked against the planner for reference patients of several sizes before the
result is trusted; a regimen the plain path cannot reproduce (dose bands, tapers, dose ranges, a
rule that changes a dose without observations) is `NotCompiled`, and its rows are planned one by
one by the planner. Nothing here imports pint, ruamel or pydantic at module level: a cached
compiled regimen is used without them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from regimencalc.course import Course
    from regimencalc.protocol.plain import DrugLine, Regimen

#: Bumped whenever the compiled form changes, so an older cache entry is rebuilt, never read.
FORMAT = 2
#: The response choices a course is compiled for ("" is no response given).
RESPONSES = ("", "CR", "CRi", "PR", "NR")
#: Reference patients (height cm, weight kg) the compiled doses are checked against the planner with.
REFERENCE_PATIENTS = ((170.0, 70.0), (150.0, 40.0), (195.0, 120.0))
REFERENCE_START = "2026-01-05"


class NotCompiled(Exception):
    """The regimen needs the planner for every patient; the reason says why."""


@dataclass(frozen=True)
class Line:
    """One drug line's dose formula with its units already resolved.

    dose = value × (BSA m² | weight kg | 1) [× per_day] → min(cap) → 3 significant figures."""

    drug: str
    route: str
    basis: str
    value: float
    per_day: float | None
    daily: bool
    cap: float | None
    unit: str
    prescribed: str
    flag_kinds: tuple[str, ...]
    weight_flags: tuple[tuple[str, float, str], ...]


@dataclass(frozen=True)
class Schedule:
    """The dated slots of a course for one response choice, in the planner's order; or the planner's
    refusal (`error`) when that choice cannot be planned (a branch with no default and no response).
    `extra_flags` are the kinds of the flags the planner adds to a slot after its dose (the supportive
    lines' route label), '; '-joined."""

    error: str | None
    line: tuple[int, ...] = ()
    ids: tuple[str, ...] = ()
    cycle: tuple[int, ...] = ()
    day: tuple[int, ...] = ()
    offset: tuple[int, ...] = ()
    extra_flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompiledRegimen:
    """Everything a cohort or an audit needs from a regimen, as plain data."""

    id: str
    name: str
    version: str
    lines: tuple[Line, ...]
    schedules: dict[str, Schedule]
    per_m2: bool
    eligibility: tuple[float | None, float | None] | None
    not_compiled: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The cache's form of it."""
        return {"format": FORMAT, **asdict(self)}

    @staticmethod
    def from_json(data: dict[str, Any]) -> CompiledRegimen:
        """Read back `to_json`; KeyError, TypeError or ValueError on anything else (a corrupt entry)."""
        if data.pop("format") != FORMAT:
            raise ValueError("another compiled format")
        lines = tuple(
            Line(
                **{
                    **_exactly(line, Line),
                    "flag_kinds": tuple(line["flag_kinds"]),
                    "weight_flags": _triples(line["weight_flags"]),
                }
            )
            for line in data.pop("lines")
        )
        schedules = {
            key: Schedule(**{k: v if k == "error" else tuple(v) for k, v in _exactly(value, Schedule).items()})
            for key, value in data.pop("schedules").items()
        }
        eligibility = data.pop("eligibility")
        return CompiledRegimen(
            lines=lines,
            schedules=schedules,
            eligibility=None if eligibility is None else (eligibility[0], eligibility[1]),
            **data,
        )


def _exactly(data: dict[str, Any], kind: type) -> dict[str, Any]:
    """`data` when it has exactly the fields of `kind` (a default must not fill in a missing one)."""
    if set(data) != {f.name for f in fields(kind)}:
        raise ValueError(f"not a compiled {kind.__name__}")
    return data


def _triples(items: list[list[Any]]) -> tuple[tuple[str, float, str], ...]:
    return tuple((str(op), float(value), str(kind)) for op, value, kind in items)


def compile_regimen(regimen: Regimen) -> CompiledRegimen:
    """The compiled form of a validated regimen; `not_compiled` says why its rows need the planner."""
    eligibility = regimen.eligibility.age_years if regimen.eligibility is not None else None
    header = {
        "id": regimen.id,
        "name": regimen.name,
        "version": regimen.version,
        "per_m2": _per_m2(regimen),
        "eligibility": None if eligibility is None else (eligibility.min, eligibility.max),
    }
    try:
        lines, schedules = _compile(regimen)
        compiled = CompiledRegimen(lines=lines, schedules=schedules, **header)
        _check_against_planner(regimen, compiled)
    except NotCompiled as exc:
        return CompiledRegimen(lines=(), schedules={}, not_compiled=str(exc), **header)
    return compiled


def _per_m2(regimen: Regimen) -> bool:
    return any(
        (line.dose is not None and line.dose.basis == "bsa") or any(b.dose.basis == "bsa" for b in line.bands or [])
        for line in regimen.all_lines()
    )


def _compile(regimen: Regimen) -> tuple[tuple[Line, ...], dict[str, Schedule]]:
    from regimencalc.errors import RegimencalcError
    from regimencalc.planner import plan_typed

    all_lines = regimen.all_lines()
    lines = tuple(_line(line) for line in all_lines)
    schedules: dict[str, Schedule] = {}
    for response in RESPONSES:
        try:
            course = plan_typed(regimen, "170cm", "70kg", REFERENCE_START, response=response or None)
        except RegimencalcError as exc:
            schedules[response] = Schedule(error=str(exc))
            continue
        schedules[response] = _schedule(regimen, course, all_lines)
    return lines, schedules


def _line(line: DrugLine) -> Line:
    """A line's formula, or NotCompiled when the plain path does not do what it needs."""
    from regimencalc.dosing.dose import BodySize, body_factor, cap_value, compute_dose, per_day_factor

    if line.dose is None or line.bands is not None or line.taper is not None:
        raise NotCompiled(f"{line.drug}: a banded or tapered dose")
    spec = line.dose
    if spec.amount_max is not None:
        raise NotCompiled(f"{line.drug}: a dose range")
    if body_factor(spec.amount, spec.basis) != 1.0:
        raise NotCompiled(f"{line.drug}: a dose per {spec.amount.per_body}")
    reference = compute_dose(spec, BodySize(70.0, 1.8, "mosteller"), line.source, spec.cap_source or line.source)
    return Line(
        drug=line.drug,
        route=line.route,
        basis=spec.basis,
        value=spec.amount.value,
        per_day=per_day_factor(spec.amount),
        daily=spec.amount.per_time is not None,
        cap=None if spec.cap is None else cap_value(spec, spec.amount),
        unit=reference.dose.unit,
        prescribed=reference.prescribed,
        flag_kinds=tuple(f.kind for f in line.flags),
        weight_flags=tuple((f.weight.operator, f.weight.value, f.kind) for f in line.weight_flags),
    )


def _schedule(regimen: Regimen, course: Course, all_lines: list[DrugLine]) -> Schedule:
    """The slots of a planned course, each tied to the one line it gives."""
    phases = {p.id: p for p in regimen.phases}
    index = {id(line): i for i, line in enumerate(all_lines)}
    chosen: dict[int, list[DrugLine]] = {}
    for cycle in course.cycles:
        phase = phases[cycle.phase]
        chosen[cycle.number] = list(phase.lines) + [
            line
            for branch in phase.branches
            for option in branch.options
            if cycle.branches.get(branch.id) == option.id
            for line in option.lines
        ]
    kinds = {f.id: f.kind for f in course.flags}
    slots = []
    for a in course.administrations:
        if a.status != "planned" or a.given is not None:
            raise NotCompiled(f"{a.id} is {a.status} without observations")
        found = [
            line for line in chosen[a.cycle] if (line.drug, line.route) == (a.drug, a.route) and a.day in line.days
        ]
        if len(found) != 1:
            raise NotCompiled(f"{a.id}: not one line gives it")
        own = {f.kind for f in found[0].flags} | {f.kind for f in found[0].weight_flags} | {"cap-applied"}
        extra = "; ".join(dict.fromkeys(kinds[f] for f in a.flags if kinds[f] not in own))
        slots.append((index[id(found[0])], a.id, a.cycle, a.day, (a.date - course.start_date).days, extra))
    line, ids, cycle, day, offset, extra_flags = zip(*slots, strict=True) if slots else ((),) * 6
    return Schedule(error=None, line=line, ids=ids, cycle=cycle, day=day, offset=offset, extra_flags=extra_flags)


def _check_against_planner(regimen: Regimen, compiled: CompiledRegimen) -> None:
    """The compiled doses of reference patients must be the planner's, to the last bit."""
    import numpy as np

    from regimencalc.batch.evaluate import line_doses
    from regimencalc.planner import plan_typed

    for height, weight in REFERENCE_PATIENTS:
        course = plan_typed(regimen, f"{height:g}cm", f"{weight:g}kg", REFERENCE_START, accept_unusual=("bmi",))
        schedule = compiled.schedules[""]
        if schedule.error is not None:
            course = plan_typed(
                regimen, f"{height:g}cm", f"{weight:g}kg", REFERENCE_START, response="CR", accept_unusual=("bmi",)
            )
            schedule = compiled.schedules["CR"]
        if schedule.error is not None:
            return
        doses = [
            line_doses(compiled.lines[i], np.array([course.patient.bsa_m2]), np.array([weight]))[0][0]
            for i in schedule.line
        ]
        planned = [a.dose.value for a in course.administrations]
        if doses != planned:
            raise NotCompiled(f"the compiled doses for {height:g} cm, {weight:g} kg differ from the planner's")
