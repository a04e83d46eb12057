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
        if tag == "tr" and found.get("data-id"):
            self.rows.append(found["data-id"])
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
        "liposomal mitoxantrone 70 mg 7",
        "Calculated by:",
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


BUNDLED = sorted(p.stem for p in GOLDEN.glob("*.html"))


def test_every_bundled_regimen_has_a_golden_sheet():
    from regimencalc.protocol.loader import bundled_ids

    assert BUNDLED == bundled_ids()


@pytest.mark.parametrize("regimen_id", BUNDLED)
def test_golden_sheets(regimen_id):
    expected = (GOLDEN / f"{regimen_id}.html").read_text(encoding="utf-8")
    assert render_golden(regimen_id) == expected, (
        f"review, then regenerate with: python {Path(__file__).name} --regenerate"
    )


if __name__ == "__main__" and sys.argv[1:] == ["--regenerate"]:
    from regimencalc.protocol.loader import bundled_ids

    for regimen_id in bundled_ids():
        (GOLDEN / f"{regimen_id}.html").write_text(render_golden(regimen_id), encoding="utf-8")
        print(f"wrote {GOLDEN / regimen_id}.html")
