"""The pharmacist's dose sheet: one self-contained HTML page (inline CSS, no fetches) to print,
sign and check by hand; optionally a PDF of the same page through WeasyPrint.

It holds the order elements of the ASCO/ONS chemotherapy administration safety standards: two
patient identifiers (blank lines when not given), date written, regimen with version and source,
cycle, height, weight, BSA with its formula and measurement date, drugs by full generic name, dose
per basis and calculated dose, route, rate, days and dates, cumulative doses, criteria to treat,
and the signatures of the pharmacist who calculated and the one who double-checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from regimencalc.course import Administration, Course, Cycle, SupportiveLine
from regimencalc.display import ROUTE_NAMES, format_number

FLAG_WORDS = {
    "seed-vs-label": "Source differs from the label",
    "institutional-default": "Institutional choice (no source gives it)",
    "interpretation": "Interpretation of the source",
    "drug-identity": "Drug identity uncertain",
    "reconstructed": "Reconstructed from garbled text",
    "off-label": "Off-label",
    "cap-applied": "Dose cap applied",
    "branch": "Branch chosen from a recorded response",
    "branch-default": "Branch chosen by default",
    "not-yet-assessed": "Not yet assessed",
    "eligibility": "Eligibility",
    "rule": "Dose changed by a rule",
    "spacing": "Moved to keep doses apart",
    "given-differs": "Given dose differs from the plan",
    "given-outside-plan": "Given outside the plan",
    "recorded-start": "Cycle started late",
    "accepted-unusual": "Unusual value confirmed",
    "cumulative-limit": "Lifetime limit",
    "cumulative-threshold": "Cumulative anthracycline threshold",
    "rounding-profile": "Institutional rounding",
    "rounding-refused": "Rounding refused (beyond the profile's limit)",
    "bsa-cap": "BSA capped (institutional option)",
    "small-child": "Small child",
    "weight-change": "Weight changed",
    "local-protocol": "Local protocol needed",
    "route-label": "Route label",
    "administration-warning": "Administration warning",
    "age-not-given": "Age not given",
}
_BLANK = '<span class="blank"></span>'
_CSS = """
@page { margin: 12mm; }
body { font: 9.5pt/1.35 "DejaVu Sans", Arial, sans-serif; color: #000; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 15pt; margin: 0 0 4pt; } h2 { font-size: 11.5pt; margin: 12pt 0 4pt; border-bottom: 1pt solid #000; }
h3 { font-size: 10pt; margin: 8pt 0 3pt; }
table { border-collapse: collapse; width: 100%; margin: 2pt 0 6pt; }
th, td { border: 0.6pt solid #444; padding: 2pt 3pt; text-align: left; vertical-align: top; }
th { background: #eee; } tr { break-inside: avoid; page-break-inside: avoid; }
.ids td { border: none; padding: 3pt 6pt 3pt 0; } .blank { display: inline-block; min-width: 45mm; border-bottom: 0.8pt solid #000; height: 1em; }
.dose { font-weight: bold; white-space: nowrap; } .trace { font-size: 8pt; margin: 0; padding-left: 12pt; }
.flags li { margin-bottom: 2pt; } .kind { font-weight: bold; }
.status-held, .status-omitted, .status-discontinued { text-decoration: line-through; }
.roadmap td, .roadmap th { text-align: center; white-space: nowrap; } .roadmap td:first-child { text-align: left; }
.sign td { border: none; padding: 8pt 6pt 4pt 0; } footer { margin-top: 10pt; font-size: 8pt; }
"""

_SUPPORTIVE_CSS = """
.supportive-lines td { font-size: 8.5pt; } .supportive-lines td:first-child { white-space: nowrap; }
.supportive-lines .kind { text-transform: uppercase; font-size: 7.5pt; } .calc { font-size: 7.5pt; color: #333; }
.supportive-lines .dose { white-space: normal; }
"""


@dataclass(frozen=True)
class SheetInfo:
    """What the sheet needs beyond the course: who it is for, when written, when measured."""

    written: dt.date
    patient_name: str | None = None
    patient_id: str | None = None
    measured: dt.date | None = None


def render_sheet_html(course: Course, info: SheetInfo) -> str:
    """The dose sheet as one HTML document."""
    title = f"Dose sheet: {course.regimen.name}"
    parts = [
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n<style>{_CSS}{_SUPPORTIVE_CSS}</style>\n</head>\n<body>',
        _header(course, info),
        _flags(course),
        _criteria(course),
        _supportive(course),
        *(_cycle(course, cycle) for cycle in course.cycles),
        _totals(course),
        _signatures(),
        "<footer>Calculated by regimencalc from the regimen file and the inputs above. Every dose must be checked "
        "against the current protocol and label before it is dispensed.</footer>\n</body>\n</html>\n",
    ]
    return "\n".join(parts)


def render_sheet_pdf(html: str) -> bytes:
    """The same sheet as PDF; needs the optional extra `regimencalc[pdf]` (WeasyPrint)."""
    from regimencalc.errors import RegimencalcError

    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise RegimencalcError(f"PDF output needs WeasyPrint: pip install 'regimencalc[pdf]' ({exc})") from None
    return weasyprint.HTML(string=html).write_pdf()


def _header(course: Course, info: SheetInfo) -> str:
    p, r = course.patient, course.regimen
    measured = info.measured.isoformat() if info.measured else _BLANK
    age = f"{format_number(p.age_years)} years" if p.age_years is not None else _BLANK
    sources = "; ".join(f"{escape(key)}: {escape(citation)}" for key, citation in r.sources.items())
    response = escape(course.response) if course.response else "not given"
    observed = f" · observations up to {course.assessed_until.isoformat()}" if course.assessed_until else ""
    return f"""<header>
<h1>Chemotherapy dose sheet</h1>
<table class="ids">
<tr><td>Patient name: {_field(info.patient_name)}</td><td>Second identifier (MRN or date of birth): {_field(info.patient_id)}</td></tr>
<tr><td>Date written: {info.written.isoformat()}</td><td>Age: {age} · Sex: {escape(p.sex or "not given")}</td></tr>
</table>
<table>
<tr><th>Regimen</th><td>{escape(r.name)} (<code>{escape(r.id)}</code>, version {escape(r.version)})<br>{escape(r.indication)}</td></tr>
<tr><th>Sources</th><td>{sources}</td></tr>
<tr><th>Body size</th><td>Height {format_number(p.height_cm, 4)} cm · weight {format_number(p.weight_kg, 4)} kg · measured on {measured}<br>
BSA <strong>{p.bsa_m2:.3f} m²</strong> by {escape(p.bsa_formula)}: {escape(p.bsa_equation)} (used unrounded in every dose)</td></tr>
<tr><th>Course</th><td>Cycle 1 day 1 = {course.start_date.isoformat()} · {len(course.cycles)} cycle(s) planned · response: {response}{observed}</td></tr>
</table>
</header>"""


def _field(value: str | None) -> str:
    return f"<strong>{escape(value)}</strong>" if value else _BLANK


def _flags(course: Course) -> str:
    if not course.flags:
        return '<section class="flags"><h2>Check before dispensing</h2><p>No flags.</p></section>'
    items = "\n".join(
        f'<li id="{f.id}" data-kind="{escape(f.kind)}"><span class="kind">{f.id} · {escape(FLAG_WORDS.get(f.kind, f.kind))}:</span> '
        f"{escape(f.text)}{f' ({escape(f.source)})' if f.source else ''}</li>"
        for f in course.flags
    )
    return f'<section class="flags"><h2>Check before dispensing</h2>\n<ol>\n{items}\n</ol>\n</section>'


def _criteria(course: Course) -> str:
    if not course.criteria:
        body = "<p>No dose-modification rule is encoded for this regimen: apply the local protocol's criteria to treat.</p>"
    else:
        body = (
            "<ul>\n"
            + "\n".join(f"<li>{escape(c.name)}: {escape(c.text)} ({escape(c.source)})</li>" for c in course.criteria)
            + "\n</ul>"
        )
    return f'<section class="criteria"><h2>Criteria to treat (every cycle)</h2>\n{body}\n</section>'


def _route_label(a: Administration) -> str:
    """The drug's route safety label under its name on every dose row (vinca alkaloids)."""
    return f'<br><strong class="route-label">{escape(a.route_label)}</strong>' if a.route_label else ""


def _supportive(course: Course) -> str:
    """The order around the chemotherapy, in its own section (never mixed with the doses), and the
    institutional profile's values, each printed as "local protocol: …" with its source."""
    if not course.supportive and course.institution is None:
        return ""
    dated = [s for s in course.supportive if s.date is not None]
    whole = [s for s in course.supportive if s.date is None]
    parts = [
        '<section class="supportive"><h2>Supportive and non-dosed lines (not chemotherapy doses)</h2>',
        "<p>Premedication, admissions, requirements, intrathecal therapy and administration around the doses "
        "below. Premedication follows the dose events of the planned course (first dose of a cycle, step dose, "
        "restart after an interruption), re-planned doses included.</p>",
    ]
    if dated:
        rows = "\n".join(
            f'<tr data-supportive-id="{escape(s.id)}" data-kind="{escape(s.kind)}"><td>{_supportive_when(s)}</td>'
            f"<td>{_supportive_what(s)}</td><td>{escape(s.text)}{_supportive_source(s)}</td>"
            f"<td>{escape(' '.join(s.flags))}</td></tr>"
            for s in dated
        )
        parts.append(
            '<h3>Dated</h3>\n<table class="supportive-lines">\n<tr><th>Date</th><th>Give or do</th>'
            f"<th>When and why</th><th>Flags</th></tr>\n{rows}\n</table>"
        )
    if whole:
        rows = "\n".join(
            f'<tr data-supportive-id="{escape(s.id)}" data-kind="{escape(s.kind)}"><td>{_supportive_what(s)}</td>'
            f"<td>{escape(s.text)}{_supportive_source(s)}</td><td>{escape(' '.join(s.flags))}</td></tr>"
            for s in whole
        )
        parts.append(
            '<h3>For the whole course</h3>\n<table class="supportive-lines">\n<tr><th>Kind</th><th>What</th>'
            f"<th>Flags</th></tr>\n{rows}\n</table>"
        )
    if course.institution is not None:
        i = course.institution
        values = "".join(
            f"<li>local protocol: {escape(v.what)}: <strong>{escape(v.value)}</strong> ({escape(v.source)})</li>"
            for v in i.values
        )
        parts.append(
            f"<h3>Institutional profile: {escape(i.name)}</h3>\n<p>{escape(i.source)}</p>\n"
            f"<ul>{values or '<li>no value of the profile applies to this course</li>'}</ul>"
        )
    return "\n".join(parts) + "\n</section>"


def _supportive_when(s: SupportiveLine) -> str:
    assert s.date is not None
    until = f"<br>to {s.end_date:%a} {s.end_date.isoformat()}" if s.end_date is not None else ""
    return f"{s.date:%a} {s.date.isoformat()}{until}<br>C{s.cycle} D{s.day}"


def _supportive_what(s: SupportiveLine) -> str:
    """The kind, then what is given (agent, dose, route) and the dose's calculation in one line."""
    given = escape(s.given_text(ROUTE_NAMES.get(s.route or "")))
    steps = " → ".join(escape(step.text) for step in s.trace if step.kind not in ("prescribed", "final"))
    calculation = f'<br><span class="calc">{steps}</span>' if steps else ""
    return (
        f'<span class="kind">{escape(s.kind)}</span>'
        + (f'<br><span class="dose">{given}</span>' if given else "")
        + calculation
    )


def _supportive_source(s: SupportiveLine) -> str:
    local = f"local protocol: {escape(s.local)}" if s.local else ""
    cited = "" if s.local == s.source else escape(s.source)
    return f'<br><span class="calc">{"; ".join(p for p in (cited, local) if p)}</span>'


def _cycle(course: Course, cycle: Cycle) -> str:
    doses = [a for a in course.administrations if a.cycle == cycle.number]
    moved = f" (planned {cycle.original_start_date.isoformat()})" if cycle.original_start_date else ""
    arms = "".join(f" · {escape(branch)}: {escape(arm)}" for branch, arm in cycle.branches.items())
    return (
        f'<section class="cycle" id="cycle-{cycle.number}">\n'
        f"<h2>Cycle {cycle.number}: {escape(cycle.phase_name)}, from {cycle.start_date.isoformat()}{moved}, "
        f"{cycle.length_days} days{arms}</h2>\n<h3>Roadmap</h3>\n{_roadmap(cycle, doses)}\n<h3>Doses and how they were calculated</h3>\n"
        f"{_dose_table(doses)}\n</section>"
    )


def _roadmap(cycle: Cycle, doses: list[Administration]) -> str:
    """Dates down, drugs across; a moved dose sits on the date it is now given."""
    drugs = list(dict.fromkeys((a.drug, a.route) for a in doses))
    by_date: dict[dt.date, dict[tuple[str, str], Administration]] = {}
    for a in doses:
        by_date.setdefault(a.date, {})[(a.drug, a.route)] = a
    header = "".join(f"<th>{escape(drug)}<br>{escape(route)}</th>" for drug, route in drugs)
    rows = []
    for date, given in sorted(by_date.items()):
        day = (date - cycle.start_date).days + 1
        cells = "".join(
            f'<td class="status-{given[d].status}">{escape(given[d].dose_text())}{_mark(given[d])}</td>'
            if d in given
            else "<td></td>"
            for d in drugs
        )
        rows.append(f"<tr><td>Day {day} · {date:%a} {date.isoformat()}</td>{cells}</tr>")
    return f'<table class="roadmap">\n<tr><th>Day</th>{header}</tr>\n' + "\n".join(rows) + "\n</table>"


def _mark(a: Administration) -> str:
    return "" if a.status == "planned" else f" ({escape(a.status)})"


def _dose_table(doses: list[Administration]) -> str:
    rows = []
    for a in doses:
        status = escape(a.status) + (f", from {a.original_date.isoformat()}" if a.original_date else "")
        if a.because:
            status += f" ({escape(', '.join(a.because))})"
        trace = "".join(f"<li>{escape(step.text)}</li>" for step in a.trace)
        rows.append(
            f'<tr data-id="{escape(a.id)}" class="status-{a.status}"><td>{a.date:%a} {a.date.isoformat()}<br>C{a.cycle} D{a.day}</td>'
            f"<td>{escape(a.drug)}{_route_label(a)}</td><td>{escape(ROUTE_NAMES.get(a.route, a.route))}</td><td>{escape(a.prescribed)}</td>"
            f'<td class="dose">{escape(a.dose_text())}</td><td>{status}</td><td><ol class="trace">{trace}</ol></td>'
            f"<td>{escape(' '.join(a.flags))}</td></tr>"
        )
    head = "<tr><th>Date</th><th>Drug</th><th>Route</th><th>Dose per basis</th><th>Dose</th><th>Status</th><th>Calculation</th><th>Flags</th></tr>"
    return f'<table class="doses">\n{head}\n' + "\n".join(rows) + "\n</table>"


def _totals(course: Course) -> str:
    rows = "\n".join(
        f"<tr><td>{escape(t.drug)}</td><td>{escape(t.total.text())}</td><td>{t.administrations}</td></tr>"
        for t in course.totals
    )
    lifetime = ""
    if course.cumulative:
        lines = "\n".join(
            f"<tr><td>{escape(c.drug)}</td><td>{format_number(c.prior_mg_per_m2)}</td><td>{format_number(c.course_mg_per_m2)}</td>"
            f"<td>{format_number(c.total_mg_per_m2)}</td><td>{'' if c.doxorubicin_ratio is None else format_number(c.doxorubicin_ratio)}</td>"
            f"<td>{'' if c.doxorubicin_equivalent_mg_per_m2 is None else format_number(c.doxorubicin_equivalent_mg_per_m2)}</td></tr>"
            for c in course.cumulative
        )
        lifetime = (
            "<h3>Lifetime exposure (mg/m²)</h3>\n<table>\n<tr><th>Drug</th><th>Prior</th><th>This course</th><th>Total</th>"
            f"<th>Doxorubicin ratio</th><th>Doxorubicin equivalents</th></tr>\n{lines}\n</table>"
        )
    return (
        '<section class="totals"><h2>Cumulative doses</h2>\n<table>\n'
        "<tr><th>Drug</th><th>Total in this course (planned and given)</th><th>Administrations</th></tr>\n"
        f"{rows}\n</table>\n{lifetime}\n</section>"
    )


def _signatures() -> str:
    return (
        '<section class="sign"><h2>Signatures</h2>\n<table>\n'
        f"<tr><td>Calculated by: {_BLANK}</td><td>Date: {_BLANK}</td></tr>\n"
        f"<tr><td>Independent double check by: {_BLANK}</td><td>Date: {_BLANK}</td></tr>\n"
        "</table>\n</section>"
    )
