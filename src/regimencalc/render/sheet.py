"""The pharmacist's dose sheet: one self-contained HTML page (inline CSS, no fetches) to print,
sign and check by hand; optionally a PDF of the same page through WeasyPrint.

It holds the order elements of the ASCO/ONS chemotherapy administration safety standards: two
patient identifiers (blank lines when not given), allergies, date written, diagnosis, regimen with
version and source, cycle, height, weight, BSA with its formula and measurement date, drugs by full
generic name, dose per basis and calculated dose, route, rate, days and dates, cumulative doses with
their arithmetic, criteria to treat, the prescriber's signature, the pharmacist who calculated and
the one who double-checked, and the two practitioners who verify each cycle before administration.

Printed (PDF), every page carries the patient, the identifier, the regimen, the cycle and "page N
of M" in its margins (CSS @page margin boxes), and a dose table's header repeats (<thead>). Each
infusion period is one row; each distinct calculation is printed once per cycle and the rows that
share it point to it, so a 28-day infusion is one row and one trace, not 28.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape

from regimencalc.course import Administration, Course, Cycle, SupportiveLine
from regimencalc.display import ROUTE_NAMES, format_age, format_number, plural

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
    "unread-response": "Response read by no rule or branch",
    "response-recorded": "Recorded response differs from --response",
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
@page { margin: 17mm 12mm 15mm;
  @bottom-left { content: "Initials: calculated ________ checked ________"; font: 8pt "DejaVu Sans", Arial, sans-serif; } }
@page { @top-left { width: 50%; font: 8pt "DejaVu Sans", Arial, sans-serif; } @top-center { width: 20%; font: 8pt "DejaVu Sans", Arial, sans-serif; }
  @top-right { width: 30%; font: 8pt "DejaVu Sans", Arial, sans-serif; }
  @bottom-right { font: 8pt "DejaVu Sans", Arial, sans-serif; } }
body { font: 9pt/1.3 "DejaVu Sans", Arial, sans-serif; color: #000; margin: 0 auto; }
h1 { font-size: 14pt; margin: 0 0 3pt; } h2 { font-size: 11pt; margin: 10pt 0 3pt; border-bottom: 1pt solid #000; }
h3 { font-size: 9.5pt; margin: 6pt 0 2pt; }
table { border-collapse: collapse; width: 100%; margin: 2pt 0 5pt; }
th, td { border: 0.6pt solid #444; padding: 1.5pt 3pt; text-align: left; vertical-align: top; }
th { background: #eee; } tr { break-inside: avoid; page-break-inside: avoid; } thead { display: table-header-group; }
.ids td { border: none; padding: 2pt 6pt 2pt 0; } .blank { display: inline-block; min-width: 35mm; border-bottom: 0.8pt solid #000; height: 1em; }
.nb, .dose, .doses td:first-child { white-space: nowrap; } .dose { font-weight: bold; } .calc { font-size: 8pt; }
.traces { font-size: 8pt; margin: 0; padding-left: 0; list-style: none; } .traces li { margin-bottom: 1.5pt; }
.flags li { margin-bottom: 2pt; } .kind { font-weight: bold; }
.status-held, .status-omitted, .status-discontinued { text-decoration: line-through; }
.roadmap td, .roadmap th { text-align: center; } .roadmap td:first-child { text-align: left; white-space: nowrap; }
.cycle { break-before: page; } .cycle-name { string-set: cycle content(); } .summary { string-set: cycle "Course summary"; }
.sign td { border: none; padding: 7pt 6pt 3pt 0; } footer { margin-top: 8pt; font-size: 8pt; }
@media screen { body { max-width: 190mm; } }
"""
#: A number and its unit, kept on one line ("5.3 mcg/day", "0.2 ×10⁶ cells/kg", "9 mg/m²/day").
_QUANTITY = re.compile(
    r"(?:\d[\d,.]* – )?\d[\d,.]*(?: ×10[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)? (?:mcg|mg|g|kg|cm|m²|m2|cells|mL|h|min|days?)(?:/(?:m²|m2|kg|day|h|min))*"
)

_SUPPORTIVE_CSS = """
.supportive-lines td { font-size: 8.5pt; } .supportive-lines td:first-child { white-space: nowrap; }
.supportive-lines .kind { text-transform: uppercase; font-size: 7.5pt; } .calc { font-size: 7.5pt; color: #333; }
.supportive-lines .dose { white-space: normal; } .supportive h3 { break-after: avoid; }
"""


@dataclass(frozen=True)
class SheetInfo:
    """What the sheet needs beyond the course: who it is for, when written, when measured."""

    written: dt.date
    patient_name: str | None = None
    patient_id: str | None = None
    measured: dt.date | None = None
    allergies: str | None = None
    prescriber: str | None = None


def render_sheet_html(course: Course, info: SheetInfo) -> str:
    """The dose sheet as one HTML document."""
    title = f"Dose sheet: {course.regimen.name}"
    parts = [
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
        f"<style>{_CSS}{_SUPPORTIVE_CSS}{_running(course, info)}</style>\n</head>\n<body>",
        _header(course, info),
        _flags(course),
        _criteria(course),
        _supportive(course),
        *(_cycle(course, cycle) for cycle in course.cycles),
        _totals(course),
        _signatures(info),
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


def _running(course: Course, info: SheetInfo) -> str:
    """The running header and footer of every printed page: patient and identifier, regimen and the
    cycle on the page (a named string the cycle headings set), "page N of M"."""
    name = info.patient_name or "________________"
    identifier = info.patient_id or "ID ________________"
    regimen = f"{course.regimen.id} v{course.regimen.version}"
    return (
        f"@page {{ @top-left {{ content: {_css_string(f'Patient: {name} · {identifier}')}; }} "
        f"@top-center {{ content: string(cycle, start); }} @top-right {{ content: {_css_string(regimen)}; }} "
        f'@bottom-right {{ content: {_css_string(identifier)} " · page " counter(page) " of " counter(pages); }} }}\n'
    )


def _css_string(text: str) -> str:
    """`text` as a CSS string literal, every character outside plain ASCII letters and digits escaped
    (so no quote, backslash or `</style>` in a patient's name can end the string or the style)."""
    return '"' + "".join(c if c.isascii() and (c.isalnum() or c in " .,:-") else f"\\{ord(c):x} " for c in text) + '"'


def _header(course: Course, info: SheetInfo) -> str:
    p, r = course.patient, course.regimen
    measured = info.measured.isoformat() if info.measured else _BLANK
    age = format_age(p.age_years) if p.age_years is not None else _BLANK
    sources = "; ".join(f"{escape(key)}: {escape(citation)}" for key, citation in r.sources.items())
    response = escape(course.response) if course.response else "not given"
    observed = f" · observations up to {course.assessed_until.isoformat()}" if course.assessed_until else ""
    return f"""<header>
<h1>Chemotherapy dose sheet</h1>
<table class="ids">
<tr><td>Patient name: {_field(info.patient_name)}</td><td>Second identifier (MRN or date of birth): {_field(info.patient_id)}</td></tr>
<tr><td>Date written: {info.written.isoformat()}</td><td>Age: {age} · Sex: {escape(p.sex or "not given")}</td></tr>
<tr><td colspan="2">Allergies: {_field(info.allergies)}</td></tr>
</table>
<table>
<tr><th>Diagnosis</th><td>{escape(r.indication)}</td></tr>
<tr><th>Regimen</th><td>{escape(r.name)} (<code>{escape(r.id)}</code>, version {escape(r.version)}){_regimen_file(r.file)}</td></tr>
<tr><th>Sources</th><td>{sources}</td></tr>
<tr><th>Body size</th><td>Height {format_number(p.height_cm, 4)} cm · weight {format_number(p.weight_kg, 4)} kg · measured on {measured}<br>
BSA <strong>{p.bsa_m2:.3f} m²</strong> by {escape(p.bsa_formula)}: {escape(p.bsa_equation)} (used unrounded in every dose)</td></tr>
<tr><th>Course</th><td>Cycle 1 day 1 = {course.start_date.isoformat()} · {plural(len(course.cycles), "cycle")} planned · response: {response}{observed}<br>
Days are numbered within each cycle (day 1 = the cycle's first day); a moved dose keeps its planned day and shows the date it is now given.</td></tr>
</table>
</header>"""


def _field(value: str | None) -> str:
    return f"<strong>{escape(value)}</strong>" if value else _BLANK


def _flags(course: Course) -> str:
    if not course.flags:
        more = "; check the supportive and non-dosed lines below too" if course.supportive else ""
        return f'<section class="flags"><h2>Check before dispensing</h2><p>No flags{more}.</p></section>'
    items = "\n".join(
        f'<li id="{f.id}" data-kind="{escape(f.kind)}"><span class="kind">{f.id} · {escape(FLAG_WORDS.get(f.kind, f.kind))}:</span> '
        f"{_nb(f.text)}{f' ({escape(f.source)})' if f.source else ''}</li>"
        for f in course.flags
    )
    return f'<section class="flags"><h2>Check before dispensing</h2>\n<ol>\n{items}\n</ol>\n</section>'


def _criteria(course: Course) -> str:
    if not course.criteria:
        body = "<p>No dose-modification rule is encoded for this regimen: apply the local protocol's criteria to treat.</p>"
    else:
        body = (
            "<ul>\n"
            + "\n".join(f"<li>{escape(c.name)}: {_nb(c.text)} ({escape(c.source)})</li>" for c in course.criteria)
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
    citations = list(dict.fromkeys(s.source for s in course.supportive if s.local != s.source))
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
            f"<td>{_supportive_what(s)}</td><td>{escape(s.text)}{_supportive_source(s, citations)}</td>"
            f"<td>{escape(' '.join(s.flags))}</td></tr>"
            for s in dated
        )
        parts.append(
            '<h3>Dated</h3>\n<table class="supportive-lines">\n<thead><tr><th>Date</th><th>Give or do</th>'
            f"<th>When and why</th><th>Flags</th></tr></thead>\n<tbody>{rows}</tbody>\n</table>"
        )
    if whole:
        rows = "\n".join(
            f'<tr data-supportive-id="{escape(s.id)}" data-kind="{escape(s.kind)}"><td>{_supportive_what(s)}</td>'
            f"<td>{escape(s.text)}{_supportive_source(s, citations)}</td><td>{escape(' '.join(s.flags))}</td></tr>"
            for s in whole
        )
        parts.append(
            '<h3>For the whole course</h3>\n<table class="supportive-lines">\n<thead><tr><th>Kind</th><th>What</th>'
            f"<th>Flags</th></tr></thead>\n<tbody>{rows}</tbody>\n</table>"
        )
    if citations:
        listed = "<br>".join(f"[S{n}] {escape(c)}" for n, c in enumerate(citations, 1))
        parts.append(f'<p class="calc">Sources of these lines: <br>{listed}</p>')
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


def _supportive_source(s: SupportiveLine, citations: list[str]) -> str:
    """The line's source as its number in the section's list of sources, and the local protocol's."""
    local = f"local protocol: {escape(s.local)}" if s.local else ""
    cited = "" if s.local == s.source else f"[S{citations.index(s.source) + 1}]"
    return f'<br><span class="calc">{"; ".join(p for p in (cited, local) if p)}</span>'


def _nb(text: str) -> str:
    """Escaped text whose quantities never break between number and unit or inside the unit."""
    return _QUANTITY.sub(lambda m: f'<span class="nb">{m.group(0)}</span>', escape(text))


def _cycle(course: Course, cycle: Cycle) -> str:
    doses = [a for a in course.administrations if a.cycle == cycle.number]
    moved = f" (planned {cycle.original_start_date.isoformat()})" if cycle.original_start_date else ""
    arms = "".join(f" · {escape(branch)}: {escape(arm)}" for branch, arm in cycle.branches.items())
    rows = list(_rows(doses))
    traces = list(dict.fromkeys(_trace_key(group[0]) for group in rows))
    return (
        f'<section class="cycle" id="cycle-{cycle.number}">\n'
        f'<h2><span class="cycle-name">Cycle {cycle.number} of {len(course.cycles)}</span>: {escape(cycle.phase_name)}, '
        f"from {cycle.start_date:%a} {cycle.start_date.isoformat()}{moved}, {plural(cycle.length_days, 'day')}{arms}</h2>\n"
        f"<h3>Roadmap</h3>\n{_roadmap(rows)}\n<h3>Doses</h3>\n{_dose_table(rows, traces)}\n"
        f"<h3>How each dose was calculated</h3>\n{_traces(cycle, traces)}\n{_cycle_checks(cycle)}\n</section>"
    )


def _rows(doses: list[Administration]) -> Iterator[list[Administration]]:
    """The sheet's rows: one per administration, except that consecutive days of one drug with the
    same dose, status and calculation make one row: an infusion period, or a daily dose for a week."""
    row: list[Administration] = []
    for a in doses:
        if row and _continues(row[-1], a):
            row.append(a)
            continue
        if row:
            yield row
        row = [a]
    if row:
        yield row


def _continues(previous: Administration, a: Administration) -> bool:
    shift = (a.original_date or a.date) - a.date
    return (
        a.route == previous.route
        and a.drug == previous.drug
        and a.day == previous.day + 1
        and (a.date - previous.date).days == 1
        and shift == (previous.original_date or previous.date) - previous.date
        and (a.dose_text(), a.status, a.because, a.flags, a.given, a.prescribed)
        == (
            previous.dose_text(),
            previous.status,
            previous.because,
            previous.flags,
            previous.given,
            previous.prescribed,
        )
        and _trace_key(a) == _trace_key(previous)
    )


def _trace_key(a: Administration) -> tuple[str, ...]:
    return tuple(step.text for step in a.trace)


def _days(row: list[Administration]) -> str:
    """'D8' or 'D8–28': the planned cycle days of a row."""
    first, last = row[0], row[-1]
    return f"D{first.day}" if len(row) == 1 else f"D{first.day}–{last.day}"


def _dates(row: list[Administration]) -> str:
    first, last = row[0], row[-1]
    if len(row) == 1:
        return f"{first.date:%a} {first.date.isoformat()}"
    return f"{first.date:%a} {first.date.isoformat()}<br>to {last.date:%a} {last.date.isoformat()}<br>({plural(len(row), 'day')})"


@dataclass
class _Line:
    """One line of the roadmap: consecutive dates (and planned days) whose cells are all the same."""

    first: dt.date
    last: dt.date
    days: list[int]
    cells: tuple[str, ...]


def _roadmap(rows: list[list[Administration]]) -> str:
    """Planned days and dates down, drugs across; a moved dose sits on the date it is now given, under
    its planned day; consecutive days that read the same (an infusion period) are one line."""
    drugs = list(dict.fromkeys((row[0].drug, row[0].route) for row in rows))
    by_date: dict[dt.date, dict[tuple[str, str], Administration]] = {}
    for a in (a for row in rows for a in row):
        by_date.setdefault(a.date, {})[(a.drug, a.route)] = a
    lines: list[_Line] = []
    for date, given in sorted(by_date.items()):
        cells = tuple(_cell(given.get(d)) for d in drugs)
        days = sorted({a.day for a in given.values()})
        last = lines[-1] if lines else None
        if (
            last is not None
            and last.cells == cells
            and (date - last.last).days == 1
            and len(days) == 1
            and last.days == list(range(last.days[0], days[0]))
        ):
            last.last, last.days = date, [*last.days, *days]
        else:
            lines.append(_Line(date, date, days, cells))
    header = "".join(f"<th>{escape(drug)}<br>{escape(route)}</th>" for drug, route in drugs)
    body = [f"<tr><td>{_line_label(line)}</td>{''.join(line.cells)}</tr>" for line in lines]
    return (
        f'<table class="roadmap">\n<thead><tr><th>Day · date</th>{header}</tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody>\n</table>"
    )


def _cell(a: Administration | None) -> str:
    return "<td></td>" if a is None else f'<td class="status-{a.status}">{_nb(a.dose_text())}{_mark(a)}</td>'


def _line_label(line: _Line) -> str:
    if line.first == line.last:
        return f"{', '.join(f'D{d}' for d in line.days)} · {line.first:%a} {line.first.isoformat()}"
    return f"D{line.days[0]}–{line.days[-1]} · {line.first.isoformat()} to {line.last.isoformat()}"


def _mark(a: Administration) -> str:
    if a.status == "planned":
        return ""
    moved = f" from {a.original_date.isoformat()}" if a.original_date else ""
    return f" ({escape(a.status)}{moved})"


def _dose_table(rows: list[list[Administration]], traces: list[tuple[str, ...]]) -> str:
    body = []
    for row in rows:
        a, last = row[0], row[-1]
        status = escape(a.status)
        if a.original_date and last.original_date:
            planned = a.original_date.isoformat()
            status += f", from {planned}" + (f" to {last.original_date.isoformat()}" if len(row) > 1 else "")
        if a.because:
            status += f" ({escape(', '.join(a.because))})"
        route = escape(ROUTE_NAMES.get(a.route, a.route))
        if a.rate is not None:
            route += f"<br>at {_nb(a.rate.text())}<br>bag(s): {_BLANK}"
        elif len(row) > 1:
            route += ", once a day"
        calculation = traces.index(_trace_key(a)) + 1
        ids = " ".join(escape(d.id) for d in row)
        body.append(
            f'<tr data-ids="{ids}" class="status-{a.status}"><td><span class="nb">C{a.cycle} {_days(row)}</span><br>{_dates(row)}</td>'
            f"<td>{escape(a.drug)}{_route_label(a)}</td><td>{route}</td><td>{_nb(a.prescribed)}</td>"
            f'<td class="dose">{escape(a.dose_text())}</td><td>{status}</td>'
            f'<td class="calc">calculation {calculation}</td>'
            f"<td>{escape(' '.join(a.flags))}</td></tr>"
        )
    head = (
        "<thead><tr><th>Day · date</th><th>Drug</th><th>Route</th><th>Dose per basis</th><th>Dose</th><th>Status</th>"
        "<th>Calculation</th><th>Flags</th></tr></thead>"
    )
    return f'<table class="doses">\n{head}\n<tbody>\n' + "\n".join(body) + "\n</tbody>\n</table>"


def _traces(cycle: Cycle, traces: list[tuple[str, ...]]) -> str:
    items = "\n".join(
        f'<li id="calc-{cycle.number}-{n}"><strong>Calculation {n}:</strong> {" → ".join(_nb(step) for step in trace)}</li>'
        for n, trace in enumerate(traces, 1)
    )
    return f'<ol class="traces">\n{items}\n</ol>'


def _cycle_checks(cycle: Cycle) -> str:
    """Where the cycle is signed: released by the prescriber, verified by two practitioners before it is given."""
    return (
        '<table class="sign">\n'
        f"<tr><td>Cycle {cycle.number} ordered by (prescriber): {_BLANK}</td><td>Date: {_BLANK}</td></tr>\n"
        f"<tr><td>Verified before administration by: {_BLANK}</td><td>and: {_BLANK}</td></tr>\n"
        "</table>"
    )


def _totals(course: Course) -> str:
    rows = "\n".join(
        f"<tr><td>{escape(t.drug)}</td><td>{_sum_text(course, t.drug, t.total.unit)}<strong>{_nb(t.total.text())}</strong></td>"
        f"<td>{t.administrations}</td></tr>"
        for t in course.totals
    )
    lifetime = ""
    if course.cumulative:
        bsa = f"{course.patient.bsa_m2:.3f} m²"
        lines = "\n".join(
            f"<tr><td>{escape(c.drug)}</td><td>{_course_per_m2(course, c.drug, bsa, c.course_mg_per_m2)}</td>"
            f"<td>{format_number(c.prior_mg_per_m2)} + {format_number(c.course_mg_per_m2)} = {format_number(c.total_mg_per_m2)}</td>"
            f"<td>{_equivalent(c.total_mg_per_m2, c.doxorubicin_ratio, c.doxorubicin_equivalent_mg_per_m2)}</td></tr>"
            for c in course.cumulative
        )
        lifetime = (
            "<h3>Lifetime exposure (mg/m²)</h3>\n<table>\n<thead><tr><th>Drug</th><th>This course, per m²</th>"
            f"<th>Prior + this course = total</th><th>Doxorubicin equivalents (total × ratio)</th></tr></thead>\n{lines}\n</table>"
        )
    return (
        '<section class="totals summary"><h2>Cumulative doses</h2>\n<table>\n'
        "<thead><tr><th>Drug</th><th>Total in this course (planned, moved and given doses)</th><th>Administrations</th></tr></thead>\n"
        f"{rows}\n</table>\n{lifetime}\n</section>"
    )


def _counted(course: Course, drug: str, unit: str) -> list[Administration]:
    """The administrations a drug's course total adds up (what the planner counts: planned, moved, given)."""
    return [
        a
        for a in course.administrations
        if a.drug == drug and a.status in ("planned", "given", "moved") and (a.given or a.dose).unit == unit
    ]


def _sum_text(course: Course, drug: str, unit: str) -> str:
    """'7 × 4.28 mcg + 21 × 12.8 mcg = ': the course total written as the doses it adds up."""
    counts: dict[str, int] = {}
    for a in _counted(course, drug, unit):
        text = (a.given or a.dose).text()
        counts[text] = counts.get(text, 0) + 1
    if list(counts.values()) == [1]:
        return ""
    return " + ".join(f'{n} × <span class="nb">{escape(text)}</span>' for text, n in counts.items()) + " = "


def _course_per_m2(course: Course, drug: str, bsa: str, per_m2: float) -> str:
    """'(14.5 + 14.5 + 14.5) mg ÷ 1.818 m² = 24 mg/m²'."""
    total = next((t.total.text() for t in course.totals if t.drug == drug), None)
    if total is None:
        return format_number(per_m2)
    return f'<span class="nb">{escape(total)}</span> ÷ {bsa} = {format_number(per_m2)}'


def _equivalent(total: float, ratio: float | None, equivalent: float | None) -> str:
    if ratio is None or equivalent is None:
        return "not an anthracycline"
    return f"{format_number(total)} × {format_number(ratio)} = {format_number(equivalent)}"


def _signatures(info: SheetInfo) -> str:
    return (
        '<section class="sign"><h2>Signatures</h2>\n<table>\n'
        f"<tr><td>Prescriber: {_field(info.prescriber)}</td><td>Signature, date and time: {_BLANK}</td></tr>\n"
        f"<tr><td>Calculated by (pharmacist): {_BLANK}</td><td>Date: {_BLANK}</td></tr>\n"
        f"<tr><td>Independent double check by: {_BLANK}</td><td>Date: {_BLANK}</td></tr>\n"
        "</table>\n</section>"
    )


def _regimen_file(path: str | None) -> str:
    """A regimen planned from a file says so, so it is never taken for the bundled one of the same id."""
    return f"<br>from the file <code>{escape(path)}</code>, not a bundled regimen" if path else ""
