"""Weight bands as data, the small-child flag, the BSA cap option and weight changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import doses

from regimencalc.dosing.patient import make_patient
from regimencalc.errors import PatientInputError
from regimencalc.planner import plan
from regimencalc.protocol.loader import load_regimen, parse_document
from regimencalc.replan.observations import Observations
from regimencalc.safety.plausibility import parse_bsa_cap

VINCRISTINE = Path(__file__).parent / "fixtures" / "vincristine-bands.yaml"
START = dt.date(2026, 1, 5)


@pytest.mark.parametrize(
    ("height", "weight", "age", "dose", "capped"),
    [
        ("70cm", "8kg", "0.7", 0.4, False),  # 0.05 mg/kg × 8 kg
        ("75cm", "10kg", "0.9", 0.5, False),  # 10 kg is still per kg: 0.05 × 10
        ("85cm", "12kg", "1.5", 0.798, False),  # 1.5 mg/m² × √(85 × 12 / 3600) = 1.5 × 0.53229 = 0.7984
        ("170cm", "70kg", "40", 2.0, True),  # 1.5 × 1.81812 = 2.727 → 2 mg cap
    ],
)
def test_vincristine_weight_bands_from_the_label(height, weight, age, dose, capped):
    course = plan(load_regimen(VINCRISTINE), make_patient(height, weight, age), START)
    given = doses(course, "vincristine")
    assert [a.day for a in given] == [1, 8, 15, 22] and {a.dose.value for a in given} == {dose}
    assert any(f.kind == "cap-applied" for f in course.flags) is capped


@pytest.mark.parametrize(
    ("height", "weight", "age", "flagged"),
    [("70cm", "8kg", "0.7", True), ("85cm", "12kg", "1.5", True), ("105cm", "17kg", "4", False)],
)
def test_small_child_flag_below_10_kg_or_0_6_m2(height, weight, age, flagged):
    # 85 cm / 12 kg: BSA 0.532 m² < 0.6 although over 10 kg; 105 cm / 17 kg: 0.705 m²
    course = plan(load_regimen(VINCRISTINE), make_patient(height, weight, age), START)
    assert any(f.kind == "small-child" for f in course.flags) is flagged


def test_bsa_cap_is_an_explicit_flagged_institutional_option():
    # large adult 190 cm / 110 kg: BSA 2.40947 m²; cytarabine 1 g/m² → 2.41 g uncapped, 2 g capped at 2 m²
    regimen = load_regimen("clag-lipo-mitoxantrone")
    plain = plan(regimen, make_patient("190cm", "110kg", 40), START, cycles=1)
    capped = plan(regimen, make_patient("190cm", "110kg", 40), START, cycles=1, bsa_cap=2.0)
    assert doses(plain, "cytarabine")[0].dose.value == 2.41 and doses(capped, "cytarabine")[0].dose.value == 2.0
    assert (
        "2.000 m² (BSA, Mosteller, capped from 2.409 m² (institutional))"
        in doses(capped, "cytarabine")[0].trace[1].text
    )
    (flag,) = [f for f in capped.flags if f.kind == "bsa-cap"]
    assert "ASCO 2012/2021 recommend full weight-based dosing" in flag.text
    assert not any(f.kind == "bsa-cap" for f in plain.flags)


@pytest.mark.parametrize(("text", "value"), [("2m2", 2.0), ("2.2 m²", 2.2)])
def test_bsa_cap_parsing(text, value):
    assert parse_bsa_cap(text) == value


@pytest.mark.parametrize(
    ("text", "message"), [("2", "is not an area"), ("2 kg", "is not an area"), ("0.5m2", "between 1 and 3")]
)
def test_bad_bsa_caps(text, message):
    with pytest.raises(PatientInputError, match=message):
        parse_bsa_cap(text)


@pytest.mark.parametrize(("weight", "flagged"), [("63.1kg", False), ("63kg", True), ("77kg", True), ("76.9kg", False)])
def test_a_weight_change_of_10_percent_is_flagged(weight, flagged):
    # doses use 70 kg: 63 kg is exactly 10 % below, 77 kg exactly 10 % above
    observations = parse_document(
        f"schema_version: 1\nentries:\n  - {{id: w, date: 2026-01-20, weight: {weight}}}\n", "o.yaml", Observations
    )
    course = plan(
        load_regimen("clag-lipo-mitoxantrone"), make_patient("170cm", "70kg", 40), START, observations=observations
    )
    found = [f.text for f in course.flags if f.kind == "weight-change"]
    assert bool(found) is flagged
    if flagged:
        assert "these doses use: recalculate with --weight" in found[0] and "(w)" in found[0]


AGE_BANDS = Path(__file__).parent / "fixtures" / "age-bands.yaml"


@pytest.mark.parametrize(
    ("height", "weight", "age", "dose", "band"),
    [
        ("70cm", "8kg", "0.5", 24.0, "age 6 months is < 1 year"),  # 3 mg/kg × 8 kg
        ("75cm", "9kg", "0.999", 27.0, "age 11.99 months is < 1 year"),  # 11.988 months: '12' would read false
        ("76cm", "10kg", "1", 45.9, "age 12 months is ≥ 12 months"),  # 100 mg/m² × √(76 × 10 / 3600) = 45.947 → 45.9
        ("85cm", "12kg", "2", 53.2, "age 2 years is ≥ 12 months"),  # 100 × 0.53229
    ],
)
def test_age_bands_as_data(height, weight, age, dose, band):
    course = plan(load_regimen(AGE_BANDS), make_patient(height, weight, age), START)
    (given,) = course.administrations
    assert given.dose.value == dose
    assert any(step.kind == "band" and band in step.text for step in given.trace)


def test_an_age_band_needs_the_age():
    from regimencalc.errors import PlanningError

    with pytest.raises(PlanningError, match=r"the dose of testdrug depends on age .*give --age"):
        plan(load_regimen(AGE_BANDS), make_patient("76cm", "10kg"), START)


def test_age_bands_must_cover_every_age():
    from regimencalc.errors import InputFileError
    from regimencalc.protocol.loader import parse_regimen

    text = AGE_BANDS.read_text().replace('age: ">= 12 months"', 'age: "> 1 year"')
    with pytest.raises(InputFileError, match="at 1 years falls in no band"):
        parse_regimen(text, "gap.yaml")
