"""CTCAE v4.03 / v5.0 grading of lab values, with every cut-off tested on both sides.

Expected grades are read from the clinical reference §3.1 (NCI CTCAE workbook), not from the code.
"""

from __future__ import annotations

import pytest

from regimencalc.errors import ObservationError, UnitInputError
from regimencalc.protocol.labs import parse_chemistry, parse_count, parse_hemoglobin
from regimencalc.replan.ctcae import grade_lab


@pytest.mark.parametrize("version", ["4.03", "5.0"])
@pytest.mark.parametrize(
    ("lab", "value", "grade"),
    [
        ("anc", "1.49 x10^9/L", 2),
        ("anc", "1.0 x10^9/L", 2),  # exactly at the cut-off: the lower grade
        ("anc", "0.99 x10^9/L", 3),
        ("anc", "0.5 x10^9/L", 3),
        ("anc", "0.49 x10^9/L", 4),
        ("anc", "1000/mm3", 2),
        ("anc", "999 /uL", 3),
        ("wbc", "2.0 x10^9/L", 2),
        ("wbc", "1.0 ×10⁹/L", 3),
        ("wbc", "0.9 G/L", 4),
        ("platelets", "75 x10^9/L", 1),  # LLN 150 given below
        ("platelets", "74 x10^9/L", 2),
        ("platelets", "50 x10^9/L", 2),
        ("platelets", "25 x10^9/L", 3),
        ("platelets", "24000/uL", 4),
    ],
)
def test_count_grades(version, lab, value, grade):
    lln = parse_count("150 x10^9/L" if lab == "platelets" else "4.0 x10^9/L" if lab == "wbc" else "2.0 x10^9/L")
    assert grade_lab(lab, parse_count(value), version, lln=lln).grade == grade


def test_a_float_conversion_cannot_move_a_grade():
    # 1.5 ×10⁹/L read as 1500/mm³ must stay exactly 1.5: not < 1.5, so not grade 2
    for text in ("1.5 x10^9/L", "1500/mm3", "1500 /uL", "1.5 G/L"):
        result = grade_lab("anc", parse_count(text), "5.0", lln=parse_count("1.8 x10^9/L"))
        assert result.grade == 1, text


def test_without_lln_grade_0_and_1_are_not_told_apart():
    result = grade_lab("anc", parse_count("1.6 x10^9/L"), "5.0")
    assert (result.grade, result.at_most) == (0, 1) and "give the lab's LLN" in result.explanation
    assert grade_lab("anc", parse_count("2.1 x10^9/L"), "5.0", lln=parse_count("1.8 x10^9/L")).grade == 0


@pytest.mark.parametrize(
    ("value", "grade"), [("10.0 g/dL", 1), ("9.9 g/dL", 2), ("80 g/L", 2), ("79 g/L", 3), ("6 g/dL", 3)]
)
def test_hemoglobin(value, grade):
    assert grade_lab("hemoglobin", parse_hemoglobin(value), "5.0", lln=parse_hemoglobin("12 g/dL")).grade == grade


@pytest.mark.parametrize("version", ["4.03", "5.0"])
@pytest.mark.parametrize(
    ("lab", "value", "grade"),
    [
        ("alt", "40 U/L", 0),
        ("alt", "41 U/L", 1),
        ("alt", "120 U/L", 1),  # exactly 3.0 × ULN: grade 1
        ("alt", "121 U/L", 2),
        ("alt", "200 U/L", 2),  # exactly 5.0 × ULN: grade 2
        ("ast", "201 U/L", 3),
        ("ast", "800 U/L", 3),
        ("ast", "801 U/L", 4),
        ("bilirubin", "1.8 mg/dL", 1),  # ULN 1.2: 1.5 × ULN exactly
        ("bilirubin", "1.9 mg/dL", 2),
        ("bilirubin", "3.7 mg/dL", 3),
        ("bilirubin", "12.1 mg/dL", 4),
        ("creatinine", "1.8 mg/dL", 1),
        ("creatinine", "7.3 mg/dL", 4),
    ],
)
def test_increases_by_uln(version, lab, value, grade):
    uln = "40 U/L" if lab in ("alt", "ast") else "1.2 mg/dL"
    assert grade_lab(lab, parse_chemistry(value), version, uln=parse_chemistry(uln)).grade == grade


def test_uln_in_another_unit_is_converted_exactly():
    # bilirubin 1.8 mg/dL vs ULN 12 mg/L = 1.2 mg/dL: exactly 1.5 × ULN → grade 1
    assert grade_lab("bilirubin", parse_chemistry("1.8 mg/dL"), "5.0", uln=parse_chemistry("12 mg/L")).grade == 1


def test_v5_abnormal_baseline_branches():
    uln, baseline = parse_chemistry("40 U/L"), parse_chemistry("80 U/L")  # baseline 2 × ULN: abnormal
    # v5.0: multiples of baseline; ALT grade 1 is 1.5-3.0 × baseline
    assert grade_lab("alt", parse_chemistry("119 U/L"), "5.0", uln=uln, baseline=baseline).grade == 0
    assert grade_lab("alt", parse_chemistry("120 U/L"), "5.0", uln=uln, baseline=baseline).grade == 1
    assert grade_lab("alt", parse_chemistry("241 U/L"), "5.0", uln=uln, baseline=baseline).grade == 2
    # v4.03 has no baseline branch: 241 / 40 = 6.0 × ULN → grade 3
    assert grade_lab("alt", parse_chemistry("241 U/L"), "4.03", uln=uln, baseline=baseline).grade == 3
    # a normal baseline changes nothing in v5.0
    assert grade_lab("alt", parse_chemistry("121 U/L"), "5.0", uln=uln, baseline=parse_chemistry("30 U/L")).grade == 2
    bili_uln, bili_base = parse_chemistry("1.2 mg/dL"), parse_chemistry("2.0 mg/dL")
    assert grade_lab("bilirubin", parse_chemistry("2.1 mg/dL"), "5.0", uln=bili_uln, baseline=bili_base).grade == 1
    assert grade_lab("bilirubin", parse_chemistry("6.1 mg/dL"), "5.0", uln=bili_uln, baseline=bili_base).grade == 3


def test_creatinine_baseline_criterion_differs_between_versions():
    uln, baseline = parse_chemistry("1.2 mg/dL"), parse_chemistry("0.6 mg/dL")
    # 0.8 mg/dL: ≤ ULN but 1.33 × baseline: grade 1 in v4.03, grade 0 in v5.0 (criterion dropped)
    assert grade_lab("creatinine", parse_chemistry("0.8 mg/dL"), "4.03", uln=uln, baseline=baseline).grade == 1
    assert grade_lab("creatinine", parse_chemistry("0.8 mg/dL"), "5.0", uln=uln, baseline=baseline).grade == 0
    # 1.0 mg/dL: 1.67 × baseline → grade 2 in both
    assert grade_lab("creatinine", parse_chemistry("1.0 mg/dL"), "5.0", uln=uln, baseline=baseline).grade == 2
    # 1.9 mg/dL: 3.17 × baseline → grade 3
    assert grade_lab("creatinine", parse_chemistry("1.9 mg/dL"), "4.03", uln=uln, baseline=baseline).grade == 3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: parse_count("0.8"), "needs a per-volume unit"),
        (lambda: parse_count("800/xx"), "'/xx' is not a per-volume unit"),
        (lambda: parse_hemoglobin("9 mmol/L"), "must be in g/dL or g/L"),
        (lambda: parse_chemistry("45"), "has no unit"),
        (lambda: grade_lab("alt", parse_chemistry("45 U/L"), "5.0"), "give the lab's upper limit of normal"),
        (
            lambda: grade_lab("alt", parse_chemistry("45 U/L"), "6.0", uln=parse_chemistry("40 U/L")),
            "version '6.0' is not supported",
        ),
        (
            lambda: grade_lab("alt", parse_chemistry("2 mg/dL"), "5.0", uln=parse_chemistry("40 U/L")),
            "not in comparable units",
        ),
    ],
)
def test_unusable_lab_inputs(call, message):
    with pytest.raises((UnitInputError, ObservationError), match=message):
        call()
