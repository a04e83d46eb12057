"""Properties that must hold for every input, not just the worked examples (hypothesis)."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from regimencalc.dosing.dose import BodySize, compute_dose
from regimencalc.dosing.patient import make_patient
from regimencalc.planner import plan
from regimencalc.protocol.bundled import bundled_ids
from regimencalc.protocol.loader import load_regimen
from regimencalc.protocol.regimen import DoseSpec
from regimencalc.safety.plausibility import unusual_bsa, unusual_patient

bsas = st.floats(min_value=0.1, max_value=3.5, allow_nan=False)
weights = st.floats(min_value=0.5, max_value=350, allow_nan=False)
per_m2 = st.floats(min_value=0.001, max_value=5000, allow_nan=False)


def spec(amount: float, cap: float | None) -> DoseSpec:
    return DoseSpec(basis="bsa", amount=f"{amount!r} mg/m2", cap=None if cap is None else f"{cap!r} mg")


@given(per_m2, bsas, st.floats(min_value=0.01, max_value=5000, allow_nan=False))
def test_a_dose_never_exceeds_its_cap(amount, bsa, cap):
    result = compute_dose(spec(amount, cap), BodySize(70, bsa, "mosteller"), "s", "s")
    assert result.dose.value <= cap
    assert result.trace[-1].value == result.dose


@given(per_m2, bsas)
def test_default_rounding_stays_within_one_percent(amount, bsa):
    result = compute_dose(spec(amount, None), BodySize(70, bsa, "mosteller"), "s", "s")
    exact = amount * bsa
    assert abs(result.dose.value - exact) <= 0.005 * exact  # 3 significant figures: at most 0.5 %


@given(per_m2, bsas, bsas, st.one_of(st.none(), st.floats(min_value=0.01, max_value=5000)))
def test_a_dose_is_monotone_in_bsa(amount, a, b, cap):
    low, high = sorted((a, b))
    dose_low = compute_dose(spec(amount, cap), BodySize(70, low, "mosteller"), "s", "s").dose.value
    dose_high = compute_dose(spec(amount, cap), BodySize(70, high, "mosteller"), "s", "s").dose.value
    assert dose_low <= dose_high


@given(weights, st.floats(min_value=0.01, max_value=10), st.floats(min_value=1.01, max_value=100))
def test_range_ends_are_rounded_inwards(weight, low, factor):
    dose_spec = DoseSpec(
        basis="weight", amount=f"{low!r} x10^6 cells/kg", amount_max=f"{low * factor!r} x10^6 cells/kg"
    )
    result = compute_dose(dose_spec, BodySize(weight, 1.0, "mosteller"), "s", "s")
    assert result.dose.max is not None
    exact_low, exact_high = low * 1e6 * weight, low * factor * 1e6 * weight
    assert exact_low * (1 - 1e-12) <= result.dose.value <= result.dose.max <= exact_high * (1 + 1e-12)


patients = st.tuples(
    st.floats(min_value=60, max_value=210),
    st.floats(min_value=5, max_value=200),
).filter(lambda hw: not unusual_patient(hw[0], hw[1], None) and unusual_bsa((hw[0] * hw[1] / 3600) ** 0.5, "") is None)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(bundled_ids()),
    patients,
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)),
    st.sampled_from(["CR", "CRi", "PR", "NR"]),
)
def test_dates_never_go_backwards_and_caps_hold_for_every_bundled_regimen(regimen_id, hw, start, response):
    height, weight = hw
    course = plan(load_regimen(regimen_id), make_patient(f"{height!r} cm", f"{weight!r} kg"), start, response=response)
    starts = [c.start_date for c in course.cycles]
    assert starts[0] == start and all(a < b for a, b in pairwise(starts))
    dates = [a.date for a in course.administrations]
    assert dates == sorted(dates) and dates[0] >= start - dt.timedelta(days=1)
    for a in course.administrations:
        assert a.date == course.cycles[a.cycle - 1].start_date + dt.timedelta(days=a.day - 1)
        if a.drug == "vindesine":
            assert a.dose.value <= 4
        if a.drug == "blinatumomab":
            assert a.dose.value <= (9 if a.cycle == 1 and a.day <= 7 else 28)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(bundled_ids()), patients)
def test_planning_twice_gives_the_same_course(regimen_id, hw):
    patient = make_patient(f"{hw[0]!r} cm", f"{hw[1]!r} kg")
    regimen = load_regimen(regimen_id)
    first = plan(regimen, patient, dt.date(2026, 1, 5), response="CR")
    assert plan(regimen, patient, dt.date(2026, 1, 5), response="CR") == first
    assert len({a.id for a in first.administrations}) == len(first.administrations)


def test_a_capped_dose_is_the_cap_itself_not_a_rounded_cap():
    # found by test_a_dose_never_exceeds_its_cap: 34 mg/m² × 3 m² = 102 mg, cap 100.5 mg
    result = compute_dose(spec(34.0, 100.5), BodySize(70, 3.0, "mosteller"), "s", "s")
    assert result.dose.value == 100.5 and result.capped


def test_rounding_up_never_passes_the_cap():
    # 2 mg/m² × 2.498 m² = 4.996 mg, cap 4.998 mg: 3 s.f. would give 5.00
    result = compute_dose(spec(2.0, 4.998), BodySize(70, 2.498, "mosteller"), "s", "s")
    assert result.dose.value == 4.99 and not result.capped
    assert "rounding up would pass the cap" in result.trace[-2].text
