"""Machine-readable forms of a course: JSON (the documented, versioned document) and CSV."""

from __future__ import annotations

import json

from regimencalc.course import Course, SupportiveLine, course_document
from regimencalc.display import format_plain

CSV_COLUMNS = (
    "id",
    "cycle",
    "day",
    "date",
    "drug",
    "route",
    "dose_value",
    "dose_max",
    "dose_unit",
    "rate_value",
    "rate_unit",
    "prescribed",
    "basis",
    "status",
    "original_date",
    "given_value",
    "given_unit",
    "because",
    "flags",
    "trace",
    "section",
)


def render_json(course: Course) -> str:
    """The course as JSON (docs/output-json.md); stable key order, ends with a newline."""
    return json.dumps(course_document(course), indent=2, ensure_ascii=False) + "\n"


def render_csv(course: Course) -> str:
    """One row per administration; flags are written out in full so each row stands alone."""
    import csv  # here, not at the top: a JSON schedule does not load it
    import io

    flag_text = {f.id: f"{f.id} [{f.kind}] {f.text}" for f in course.flags}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for a in course.administrations:
        writer.writerow(
            (
                a.id,
                a.cycle,
                a.day,
                a.date.isoformat(),
                a.drug,
                a.route,
                format_plain(a.dose.value),
                "" if a.dose.max is None else format_plain(a.dose.max),
                a.dose.unit,
                "" if a.rate is None else format_plain(a.rate.value),
                "" if a.rate is None else a.rate.unit,
                a.prescribed,
                a.basis,
                a.status,
                "" if a.original_date is None else a.original_date.isoformat(),
                "" if a.given is None else format_plain(a.given.value),
                "" if a.given is None else a.given.unit,
                " ".join(a.because),
                "; ".join(flag_text[f] for f in a.flags),
                " | ".join(step.text for step in a.trace),
                "chemotherapy",
            )
        )
    writer.writerows(_supportive_rows(course.supportive, flag_text))
    return buffer.getvalue()


def _supportive_rows(lines: tuple[SupportiveLine, ...], flag_text: dict[str, str]) -> list[tuple[object, ...]]:
    """The supportive lines as rows of the same columns, with `section` 'supportive' and the kind in
    `status`; what to do (an admission's last day included) is in `prescribed`."""
    return [
        (
            s.id,
            "" if s.cycle is None else s.cycle,
            "" if s.day is None else s.day,
            "" if s.date is None else s.date.isoformat(),
            s.agent or "",
            s.route or "",
            "" if s.dose is None else format_plain(s.dose.value),
            "",
            "" if s.dose is None else s.dose.unit,
            "",
            "",
            f"{s.kind}: {s.dose_text + '; ' if s.dose_text else ''}{s.text}",
            "",
            s.kind,
            "",
            "",
            "",
            "",
            "; ".join(flag_text[f] for f in s.flags),
            " | ".join(step.text for step in s.trace),
            "supportive",
        )
        for s in lines
    ]
