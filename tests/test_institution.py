"""The institutional profile (--institution FILE or REGIMENCALC_INSTITUTION): strict schema with located
errors, and every value it supplies printed with its local source (docs/institution.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import course_for

from regimencalc.errors import InputFileError
from regimencalc.render.sheet import SheetInfo, render_sheet_html
from regimencalc.safety.institution import load_institution

EXAMPLE = str(Path(__file__).resolve().parents[1] / "docs" / "examples" / "institution.yaml")
BROKEN = Path(__file__).parent / "fixtures" / "broken-institution"
CASES = {
    "bad_duration": (5, 26, "administration.idarubicin.duration", "'15 mg' is not a duration"),
    "bsa_cap_too_high": (4, 19, "bsa_cap.cap_m2", "4 is above the allowed maximum 3.0"),
    "missing_source": (6, 5, "intrathecal.methotrexate.source", "required field 'source' is missing"),
    "overlapping_ages": (6, 5, "intrathecal.methotrexate", "age bands < 3 years and >= 1 year overlap"),
    "per_m2_intrathecal": (8, 35, "intrathecal.methotrexate.doses[0].dose", "must be a flat amount per injection"),
    "unknown_field": (10, 5, "premedication.inotuzumab-corticosteroid.note", "unknown field 'note'"),
    "rounding_too_wide": (8, 16, "rounding.max_percent", "40 is above the allowed maximum 25.0"),
    "band_without_limits": (
        10,
        9,
        "premedication.inotuzumab-corticosteroid.bands[0]",
        "a band needs 'age', 'weight' or both",
    ),
    "agents_key_without_line": (
        5,
        3,
        "intrathecal_agents",
        "'rdc-blinatumomab' is not 'regimen-id/intrathecal-line-id'; write e.g. rdc-blinatumomab/cns-prophylaxis",
    ),
}


@pytest.mark.parametrize(("name", "line", "column", "path", "fragment"), [(k, *v) for k, v in CASES.items()])
def test_each_broken_profile_names_its_place_and_fix(name, line, column, path, fragment):
    with pytest.raises(InputFileError) as caught:
        load_institution(str(BROKEN / f"{name}.yaml"))
    (problem,) = caught.value.problems
    assert (problem.line, problem.column, problem.path) == (line, column, path)
    assert fragment in problem.message


def test_every_broken_profile_has_a_case():
    assert sorted(p.stem for p in BROKEN.glob("*.yaml")) == sorted(CASES)


def test_intrathecal_dose_by_age_from_the_profile_with_its_source_on_the_sheet():
    profile = load_institution(EXAMPLE)
    course = course_for("vmp-lipo-mitoxantrone", "adult", age=40, institution=profile)
    it = {s.agent: s for s in course.supportive if s.kind == "intrathecal"}
    assert {a: (s.dose_text, s.dose.value) for a, s in it.items()} == {
        "methotrexate": ("8 mg", 8.0),
        "cytarabine": ("30 mg", 30.0),
        "dexamethasone": ("5 mg", 5.0),
    }
    assert it["methotrexate"].local == "Protocol book, section 7.2 intrathecal therapy (fictional)"
    assert not any(f.kind == "local-protocol" for f in course.flags)
    html = render_sheet_html(course, SheetInfo(written=dt.date(2026, 1, 1)))
    assert (
        "local protocol: intrathecal methotrexate: <strong>8 mg (&gt;= 1 year)</strong> "
        "(Protocol book, section 7.2 intrathecal therapy (fictional))" in html
    )


def test_infant_band_and_agents_chosen_for_an_unnamed_triple_intrathecal():
    profile = load_institution(EXAMPLE)
    course = course_for("inotuzumab-infant-extended", "infant", age=0.75, institution=profile, cycles=1)
    it = [(s.agent, s.dose_text) for s in course.supportive if s.kind == "intrathecal"]
    assert it == [("methotrexate", "6 mg"), ("cytarabine", "15 mg"), ("dexamethasone", "5 mg")]
    assert any(
        v.what == "intrathecal agents for inotuzumab-infant-extended/triple-intrathecal"
        for v in course.institution.values
    )


def test_without_age_the_profile_dose_is_not_guessed():
    profile = load_institution(EXAMPLE)
    course = course_for("vicp", "adult", institution=profile)
    it = [s for s in course.supportive if s.kind == "intrathecal"]
    assert {s.dose_text for s in it} == {"dose per local protocol"}
    assert any("the age is not given (give --age)" in f.text for f in course.flags)


def test_an_agent_or_age_the_profile_lacks_is_flagged_not_guessed():
    from regimencalc.protocol.loader import parse_document
    from regimencalc.safety.institution import Institution

    text = (
        "schema_version: 1\nname: h\nsource: s\nintrathecal:\n  methotrexate:\n    source: it book\n"
        "    doses: [{age: '< 1 year', dose: 6 mg}]\n"
    )
    profile = parse_document(text, "h.yaml", Institution)
    course = course_for("vicp", "adult", age=40, institution=profile)
    flags = [f.text for f in course.flags if f.kind == "local-protocol"]
    assert flags == [
        "intrathecal methotrexate (CNS prophylaxis (intrathecal methotrexate, cytarabine and dexamethasone)): dose "
        "per local protocol: the institutional profile has no methotrexate dose for age 40 years",
        "intrathecal cytarabine (CNS prophylaxis (intrathecal methotrexate, cytarabine and dexamethasone)): dose "
        "per local protocol: the institutional profile gives no intrathecal cytarabine doses (add 'intrathecal: "
        "cytarabine')",
        "intrathecal dexamethasone (CNS prophylaxis (intrathecal methotrexate, cytarabine and dexamethasone)): dose "
        "per local protocol: the institutional profile gives no intrathecal dexamethasone doses (add 'intrathecal: "
        "dexamethasone')",
    ]
    assert course.institution.values == ()


def test_premedication_choice_computed_by_its_basis():
    # paracetamol 15 mg/kg × 70 kg = 1050 mg, capped at 1000 mg
    profile = load_institution(EXAMPLE)
    course = course_for("inotuzumab-ozogamicin", "adult", cycles=1, institution=profile)
    first = [(s.agent, s.dose_text, s.route) for s in course.supportive if s.kind == "premedication" and s.day == 1]
    assert first == [
        ("methylprednisolone", "100 mg", "IV"),
        ("paracetamol", "1,000 mg", "PO"),
        ("cetirizine", "10 mg", "PO"),
    ]


# The example profile: methylprednisolone 100 mg flat, with bands "< 18 years" and "< 45 kg" at 1 mg/kg (max
# 100 mg); cetirizine 10 mg flat, no band. A flat dose for a patient under 18 years or 45 kg whom no band
# covers is flagged "check the dose for this patient".
@pytest.mark.parametrize(
    ("height", "weight", "age", "methylprednisolone", "cetirizine_checked"),
    [
        ("170cm", "70kg", "40", "100 mg", False),  # adult: the flat dose, nothing to check
        ("85cm", "11kg", "2", "11 mg", True),  # 1 mg/kg × 11 kg = 11 mg (age band); 10 mg cetirizine checked
        ("170cm", "60kg", "17", "60 mg", True),  # 1 mg/kg × 60 kg (age band); under 18: checked
        ("160cm", "44kg", "40", "44 mg", True),  # 1 mg/kg × 44 kg (weight band); under 45 kg: checked
        ("160cm", "45kg", "40", "100 mg", False),  # 45 kg is not under 45 kg: the flat dose, unchecked
        ("170cm", "70kg", None, "100 mg", False),  # no age: an age band does not cover; 70 kg is not small
    ],
)
def test_flat_premedication_is_checked_for_children_and_small_patients(
    height, weight, age, methylprednisolone, cetirizine_checked
):
    from regimencalc.dosing.patient import make_patient
    from regimencalc.planner import plan
    from regimencalc.protocol.loader import load_regimen

    course = plan(
        load_regimen("inotuzumab-ozogamicin"),
        make_patient(height, weight, age),
        dt.date(2026, 1, 5),
        cycles=1,
        institution=load_institution(EXAMPLE),
    )
    first = {s.agent: s for s in course.supportive if s.kind == "premedication" and s.day == 1}
    assert first["methylprednisolone"].dose_text == methylprednisolone
    checks = {f.id: f.text for f in course.flags if f.kind == "local-dose-check"}
    assert not set(first["methylprednisolone"].flags) & set(checks)
    assert bool(set(first["cetirizine"].flags) & set(checks)) is cetirizine_checked
    if cetirizine_checked:
        assert list(checks.values()) == [
            "inotuzumab ozogamicin premedication (inotuzumab-antihistamine): the institutional profile's flat "
            f"cetirizine 10 mg is given to a patient of {age} years and {weight[:-2]} kg, under 18 years or 45 kg, and no "
            "band of the profile covers this patient: check the dose for this patient (add 'bands' by age or weight "
            "to the profile's premedication choice)"
        ]


ADULT = ("--height", "170cm", "--weight", "70kg", "--start", "2026-01-05", "--age", "40")


def test_cli_profile_rounds_and_caps_and_prints_local_values(run_cli):
    # idarubicin 8 mg/m² × 1.818118 m² = 14.54494 mg → nearest 1 mg = 15 mg (deviation 3.13 %, within 10 %)
    code, out, err = run_cli("schedule", "rdc-blinatumomab", *ADULT, "--institution", EXAMPLE)
    assert code == 0, err
    assert (
        "rounded to the nearest 1 mg (Example hospital rounding): 14.5449 mg → 15 mg (deviation 3.13 %, limit 10 %)"
        in out
    )
    assert "local protocol: BSA cap: 2 m² (Dose-capping policy DC-3 (fictional))" in out
    assert "local protocol: administration of idarubicin: duration 15 min" in out


def test_cli_profile_from_the_environment(run_cli, monkeypatch):
    monkeypatch.setenv("REGIMENCALC_INSTITUTION", EXAMPLE)
    code, out, _ = run_cli("schedule", "vicp", *ADULT)
    assert code == 0 and "INSTITUTIONAL PROFILE Example University Hospital" in out


def test_a_missing_profile_from_the_environment_names_the_variable(run_cli, monkeypatch, tmp_path):
    missing = tmp_path / "nowhere.yaml"
    monkeypatch.setenv("REGIMENCALC_INSTITUTION", str(missing))
    code, out, err = run_cli("schedule", "vicp", *ADULT)
    assert (code, out) == (2, "")
    assert err == (
        f"regimencalc: error: REGIMENCALC_INSTITUTION={missing}: File '{missing}' does not exist; fix the path or "
        "unset the variable (see regimencalc schedule --help)\n"
    )


def test_cli_refuses_rounding_given_twice(run_cli):
    rounding = str(Path(__file__).parent / "fixtures" / "rounding-1mg.yaml")
    code, out, err = run_cli("schedule", "vicp", *ADULT, "--institution", EXAMPLE, "--rounding", rounding)
    assert code == 1 and out == ""
    assert err == (
        "regimencalc: error: --rounding and the institutional profile 'Example University Hospital, haematology "
        "pharmacy (example values)' both give rounding; remove one\n"
    )


def test_profile_plausibility_limits_replace_the_defaults(run_cli):
    # 220 kg is inside the default usual weight (1-250 kg) but outside the profile's 2-200 kg
    args = ("schedule", "vicp", "--height", "200cm", "--weight", "220kg", "--start", "2026-01-05")
    code, _, err = run_cli(*args, "--institution", EXAMPLE, "--accept-unusual", "bmi", "--accept-unusual", "bsa")
    assert code == 1
    assert err == (
        "regimencalc: error: weight 220 kg is outside the usual range 2-200 kg; check the value and its unit, "
        "or confirm it with --accept-unusual weight\n"
    )


def test_local_daily_split_replaces_the_question():
    profile = load_institution(EXAMPLE)
    course = course_for("rdc-blinatumomab", "adult", age=40, institution=profile)
    dexamethasone = [s for s in course.supportive if s.for_drug == "dexamethasone"]
    assert [(s.id, s.text, s.local) for s in dexamethasone] == [
        (
            "dexamethasone/local-administration",
            "dexamethasone: once daily in the morning",
            "Protocol book, section 3 steroids (fictional)",
        ),
        (
            "dexamethasone/infusion",
            "dexamethasone: infusion duration and rate not given by a verified source: per local protocol",
            None,
        ),
    ]


def test_the_example_profile_follows_the_exported_schema(run_cli):
    import json

    import jsonschema
    from ruamel.yaml import YAML

    code, out, _ = run_cli("schema", "--of", "institution")
    assert code == 0
    schema = json.loads(out)
    example = YAML(typ="safe").load(Path(EXAMPLE).read_text(encoding="utf-8"))
    jsonschema.validate(example, schema)
    example["bsa_cap"]["cap_m2"] = 4
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(example, schema)


def test_profile_bsa_limit_checks_the_computed_bsa():
    # 190 cm, 110 kg: Mosteller √(190 × 110 / 3600) = 2.40947 m², inside the default 0.15-3 m² but not 0.5-2.2
    from regimencalc.errors import PatientInputError
    from regimencalc.protocol.loader import parse_document
    from regimencalc.safety.institution import Institution

    text = "schema_version: 1\nname: h\nsource: s\nplausibility:\n  bsa: {min: 0.5, max: 2.2, source: local}\n"
    profile = parse_document(text, "h.yaml", Institution)
    with pytest.raises(PatientInputError) as caught:
        course_for("vicp", "large", institution=profile)
    assert str(caught.value) == (
        "BSA 2.409 m² (Mosteller) is outside the usual range 0.5-2.2 m²; check the value and its unit, "
        "or confirm it with --accept-unusual bsa"
    )
    assert course_for("vicp", "large").patient.bsa_m2 == pytest.approx(2.40947, abs=1e-5)


def test_the_bag_line_says_the_profiles_duration_or_asks_for_one():
    seven_day = "the 7-day bag contains a preservative and is not recommended for patients under 22 kg"
    for institution, duration in (
        (
            None,
            "bag duration per local protocol (set 'administration: blinatumomab: duration' in the institutional profile)",
        ),
        (load_institution(EXAMPLE), "bag duration 24 h (local protocol)"),  # the example profile's 24 h
    ):
        course = course_for("blinatumomab", "adult", age=40, cycles=1, institution=institution)
        (bags,) = [s for s in course.supportive if s.id == "blinatumomab/bags"]
        assert bags.text == f"blinatumomab: {duration}; {seven_day}"


def test_the_dose_check_flag_writes_an_infants_age_in_months():
    # 8 months = 0.6667 years: written as people say it, never as a float's digits
    course = course_for(
        "inotuzumab-infant-extended", "infant", age="8 months", cycles=1, institution=load_institution(EXAMPLE)
    )
    texts = [f.text for f in course.flags if f.kind == "local-dose-check"]
    assert texts and all("a patient of 8 months and 12 kg" in t for t in texts), texts
