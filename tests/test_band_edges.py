"""A band's trace reads true at its edge: the weight or age is printed with the digits it needs."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from regimencalc.display import format_against, format_age
from regimencalc.dosing.patient import make_patient
from regimencalc.planner import plan
from regimencalc.protocol.loader import load_regimen

START = dt.date(2026, 1, 5)


def _band_text(regimen: str, weight: str, age: str = "20") -> str:
    course = plan(load_regimen(regimen), make_patient("165cm", weight, age), START)
    return next(s.text for a in course.administrations for s in a.trace if s.kind == "band")


def test_a_weight_just_over_an_edge_is_printed_over_it():
    # tisagenlecleucel: '> 50 kg' band; 50.001 rounded to 4 figures is 50, which is not > 50
    assert _band_text("tisagenlecleucel", "50.001kg").startswith("weight 50.001 kg is > 50 kg")
    # blinatumomab: '< 45 kg' band; 44.999 to 4 figures is 45.00, which is not < 45
    assert _band_text("blinatumomab", "44.999kg").startswith("weight 44.999 kg is < 45 kg")
    assert _band_text("blinatumomab", "45kg").startswith("weight 45 kg is ≥ 45 kg")


def test_ages_are_written_as_people_say_them_and_true_at_the_edge():
    assert format_age(0.11499) == "1.4 months"
    assert format_age(0.999, lambda years: years < 1) == "11.99 months"  # 11.988 months; '12' would read >= 1 year
    assert format_age(40) == "40 years"


@settings(max_examples=200)
@given(st.floats(min_value=1, max_value=300), st.floats(min_value=1, max_value=300))
def test_the_number_printed_is_on_the_same_side_of_the_edge(value, edge):
    for holds in (lambda v: v < edge, lambda v: v <= edge, lambda v: v > edge, lambda v: v >= edge):
        shown = format_against(value, holds, 4)
        assert holds(float(shown)) == holds(value)
    assert re.fullmatch(r"[0-9.]+", shown)


def test_a_usual_range_refusal_shows_the_digits_that_put_it_outside():
    from regimencalc.safety.plausibility import unusual_bsa

    unusual = unusual_bsa(3.0004, "Mosteller")
    assert unusual is not None and unusual.text == "BSA 3.0004 m² (Mosteller) is outside the usual range 0.15-3 m²"
    assert unusual_bsa(3.0, "Mosteller") is None  # 3 m² itself is inside


def test_times_uln_just_over_the_bound_is_not_printed_as_the_bound():
    from pathlib import Path

    from regimencalc.replan.observations import Observations

    rules = Path(__file__).parent / "fixtures" / "rules.yaml"
    observations = Observations.model_validate(
        {
            "schema_version": 1,
            "limits": {"uln": {"bilirubin": "1.2 mg/dL", "alt": "40 U/L"}},
            "entries": [{"id": "liver", "date": "2026-01-06", "labs": {"bilirubin": "1.804 mg/dL", "alt": "101 U/L"}}],
        }
    )
    course = plan(load_regimen(str(rules)), make_patient("170cm", "70kg"), START, observations=observations)
    texts = " ".join(f.text for f in course.flags)
    # 1.804 / 1.2 = 1.50333: to 0.01 it is 1.50, which is not above 1.5; 101 / 40 = 2.525 → 2.52 (half-even)
    assert "total bilirubin 1.804 mg/dL = 1.503 × ULN > 1.5 × ULN (liver, 2026-01-06)" in texts
    assert "ALT 101 U/L = 2.52 × ULN > 2.5 × ULN" in texts
