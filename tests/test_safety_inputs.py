"""Bad and borderline inputs, table-driven: each gives one clear line (or a flag), never a
traceback, never a dose after a hard stop, never a file written or overwritten by mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

BROKEN = Path(__file__).parent / "fixtures" / "broken" / "no_as_route.yaml"
BASE = {"regimen": "rdc-blinatumomab", "--height": "170cm", "--weight": "70kg", "--start": "2026-01-05", "--age": "40"}

# (case, changes to BASE or extra arguments, expected exit code, fragment of the single error line)
ERRORS = [
    ("height without unit", {"--height": "170"}, 1, "height '170' has no unit"),
    ("weight without unit", {"--weight": "70"}, 1, "weight '70' has no unit"),
    ("mm typed as cm", {"--height": "1700cm"}, 1, "height '1700cm' is impossible"),
    ("dm typed as cm", {"--height": "17cm"}, 1, "height '17cm' is impossible"),
    ("m typed as cm", {"--height": "1.7cm"}, 1, "height '1.7cm' is impossible"),
    ("height in kg", {"--height": "170 kg"}, 1, "'kg' is not a unit of height"),
    ("weight in cm", {"--weight": "70 cm"}, 1, "'cm' is not a unit of weight"),
    ("negative weight", {"--weight": "-70kg"}, 1, "is not a number with a unit"),
    ("zero weight", {"--weight": "0kg"}, 1, "weight '0kg' is impossible"),
    ("zero pounds", {"--weight": "0 lb"}, 1, "is impossible"),
    ("NaN weight", {"--weight": "nan kg"}, 1, "is not a number with a unit"),
    ("infinite weight", {"--weight": "inf kg"}, 1, "is not a number with a unit"),
    ("scientific notation", {"--weight": "1e6 kg"}, 1, "weight '1e6 kg': unknown unit 'e'"),
    ("huge weight", {"--weight": "70000 kg"}, 1, "weight '70000 kg' is impossible"),
    ("700 kg", {"--weight": "700kg"}, 1, "is impossible"),
    ("letters for height", {"--height": "tall"}, 1, "height 'tall' is not a number with a unit"),
    ("empty height", {"--height": ""}, 1, "is not a number with a unit"),
    ("unknown unit", {"--height": "170 parsecs"}, 1, "unknown unit 'parsecs'"),
    ("feet and inches too tall", {"--height": "5 ft 70 in"}, 1, "the second part must be under 12 in"),
    ("weight unusual", {"--weight": "260kg", "--height": "210cm"}, 1, "--accept-unusual weight"),
    (
        "BMI of 154 lb typed as kg at 150 cm",
        {"--weight": "154kg", "--height": "150cm"},
        1,
        "BMI 68.4 kg/m² is outside the usual range 12-50",
    ),
    (
        "lb as kg in a 4-year-old",
        {"--weight": "48.5kg", "--height": "105cm", "--age": "4"},
        1,
        "--accept-unusual weight-for-age",
    ),
    (
        "an infant of 170 cm",
        {"--age": "0.5"},
        1,
        "height 170 cm at age 6 months is above 95 cm, the most expected before 12 months",
    ),
    ("an adult of 80 cm", {"--height": "80cm", "--weight": "30kg"}, 1, "below 90 cm, the least expected for an adult"),
    ("negative age", {"--age": "-1"}, 1, "age '-1' is impossible"),
    ("age 200", {"--age": "200"}, 1, "age '200' is impossible"),
    ("age in words", {"--age": "forty"}, 1, "age 'forty' is not an age; write e.g. 45, 45 years, 9 months or 6 weeks"),
    ("age 115", {"--age": "115"}, 1, "--accept-unusual age"),
    (
        "BSA above 3 m²",
        {"--height": "228cm", "--weight": "160kg"},
        1,
        "BSA 3.183 m² (Mosteller) is outside the usual range 0.15-3",
    ),
    ("30 February", {"--start": "2026-02-30"}, 1, "start date '2026-02-30' is not a valid date"),
    ("month 13", {"--start": "2026-13-01"}, 1, "is not a valid date"),
    ("day-month-year", {"--start": "05/01/2026"}, 1, "is not a valid date"),
    ("empty date", {"--start": ""}, 1, "is not a valid date"),
    ("unpadded date", {"--start": "2026-1-5"}, 1, "is not a valid date"),
    ("unknown regimen", {"regimen": "nope"}, 1, "no regimen 'nope'"),
    ("broken regimen file", {"regimen": str(BROKEN)}, 1, "'NO' is not allowed"),
    ("zero cycles", ["--cycles", "0"], 1, "--cycles 0"),
    ("too many cycles", ["--cycles", "99"], 1, "--cycles 99"),
    ("misspelt accept key", ["--accept-unusual", "heigth"], 1, "--accept-unusual heigth is not a key"),
    ("unknown BSA formula", ["--bsa-formula", "guess"], 2, "Invalid value for '--bsa-formula'"),
    ("unknown response", ["--response", "MRD"], 2, "Invalid value for '--response'"),
    ("missing observations file", ["--observations", "no-such-file.yaml"], 2, "does not exist"),
    ("missing height", {"--height": None}, 2, "Missing option '--height'"),
    ("output into a missing folder", ["-o", "no/such/folder/out.json"], 1, "cannot write no/such/folder/out.json"),
]


def arguments(change: dict | list) -> list[str]:
    options = dict(BASE)
    extra: list[str] = []
    if isinstance(change, dict):
        options.update(change)
    else:
        extra = list(change)
    args = ["schedule", options.pop("regimen")]
    for key, value in options.items():
        if value is not None:
            args += [key, value]
    return args + extra


@pytest.mark.parametrize(("case", "change", "code", "fragment"), ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_input_is_one_line_no_dose_no_file(run_cli, tmp_path: Path, monkeypatch, case, change, code, fragment):
    monkeypatch.chdir(tmp_path)
    args = arguments(change)
    if "-o" not in args:
        args += ["--format", "json", "-o", "course.json"]
    exit_code, out, err = run_cli(*args)
    assert exit_code == code, err
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("regimencalc: ") and fragment in err, err
    assert "Traceback" not in err and "mg" not in err.replace("mg/", "")  # no dose printed
    assert list(tmp_path.iterdir()) == []


def test_there_are_at_least_40_cases():
    assert len(ERRORS) + len(FLAGGED) >= 40


FLAGGED = [
    (
        "confirmed weight and BSA",
        {"--weight": "260kg", "--height": "210cm"},  # BMI 260 / 2.1² = 59.0, above 50: confirmed too
        ["--accept-unusual", "weight", "--accept-unusual", "bsa", "--accept-unusual", "bmi"],
        "weight 260 kg is outside the usual range 1-250 kg: confirmed with --accept-unusual weight",
    ),
    (
        "confirmed BSA",
        {"--height": "228cm", "--weight": "160kg"},
        ["--accept-unusual", "bsa"],
        "BSA 3.183 m² (Mosteller) is outside the usual range 0.15-3 m²: confirmed",
    ),
    (
        "outside eligibility",
        {"--age": "10", "--height": "140cm", "--weight": "33kg"},
        [],
        "age 10 years is outside the regimen's eligibility (15-65 years",
    ),
    (
        "under 45 kg on seed 003",
        {"--weight": "44kg", "--height": "160cm"},
        [],
        "the label doses patients under 45 kg by BSA",
    ),
    ("age not given", {"--age": None}, [], "age not given: the regimen's eligibility (15-65 years"),
]


@pytest.mark.parametrize(("case", "change", "extra", "fragment"), FLAGGED, ids=[f[0] for f in FLAGGED])
def test_borderline_input_is_flagged_on_the_output(run_cli, case, change, extra, fragment):
    code, out, err = run_cli(*arguments(change), *extra, "--format", "json")
    assert code == 0, err
    flags = [f["text"] for f in json.loads(out)["flags"]]
    assert any(fragment in text for text in flags), flags


def test_an_existing_output_is_not_overwritten(run_cli, tmp_path: Path):
    target = tmp_path / "course.json"
    target.write_text("keep me")
    code, out, err = run_cli(*arguments({}), "-o", str(target))
    assert code == 1 and "already exists" in err and target.read_text() == "keep me"
