"""The terminal dose table: a day-by-day list a pharmacist reads top to bottom, traces included."""

from __future__ import annotations

from regimencalc.course import Administration, Course, SupportiveLine
from regimencalc.display import format_age, format_number, plural, terminal_safe

_COLUMNS = ("Date", "Cyc", "Day", "Drug", "Route", "Dose", "Prescribed", "Status", "Flags")


def render_table(course: Course) -> str:
    """The course as a plain-text table with each dose's trace under its row."""
    p = course.patient
    age = f", age {format_age(p.age_years)}" if p.age_years is not None else ""
    sex = f", sex {p.sex}" if p.sex else ""
    out = [
        f"{course.regimen.name}",
        f"  regimen {course.regimen.id} v{course.regimen.version} · {course.regimen.indication}",
        *(
            [f"  regimen file {course.regimen.file} (read from this file, not a bundled regimen)"]
            if course.regimen.file
            else []
        ),
        f"  patient height {format_number(p.height_cm, 4)} cm, weight {format_number(p.weight_kg, 4)} kg{age}{sex}",
        f"  BSA {p.bsa_m2:.3f} m² ({p.bsa_formula}: {p.bsa_equation}; unrounded in every dose)",
        f"  cycle 1 day 1 = {course.start_date.isoformat()} · {plural(len(course.cycles), 'cycle')} · response: {course.response or 'not given'}",
    ]
    if course.assessed_until is not None:
        out.append(
            f"  observations up to {course.assessed_until.isoformat()}; later doses are as planned, not yet assessed"
        )
    if course.flags:
        out += ["", "FLAGS (check before dispensing)"]
        out += [f"  {f.id} [{f.kind}] {f.text}" for f in course.flags]
    rows = [_row(a) for a in course.administrations]
    widths = [max(len(str(c)) for c in column) for column in zip(_COLUMNS, *rows, strict=True)]
    for cycle in course.cycles:
        arms = "".join(f" · {branch}: {arm}" for branch, arm in cycle.branches.items())
        out += [
            "",
            f"CYCLE {cycle.number} — {cycle.phase_name} — starts {cycle.start_date.isoformat()}, {plural(cycle.length_days, 'day')}{arms}",
        ]
        out.append(_line(_COLUMNS, widths))
        for administration, row in zip(course.administrations, rows, strict=True):
            if administration.cycle == cycle.number:
                out.append(_line(row, widths))
                steps = [step.text for step in administration.trace if step.kind != "prescribed"]
                out.append("      trace: " + " → ".join(steps))
                if administration.route_label:
                    out.append(f"      label: {administration.route_label}")
    out += _supportive(course)
    out += ["", "PLANNED TOTALS"]
    out += [f"  {t.drug}: {t.total.text()} over {plural(t.administrations, 'administration')}" for t in course.totals]
    out += ["", "SOURCES"]
    out += [f"  {key}: {citation}" for key, citation in course.regimen.sources.items()]
    return "\n".join(terminal_safe(line) for line in out) + "\n"


def _supportive(course: Course) -> list[str]:
    """The order around the chemotherapy, in its own section: dated lines by date, then course-wide ones."""
    if not course.supportive and course.institution is None:
        return []
    out = ["", "SUPPORTIVE AND NON-DOSED LINES (not chemotherapy doses)"]
    for s in course.supportive:
        out.append(f"  {_when(s)}  {s.kind.upper()}  {_given(s)}")
        out.append(f"      {s.text}; source: {s.source}" + (f"; local protocol: {s.local}" if s.local else ""))
    if course.institution is not None:
        i = course.institution
        out += ["", f"INSTITUTIONAL PROFILE {i.name} ({i.source})"]
        out += [f"  local protocol: {v.what}: {v.value} ({v.source})" for v in i.values]
    return out


def _when(s: SupportiveLine) -> str:
    if s.date is None:
        return "whole course"
    until = f" to {s.end_date.isoformat()}" if s.end_date else ""
    return f"{s.date:%a} {s.date.isoformat()}{until} C{s.cycle} D{s.day}"


def _given(s: SupportiveLine) -> str:
    """What is given, with the flags it carries."""
    flags = f" [{' '.join(s.flags)}]" if s.flags else ""
    return s.given_text() + flags


def _row(a: Administration) -> tuple[str, ...]:
    return (
        f"{a.date:%a} {a.date.isoformat()}",
        str(a.cycle),
        str(a.day),
        a.drug,
        a.route,
        a.dose_text(),
        a.prescribed,
        _status(a),
        " ".join(a.flags),
    )


def _status(a: Administration) -> str:
    """'planned', or what happened and why: 'given 9 mg (entry-3)', 'moved from 2026-01-20 (r1)'."""
    given = f" {a.given.text()}" if a.status == "given" and a.given is not None else ""
    moved = f" from {a.original_date.isoformat()}" if a.original_date is not None else ""
    because = f" ({', '.join(a.because)})" if a.because else ""
    return f"{a.status}{given}{moved}{because}"


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
