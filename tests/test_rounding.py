"""Institutional rounding profiles: increments and vials, limits, caps, refusals.

Adult 170 cm / 70 kg, BSA 1.81812 m² (hand): cytarabine 1 g/m² = 1818.1 mg; liposomal
mitoxantrone 18 mg/m² = 32.726 mg; cladribine 5 mg/m² = 9.0906 mg.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import doses
from hypothesis import given, settings
from hypothesis import strategies as st

from regimencalc.dosing.patient import make_patient
from regimencalc.errors import InputFileError
from regimencalc.planner import plan
from regimencalc.protocol.loader import load_regimen, parse_document
from regimencalc.safety.rounding import RoundingProfile, profile_round


def profile(body: str, max_percent: float = 10, extra: str = "") -> RoundingProfile:
    text = f"schema_version: 1\nname: Test\nsource: test\nmax_percent: {max_percent}\n{extra}drugs:\n{body}"
    return parse_document(text, "rounding.yaml", RoundingProfile)


def clag(rounding: RoundingProfile, who=("170cm", "70kg")):
    return plan(
        load_regimen("clag-lipo-mitoxantrone"), make_patient(*who, 40), dt.date(2026, 1, 5), cycles=1, rounding=rounding
    )


def test_increments_and_vials():
    course = clag(
        profile(
            "  cytarabine: {increment: 50 mg}\n  liposomal mitoxantrone: {vials: [10 mg, 20 mg]}\n  cladribine: {increment: 1 mg}\n"
        )
    )
    ara = doses(course, "cytarabine")[0]
    assert (ara.dose.value, ara.dose.unit) == (1.8, "g")  # 1818.1 mg → 1800 mg, 0.99 %
    assert "rounded to the nearest 50 mg (Test): 1.81812 g → 1.8 g (deviation 1.00 %, limit 10 %)" in ara.trace[-2].text
    assert doses(course, "liposomal mitoxantrone")[0].dose.value == 30.0  # 10 + 20 mg vials; 40 mg is 22 % away
    assert doses(course, "cladribine")[0].dose.value == 9.0
    assert any(f.kind == "rounding-profile" and "institutional profile 'Test'" in f.text for f in course.flags)


def test_a_rounding_beyond_the_limit_is_refused_and_flagged():
    course = clag(profile("  liposomal mitoxantrone: {vials: [10 mg, 20 mg]}\n", max_percent=5))
    mit = doses(course, "liposomal mitoxantrone")[0]
    assert mit.dose.value == 32.7  # default 3 significant figures kept
    assert (
        "not rounded to whole vials of 10 mg, 20 mg (Test): 30 mg would move the dose 8.33 % (limit 5 %)"
        in mit.trace[-3].text
    )
    assert any(f.kind == "rounding-refused" for f in course.flags)


def test_a_refusal_just_past_the_limit_does_not_read_as_a_tie():
    rule = profile("  cytarabine: {increment: 100 mg}\n")
    # 90.906 mg → 100 mg moves it (100 - 90.906) / 90.906 = 10.0037 %: '10.00 % (limit 10 %)' would read as a tie
    assert profile_round(rule, "cytarabine", 90.906, "mg", 1000) == (
        None,
        "not rounded to the nearest 100 mg (Test): 100 mg would move the dose 10.004 % (limit 10 %)",
    )
    # at most 12 vials of 0.001 mg make 0.012 mg: the message says why the amount is so far below the dose
    vials = profile("  cytarabine: {vials: [0.001 mg]}\n")
    assert profile_round(vials, "cytarabine", 21.8, "mg", 1000)[1] == (
        "not rounded to whole vials of 0.001 mg (Test): 0.012 mg (at most MAX_VIALS = 12 vials per dose) would move "
        "the dose 99.94 % (limit 10 %)"
    )


def test_an_absolute_limit_also_refuses():
    course = clag(profile("  cladribine: {increment: 5 mg}\n", extra="max_absolute: 0.5 mg\n"))
    # 9.0906 mg → 10 mg would be 9.1 % (within 10 %) but 0.91 mg (above 0.5 mg)
    assert doses(course, "cladribine")[0].dose.value == 9.09


def test_a_profile_never_rounds_past_a_cap():
    # small adult 150 cm / 40 kg: vindesine 3 mg/m² × 1.29099 = 3.873 mg (cap 4 mg); 2 mg vials → 4 mg, allowed
    small = plan(
        load_regimen("rdc-blinatumomab"),
        make_patient("150cm", "40kg", 40),
        dt.date(2026, 1, 5),
        rounding=profile("  vindesine: {vials: [2 mg]}\n"),
    )
    assert doses(small, "vindesine")[0].dose.value == 4.0
    # 3 mg vials: 3 or 6 mg; 6 mg passes the cap, 3 mg is 22.5 % away: refused, default 3.87 mg kept
    refused = plan(
        load_regimen("rdc-blinatumomab"),
        make_patient("150cm", "40kg", 40),
        dt.date(2026, 1, 5),
        rounding=profile("  vindesine: {vials: [3 mg]}\n"),
    )
    assert doses(refused, "vindesine")[0].dose.value == 3.87
    # a capped dose is the cap itself: the profile does not touch it
    capped = plan(
        load_regimen("rdc-blinatumomab"),
        make_patient("170cm", "70kg", 40),
        dt.date(2026, 1, 5),
        rounding=profile("  vindesine: {vials: [3 mg]}\n"),
    )
    assert doses(capped, "vindesine")[0].dose.value == 4.0


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=0.05, max_value=5000, allow_nan=False),
    st.sampled_from(["0.1 mg", "1 mg", "2.5 mg", "10 mg", "50 mg", "100 mg"]),
    st.floats(min_value=0.5, max_value=25),
    st.one_of(st.none(), st.floats(min_value=0.05, max_value=6000)),
)
def test_a_rounding_never_moves_a_dose_beyond_the_profile_limit_or_past_a_cap(raw, increment, limit, cap):
    rules = profile(f"  x: {{increment: {increment}}}\n", max_percent=round(limit, 2))
    value, _ = profile_round(rules, "x", raw, "mg", cap if cap is not None else float("inf"))
    if value is not None:
        assert abs(value - raw) / raw * 100 <= round(limit, 2) + 1e-9
        assert cap is None or value <= cap


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("  x: {increment: 50 mg, vials: [10 mg]}\n", "give exactly one of 'increment', 'vials' or 'bands'"),
        ("  x: {increment: -5 mg}\n", "is not a number followed by a unit"),
        ("  x: {increment: 5 mL}\n", "must be a positive amount"),
        ("  x: {}\n", "give exactly one"),
    ],
)
def test_bad_profiles_are_refused_with_their_place(body, fragment):
    with pytest.raises(InputFileError) as caught:
        profile(body)
    assert any(fragment in p.message for p in caught.value.problems), caught.value.problems


def test_a_profile_may_not_allow_more_than_25_percent():
    with pytest.raises(InputFileError, match="above the allowed maximum 25"):
        profile("  x: {increment: 1 mg}\n", max_percent=30)


def test_a_dose_banding_table():
    # VICP cyclophosphamide is 1 g flat: band 900 mg to <1000 mg would not hold it; 1000 to <1100 mg → 1050 mg (5 %)
    bands = "  cyclophosphamide:\n    bands:\n      - {low: 900 mg, high: 1000 mg, dose: 950 mg}\n      - {low: 1000 mg, high: 1100 mg, dose: 1050 mg}\n"
    course = plan(load_regimen("vicp"), make_patient("170cm", "70kg", 40), dt.date(2026, 1, 5), rounding=profile(bands))
    cyclo = doses(course, "cyclophosphamide")[0]
    assert (cyclo.dose.value, cyclo.dose.unit) == (1.05, "g")
    assert (
        "rounded to the dose-banding table (Test): 1 g → 1.05 g (deviation 5.00 %, limit 10 %)" in cyclo.trace[-2].text
    )
    outside = "  cyclophosphamide:\n    bands:\n      - {low: 500 mg, high: 900 mg, dose: 700 mg}\n"
    course = plan(
        load_regimen("vicp"), make_patient("170cm", "70kg", 40), dt.date(2026, 1, 5), rounding=profile(outside)
    )
    assert doses(course, "cyclophosphamide")[0].dose.value == 1.0
    assert any("no band or amount fits the dose" in f.text for f in course.flags)
