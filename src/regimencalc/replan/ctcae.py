"""NCI CTCAE grading of laboratory values, versions 4.03 and 5.0.

Thresholds are from the clinical reference §3.1 (NCI workbook CTCAE_v5.0.xlsx: the "Clean Copy"
sheet for v5.0 and the "v4.0 to v5.0 Mapping" sheet for v4.03; status V for every row).
Boundary rule, from the range notation: for decreases a value exactly at a cut-off belongs to the
lower grade (ANC 1.0 ×10⁹/L is grade 2); for increases the lower bound is exclusive (ALT exactly
3.0 × ULN is grade 1). All comparisons are on exact Decimals (see labs.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from regimencalc.errors import ObservationError
from regimencalc.protocol.labs import LAB_NAMES, Measured, ratio

VERSIONS: tuple[str, ...] = ("4.03", "5.0")

#: Decreases, identical in v4.03 and v5.0: grade g when the value is below bound g (×10⁹/L; g/dL).
_DECREASE: dict[str, dict[int, Decimal]] = {
    "wbc": {2: Decimal("3.0"), 3: Decimal("2.0"), 4: Decimal("1.0")},
    "anc": {2: Decimal("1.5"), 3: Decimal("1.0"), 4: Decimal("0.5")},
    "platelets": {2: Decimal("75"), 3: Decimal("50"), 4: Decimal("25")},
    "hemoglobin": {2: Decimal("10.0"), 3: Decimal("8.0")},
}

#: Increases as multiples of ULN: grade g when value / ULN is above bound g (grade 1: above ULN).
_INCREASE_ULN: dict[str, dict[int, Decimal]] = {
    "bilirubin": {1: Decimal(1), 2: Decimal("1.5"), 3: Decimal("3.0"), 4: Decimal("10.0")},
    "ast": {1: Decimal(1), 2: Decimal("3.0"), 3: Decimal("5.0"), 4: Decimal("20.0")},
    "alt": {1: Decimal(1), 2: Decimal("3.0"), 3: Decimal("5.0"), 4: Decimal("20.0")},
    "creatinine": {1: Decimal(1), 2: Decimal("1.5"), 3: Decimal("3.0"), 4: Decimal("6.0")},
}

#: v5.0, baseline above ULN: multiples of baseline. AST/ALT grade 1 is "1.5 - 3.0 × baseline" (inclusive).
_V5_ABNORMAL_BASELINE: dict[str, dict[int, Decimal]] = {
    "bilirubin": {1: Decimal("1.0"), 2: Decimal("1.5"), 3: Decimal("3.0"), 4: Decimal("10.0")},
    "ast": {2: Decimal("3.0"), 3: Decimal("5.0"), 4: Decimal("20.0")},
    "alt": {2: Decimal("3.0"), 3: Decimal("5.0"), 4: Decimal("20.0")},
}
_V5_TRANSAMINASE_GRADE_1_FROM = Decimal("1.5")

#: Creatinine as multiples of baseline: v4.03 has grades 1-3; v5.0 dropped the grade 1 criterion.
_CREATININE_BASELINE: dict[str, dict[int, Decimal]] = {
    "4.03": {1: Decimal(1), 2: Decimal("1.5"), 3: Decimal("3.0")},
    "5.0": {2: Decimal("1.5"), 3: Decimal("3.0")},
}


class LabGrade(NamedTuple):
    """A CTCAE grade and the words that justify it. `at_most` > `grade` when the lab's LLN was not given."""

    grade: int
    at_most: int
    explanation: str


def grade_lab(
    lab: str,
    value: Measured,
    version: str,
    *,
    lln: Measured | None = None,
    uln: Measured | None = None,
    baseline: Measured | None = None,
) -> LabGrade:
    """The CTCAE `version` grade of one lab value; ObservationError when a needed ULN is missing."""
    if version not in VERSIONS:
        raise ObservationError(f"CTCAE version '{version}' is not supported; use 4.03 or 5.0")
    name = LAB_NAMES[lab]
    if lab in _DECREASE:
        return _decrease(lab, name, value, version, lln)
    if uln is None:
        raise ObservationError(f"{name} {value.text}: give the lab's upper limit of normal (uln) to grade it")
    grades = [_increase(name, ratio(value, uln), _INCREASE_ULN[lab], "ULN", version)]
    if version == "5.0" and baseline is not None and lab in _V5_ABNORMAL_BASELINE and ratio(baseline, uln) > 1:
        grades = [_abnormal_baseline(lab, name, ratio(value, baseline), version)]
    if lab == "creatinine" and baseline is not None:
        grades.append(_increase(name, ratio(value, baseline), _CREATININE_BASELINE[version], "baseline", version))
    return max(grades, key=lambda g: g.grade)


def _decrease(lab: str, name: str, value: Measured, version: str, lln: Measured | None) -> LabGrade:
    bounds = _DECREASE[lab]
    shown = f"{name} {value}"
    for grade in sorted(bounds, reverse=True):
        if value.value < bounds[grade]:
            return LabGrade(grade, grade, f"{shown} < {bounds[grade]} → grade {grade} (CTCAE v{version})")
    lowest = min(bounds)
    if lln is None:
        return LabGrade(
            0,
            1,
            f"{shown} ≥ {bounds[lowest]} → grade 0 or 1 (CTCAE v{version}; give the lab's LLN to tell them apart)",
        )
    if value.value < lln.value:
        return LabGrade(1, 1, f"{shown} < LLN {lln} → grade 1 (CTCAE v{version})")
    return LabGrade(0, 0, f"{shown} ≥ LLN {lln} → grade 0 (CTCAE v{version})")


def _increase(name: str, times: Decimal, bounds: dict[int, Decimal], reference: str, version: str) -> LabGrade:
    for grade in sorted(bounds, reverse=True):
        if times > bounds[grade]:
            return LabGrade(
                grade,
                grade,
                f"{name} {_times(times)} × {reference} > {bounds[grade]} → grade {grade} (CTCAE v{version})",
            )
    return LabGrade(0, 0, f"{name} {_times(times)} × {reference} → grade 0 (CTCAE v{version})")


def _abnormal_baseline(lab: str, name: str, times: Decimal, version: str) -> LabGrade:
    graded = _increase(name, times, _V5_ABNORMAL_BASELINE[lab], "baseline (abnormal baseline)", version)
    if graded.grade == 0 and lab in ("ast", "alt") and times >= _V5_TRANSAMINASE_GRADE_1_FROM:
        return LabGrade(
            1, 1, f"{name} {_times(times)} × baseline (abnormal baseline) ≥ 1.5 → grade 1 (CTCAE v{version})"
        )
    return graded


def _times(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')).normalize():f}"
