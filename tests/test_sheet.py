"""The dose sheet: complete, self-contained, printable; golden files for every bundled regimen.

Golden files change only through the explicit command
    python tests/test_sheet.py --regenerate
and are reviewed as diffs.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest

GOLDEN = Path(__file__).parent / "golden"
START = dt.date(2026, 1, 5)
WRITTEN = dt.date(2026, 1, 4)


def render_golden(regimen_id: str) -> str:
    from regimencalc.dosing.patient import make_patient
    from regimencalc.planner import plan
    from regimencalc.protocol.loader import load_regimen
    from regimencalc.render.sheet import SheetInfo, render_sheet_html

    course = plan(load_regimen(regimen_id), make_patient("170cm", "70kg", 40), START, response="CR", cycles=1)
    return render_sheet_html(course, SheetInfo(written=WRITTEN, patient_id="MRN 000000", measured=WRITTEN))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []
        self.flags: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        found = dict(attrs)
        if tag == "tr" and found.get("data-ids"):
            self.rows += found["data-ids"].split()
        if tag == "li" and found.get("data-kind"):
            self.flags.append(found["id"])

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def sheet_for(entries: str | None = None):
    from regimencalc.dosing.patient import make_patient
    from regimencalc.planner import plan
    from regimencalc.protocol.loader import load_regimen, parse_document
    from regimencalc.render.sheet import SheetInfo, render_sheet_html
    from regimencalc.replan.observations import Observations

    observations = (
        parse_document(f"schema_version: 1\nentries:\n{entries}", "o.yaml", Observations) if entries else None
    )
    course = plan(
        load_regimen("vmp-lipo-mitoxantrone"),
        make_patient("160cm", "55kg"),
        dt.date(2022, 7, 6),
        observations=observations,
    )
    return course, render_sheet_html(course, SheetInfo(written=dt.date(2022, 7, 5)))


STORY = (
    (Path(__file__).resolve().parents[1] / "docs" / "examples" / "vmp-seed-000-observations.yaml")
    .read_text()
    .split("entries:\n", 1)[1]
)


def test_the_sheet_holds_every_administration_and_flag():
    course, html = sheet_for(STORY)
    parsed = parse(html)
    assert sorted(parsed.rows) == sorted(a.id for a in course.administrations)
    assert parsed.flags == [f.id for f in course.flags]
    text = " ".join(" ".join(parsed.text).split())
    for element in (
        "Patient name:",
        "Second identifier (MRN or date of birth):",
        "Date written: 2022-07-05",
        "vmp-lipo-mitoxantrone",
        "version 1.0",
        "seed-000: Deng et al. Front Med 2024",
        "Height 160 cm · weight 55 kg · measured on",
        "BSA 1.563 m² by Mosteller",
        "liposomal mitoxantrone",
        "intravenous",
        "Dose per basis",
        "Criteria to treat",
        "white blood cells grade ≥ 4 or platelets grade ≥ 3 (CTCAE v4.03)",
        "Cumulative doses",
        "Lifetime exposure (mg/m²)",
        # 7 doses of 10 mg; BSA √(160 × 55 / 3600) = 1.5635 m²: 70 / 1.5635 = 44.8 mg/m²; × 10 = 448
        "liposomal mitoxantrone 7 × 10 mg = 70 mg 7",
        "liposomal mitoxantrone 70 mg ÷ 1.563 m² = 44.8 0 + 44.8 = 44.8 44.8 × 10 = 448",
        "Calculated by (pharmacist):",
        "Prescriber:",
        "Signature, date and time:",
        "Allergies:",
        "Diagnosis",
        "Cycle 1 ordered by (prescriber):",
        "Verified before administration by:",
        "Independent double check by:",
        "Drug identity uncertain",
        "Dose changed by a rule",
        "given, from 2022-07-20",
    ):
        assert element in text, element


def test_the_sheet_is_self_contained():
    _, html = sheet_for()
    parsed = parse(html)
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    assert not [value for name, value in parsed.attributes if name in ("src", "href")]
    assert "@page" in html and "<style>" in html


def test_the_pdf_text_holds_the_doses(tmp_path: Path, run_cli):
    target = tmp_path / "sheet.pdf"
    code, _, err = run_cli(
        "sheet",
        "rdc-blinatumomab",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--start",
        "2026-01-05",
        "--written",
        "2026-01-04",
        "-o",
        str(target),
    )
    assert code == 0, err
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(target.read_bytes())).pages)
    text = " ".join(text.split())
    for dose in ("14.5 mg", "4 mg", "16.4 mg", "9 mcg/day", "28 mcg/day", "Chemotherapy dose sheet", "BSA 1.818 m²"):
        assert dose in text, dose


def test_sheet_command_refuses_to_overwrite_and_needs_valid_dates(tmp_path: Path, run_cli):
    target = tmp_path / "sheet.html"
    args = ("sheet", "vicp", "--height", "170cm", "--weight", "70kg", "--start", "2026-01-05")
    assert run_cli(*args, "--written", "2026-01-04", "-o", str(target))[0] == 0
    code, _, err = run_cli(*args, "-o", str(target))
    assert code == 1 and "already exists" in err
    code, _, err = run_cli(*args, "--measured", "yesterday")
    assert code == 1 and "--measured 'yesterday' is not a valid date" in err


def test_every_printed_page_names_the_patient_and_counts_the_pages(tmp_path: Path, run_cli):
    target = tmp_path / "sheet.pdf"
    code, _, err = run_cli(
        "sheet", "blinatumomab", "--height", "120cm", "--weight", "22kg", "--start", "2026-01-05",
        "--patient-name", "Ana O'Brien \"<Test>\"", "--patient-id", "MRN 0012345", "--written", "2026-01-04",
        "-o", str(target),
    )  # fmt: skip
    assert code == 0, err
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(target.read_bytes())).pages]
    # 9 cycles of one or two infusion periods each, about a page per cycle, and the supportive lines
    assert 9 <= len(pages) <= 15
    for number, text in enumerate(pages, 1):
        assert "MRN 0012345" in text and f"page {number} of {len(pages)}" in text, number
        assert 'Patient: Ana O\'Brien "<Test>"' in text and "blinatumomab v1.0" in text, number
    for cycle in range(1, 10):
        running = [line for text in pages for line in text.splitlines() if line.startswith("Patient: Ana")]
        assert any(f"Cycle {cycle} of 9 blinatumomab v1.0" in line for line in running), cycle


def test_an_infusion_period_is_one_row_with_one_calculation():
    from regimencalc.dosing.patient import make_patient
    from regimencalc.planner import plan
    from regimencalc.protocol.loader import load_regimen
    from regimencalc.render.sheet import SheetInfo, render_sheet_html

    course = plan(load_regimen("blinatumomab"), make_patient("120cm", "22kg"), START, cycles=2)
    html = render_sheet_html(course, SheetInfo(written=WRITTEN))
    # cycle 1: days 1-7 at 5 mcg/m²/day and days 8-28 at 15; cycle 2: days 1-28 at 15 → three rows
    assert html.count("<tr data-ids=") == 3 and len(parse(html).rows) == 7 + 21 + 28
    # BSA √(120 × 22 / 3600) = 0.8563 m²: 5 × 0.8563 = 4.282 → 4.28; 15 × 0.8563 = 12.85 → 12.8 mcg/day
    assert html.count("Calculation 1:</strong>") == 2 and html.count("Calculation 2:</strong>") == 1
    text = " ".join(" ".join(parse(html).text).split())
    assert "C1 D8–28 Mon 2026-01-12 to Sun 2026-02-01 (21 days)" in text
    assert "D1–7 · 2026-01-05 to 2026-01-11 4.28 mcg/day" in text
    # 7 × 4.28 + 21 × 12.8 + 28 × 12.8 = 29.96 + 268.8 + 358.4 = 657.16 mcg
    assert "7 × 4.28 mcg + 49 × 12.8 mcg = 657.16 mcg" in text


def test_a_moved_dose_keeps_its_planned_day_everywhere():
    course, html = sheet_for(STORY)
    moved = next(a for a in course.administrations if a.original_date and a.drug == "liposomal mitoxantrone")
    text = " ".join(" ".join(parse(html).text).split())
    # planned day 15 (2022-07-20), given 2022-07-24 (cycle day 19): D15 in the roadmap and in the table
    assert (moved.day, moved.date, moved.original_date) == (15, dt.date(2022, 7, 24), dt.date(2022, 7, 20))
    assert "D15, D19 · Sun 2022-07-24" in text and "C1 D15 Sun 2022-07-24" in text
    assert "Day 19" not in text


def test_quantities_do_not_break_and_tables_repeat_their_header():
    _, html = sheet_for(STORY)
    assert '<span class="nb">60 mg/m²/day</span>' in html or '<span class="nb">10 mg</span>' in html
    tables = ('<table class="doses">', '<table class="roadmap">', '<table class="supportive-lines">')
    assert html.count("<thead>") == sum(html.count(table) for table in tables) + 2
    assert "white-space: nowrap" in html and "display: table-header-group" in html


@pytest.mark.parametrize(
    ("name", "extra", "message"),
    [
        (
            "sheet.docx",
            (),
            "-o {dir}/sheet.docx: a dose sheet is written as .html or .pdf, not .docx; name the file sheet.html or sheet.pdf",
        ),
        ("sheet", (), "-o {dir}/sheet: a dose sheet is written as .html or .pdf, not a file without a suffix"),
        ("sheet.html", ("--format", "pdf"), "--format pdf does not match -o {dir}/sheet.html; name the file sheet.pdf"),
    ],
)
def test_the_sheet_format_comes_from_the_option_or_the_suffix(tmp_path: Path, run_cli, name, extra, message):
    args = "sheet vicp --height 170cm --weight 70kg --start 2026-01-05 --written 2026-01-04".split()
    code, _, err = run_cli(*args, *extra, "-o", str(tmp_path / name))
    assert code == 1 and message.format(dir=tmp_path) in err and not (tmp_path / name).exists()
    assert run_cli(*args, "--format", "pdf", "-o", str(tmp_path / "upper.PDF"))[0] == 0
    assert (tmp_path / "upper.PDF").read_bytes().startswith(b"%PDF")


def test_allergies_and_prescriber_are_printed_when_given(run_cli):
    args = "sheet vicp --height 170cm --weight 70kg --start 2026-01-05 --written 2026-01-04".split()
    code, out, err = run_cli(*args, "--allergies", "penicillin (rash)", "--prescriber", "Dr A. Example")
    assert code == 0, err
    assert (
        "Allergies: <strong>penicillin (rash)</strong>" in out and "Prescriber: <strong>Dr A. Example</strong>" in out
    )
    code, out, _ = run_cli(*args)
    assert 'Allergies: <span class="blank"></span>' in out and 'Prescriber: <span class="blank"></span>' in out


BUNDLED = sorted(p.stem for p in GOLDEN.glob("*.html"))


def test_every_bundled_regimen_has_a_golden_sheet():
    from regimencalc.protocol.bundled import bundled_ids

    assert BUNDLED == bundled_ids()


@pytest.mark.parametrize("regimen_id", BUNDLED)
def test_golden_sheets(regimen_id):
    expected = (GOLDEN / f"{regimen_id}.html").read_text(encoding="utf-8")
    assert render_golden(regimen_id) == expected, (
        f"review, then regenerate with: python {Path(__file__).name} --regenerate"
    )


if __name__ == "__main__" and sys.argv[1:] == ["--regenerate"]:
    from regimencalc.protocol.bundled import bundled_ids

    for regimen_id in bundled_ids():
        (GOLDEN / f"{regimen_id}.html").write_text(render_golden(regimen_id), encoding="utf-8")
        print(f"wrote {GOLDEN / regimen_id}.html")
