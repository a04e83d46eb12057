"""The rough edges a new user hits (issue 12), each pinned by the message or the value it now gives."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from regimencalc.dosing.patient import make_patient
from regimencalc.errors import PatientInputError

ADULT = ("--height", "170cm", "--weight", "70kg", "--start", "2026-01-05")
MIXED = Path(__file__).parent / "fixtures" / "mixed" / "schema_and_whole_regimen.yaml"


def test_bsa_takes_the_accept_unusual_option_its_message_names(run_cli):
    code, out, err = run_cli("bsa", "--height", "170cm", "--weight", "300kg")
    assert code == 1 and out == ""
    assert err == (
        "regimencalc: error: weight 300 kg is outside the usual range 1-250 kg; "
        "check the value and its unit, or confirm it with --accept-unusual weight\n"
    )
    code, out, err = run_cli(
        "bsa", "--height", "170cm", "--weight", "300kg", "--accept-unusual", "weight", "--accept-unusual", "bmi"
    )
    # √(170 × 300 / 3600) = √14.1667 = 3.764 m²; BMI 300 / 1.7² = 103.8
    assert code == 0, err
    assert out.startswith("Mosteller        3.764 m²")
    assert "note: weight 300 kg is outside the usual range 1-250 kg: confirmed with --accept-unusual weight" in out


@pytest.mark.parametrize(
    ("weight", "bmi"),
    [
        ("154kg", "53.3"),  # 70 kg written as 154 (its weight in pounds) in kg: 154 / 1.7² = 53.29
        ("70lb", "11.0"),  # 70 kg written as 70 lb: 70 × 0.45359 = 31.75 kg; 31.75 / 1.7² = 10.99
    ],
)
def test_a_pound_for_a_kilogram_is_caught_by_the_bmi(weight, bmi):
    with pytest.raises(PatientInputError) as caught:
        make_patient("170cm", weight, 40)
    assert str(caught.value) == (
        f"BMI {bmi} kg/m² is outside the usual range 12-50 kg/m²; "
        "check the value and its unit, or confirm it with --accept-unusual bmi"
    )
    assert make_patient("170cm", weight, 40, accept=frozenset({"bmi"})).confirmed[0].startswith(f"BMI {bmi} kg/m²")


def test_small_children_keep_the_lower_bmi_bound():
    # a newborn of 50 cm and 3 kg: BMI 3 / 0.5² = 12.0; a 2-month-old of 55 cm and 3.2 kg: 10.6, usual for its age
    assert make_patient("55cm", "3.2kg", "2 months").confirmed == ()
    with pytest.raises(PatientInputError, match="BMI 10.6 kg/m² is outside the usual range 12-50"):
        make_patient("55cm", "3.2kg", 30)


def test_validate_reports_schema_and_whole_regimen_problems_in_one_run(run_cli):
    code, out, err = run_cli("validate", str(MIXED))
    assert code == 1 and err == "1 of 1 file has problems\n"
    assert out.splitlines() == [
        f"{MIXED}:20:36: phases[0].lines[0].dose.amount: dose '3 furlongs/m2': unknown unit 'furlongs'; "
        "write e.g. '3 mg/m2', '5 mcg/kg' or '28 mcg/day'",
        f"{MIXED}:26:17: phases[0].lines[1].source: source 'seed-999' is not declared under 'sources' (declared: seed-003)",
        f"{MIXED}:24:15: phases[0].lines[1].days: day 30 is outside the 28-day cycle (days 0-28); "
        "lengthen 'length_days' or fix the day",
    ]


def test_csv_numbers_have_no_trailing_zeros(run_cli):
    code, out, _ = run_cli("schedule", "rdc-blinatumomab", *ADULT, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert {r["dose_value"] for r in rows if r["drug"] == "vindesine"} == {"4"}  # capped at 4 mg, not 4.0
    assert {r["rate_value"] for r in rows if r["drug"] == "blinatumomab"} == {"9", "28"}
    assert not any(value.endswith(".0") for row in rows for value in row.values())


def test_unit_names_in_capitals_are_read():
    assert make_patient("170 CM", "70 KG") == make_patient("170cm", "70kg")
    assert make_patient("5 FT 7 IN", "154 LB").weight_kg == make_patient("5ft 7in", "154lb").weight_kg


@pytest.mark.parametrize(
    ("typed", "years"), [("9 months", 0.75), ("9 Months", 0.75), ("18 mo", 1.5), ("45 years", 45.0), ("45", 45.0)]
)
def test_an_age_in_months_is_read(typed, years):
    assert make_patient("70cm", "8kg", typed, accept=frozenset({"height-for-age", "weight-for-age"})).age_years == years


def test_an_infant_age_is_printed_in_months(run_cli):
    args = ("inotuzumab-infant-extended", "--height", "70cm", "--weight", "8kg", "--start", "2026-01-05")
    code, out, err = run_cli("schedule", *args, "--age", "9 months", "--response", "CR")
    assert code == 0, err
    assert "patient height 70 cm, weight 8 kg, age 9 months" in out
    code, _, err = run_cli("schedule", *args, "--age", "9 potatoes")
    assert code == 1 and "age '9 potatoes' is not an age; write e.g. 45, 45 years, 9 months or 6 weeks" in err


def test_counts_are_pluralised(run_cli):
    code, out, _ = run_cli("schedule", "tisagenlecleucel", *ADULT, "--age", "20")
    assert code == 0
    assert "cycle 1 day 1 = 2026-01-05 · 1 cycle ·" in out and "starts 2026-01-05, 1 day" in out
    assert "over 1 administration" in out and "(s)" not in out
    code, out, _ = run_cli("show", "blinatumomab")
    assert "PHASE Cycle 1 (induction, step dose) — 1 cycle of 42 days" in out


def test_cell_doses_are_written_on_one_scale(run_cli):
    code, out, _ = run_cli("schedule", "tisagenlecleucel", *ADULT, "--age", "20")
    # over 50 kg: 0.1 to 2.5 ×10⁸ cells (label), flat; prescribed and dose on the same scale
    assert "0.1 – 2.5 ×10⁸ cells  0.1 – 2.5 ×10⁸ cells (label-tisagenlecleucel)" in out
    assert "×10⁷" not in out


def test_daily_doses_say_per_day_like_infusions(run_cli):
    code, out, _ = run_cli("schedule", "rdc-blinatumomab", *ADULT, "--age", "40")
    rows = [
        line
        for line in out.splitlines()
        if line.startswith(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")) and " dexamethasone " in line
    ]
    # dexamethasone 9 mg/m²/day × 1.818 m² = 16.36 → 16.4 mg a day, written as the infusions are
    assert len(rows) == 7 and all("16.4 mg/day" in row for row in rows)


def test_totals_group_thousands(run_cli):
    code, out, _ = run_cli("schedule", "blinatumomab", *ADULT, "--age", "40")
    # cycle 1: 7 × 9 + 21 × 28 = 651 mcg; cycles 2-9: 8 × 28 × 28 = 6272 mcg; 6923 mcg over 7 + 21 + 8 × 28 = 252 days
    assert "blinatumomab: 6,923 mcg over 252 administrations" in out
