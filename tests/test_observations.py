"""Observations: the file format, responses deciding branches, and records of what was given."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import doses

from regimencalc.dosing.patient import make_patient
from regimencalc.errors import InputFileError, ObservationError
from regimencalc.planner import plan
from regimencalc.protocol.loader import load_regimen, parse_document
from regimencalc.replan.observations import Observations

START = dt.date(2026, 1, 5)


def observations(text: str) -> Observations:
    return parse_document(text, "obs.yaml", Observations)


def replan(regimen_id: str, text: str, start: dt.date = START, **options: object):
    return plan(
        load_regimen(regimen_id), make_patient("170cm", "70kg"), start, observations=observations(text), **options
    )


def test_file_is_read_with_exact_labs_and_ids():
    obs = observations(
        "schema_version: 1\nctcae_version: '4.03'\nlimits: {uln: {alt: 40 U/L}}\nentries:\n"
        "  - {id: a, date: 2026-01-07, labs: {anc: 800/mm3, platelets: 0.04 x10^12/L, hemoglobin: 95 g/L}}\n"
        "  - {cycle: 1, day: 8, toxicities: {crs: 3, seizure: 1}, response: CR, mrd: negative}\n"
    )
    first = obs.entries[0]
    assert [str(first.labs[k]) for k in ("anc", "platelets", "hemoglobin")] == ["0.8 ×10⁹/L", "40 ×10⁹/L", "9.5 g/dL"]
    assert obs.entry_id(0) == "a" and obs.entry_id(1) == "entry-2"
    assert obs.entries[1].toxicities == {"crs": 3, "seizure": 1} and obs.ctcae_version == "4.03"


BAD = [
    ("labs: {wbcc: 1 x10^9/L}", 4, "entries[0].labs", "unknown lab 'wbcc'"),
    ("labs: {anc: 0.8}", 4, "entries[0].labs", "anc 0.8 has no unit"),
    ("labs: {anc: 0.8 kg}", 4, "entries[0].labs", "count '0.8 kg' needs a per-volume unit"),
    ("labs: {alt: 45}", 4, "entries[0].labs", "alt 45 has no unit"),
    ("toxicities: {crs: 7}", 4, "entries[0].toxicities.crs", "7 is above the allowed maximum 5"),
    ("toxicities: {CRS: 2}", 4, "entries[0].toxicities", "must be lower case words"),
    ("response: CR/CRi", 4, "entries[0].response", "is not allowed; use one of 'CR', 'CRi', 'PR' or 'NR'"),
    ("cycle: 1", 3, "entries[0]", "date the entry once"),
]


@pytest.mark.parametrize(("extra", "line", "path", "fragment"), BAD, ids=[b[3] for b in BAD])
def test_bad_entries_are_refused_with_their_place(extra, line, path, fragment):
    text = f"schema_version: 1\nentries:\n  - date: 2026-01-06\n    {extra}\n"
    with pytest.raises(InputFileError) as caught:
        observations(text)
    (problem,) = caught.value.problems
    assert (problem.line, problem.path) == (line, path) and fragment in problem.message


def test_an_entry_before_the_start_is_refused_before_anything_is_planned():
    with pytest.raises(
        ObservationError, match=r"observation early \(2026-01-03\) is before the course starts \(2026-01-05\)"
    ):
        replan("rdc-blinatumomab", "schema_version: 1\nentries:\n  - {id: early, date: 2026-01-03, response: CR}\n")


def test_day_0_of_cycle_1_is_not_before_the_start():
    course = replan(
        "clag-lipo-mitoxantrone", "schema_version: 1\nentries:\n  - {cycle: 1, day: 0, given: [{drug: filgrastim}]}\n"
    )
    assert doses(course, "filgrastim")[0].status == "given"


@pytest.mark.parametrize(
    ("response", "arm", "last_day"),
    [
        ("CR", "rdc-blinatumomab-2w", 21),
        ("CRi", "rdc-blinatumomab-2w", 21),
        ("PR", "rdc-blinatumomab-4w", 35),
        ("NR", "rdc-blinatumomab-4w", 35),
    ],
)
def test_seed_003_day_22_response_picks_the_arm(response, arm, last_day):
    course = replan(
        "rdc-blinatumomab", f"schema_version: 1\nentries:\n  - {{id: bm, cycle: 1, day: 22, response: {response}}}\n"
    )
    assert course.cycles[0].branches == {"day-22-response": arm}
    assert doses(course, "blinatumomab")[-1].day == last_day
    assert any(f.kind == "branch" and f"{response} recorded on 2026-01-26 (bm)" in f.text for f in course.flags)


def test_observed_response_wins_over_the_command_line_response():
    course = replan(
        "rdc-blinatumomab", "schema_version: 1\nentries:\n  - {cycle: 1, day: 22, response: NR}\n", response="CR"
    )
    assert course.cycles[0].branches == {"day-22-response": "rdc-blinatumomab-4w"}


def test_decision_ahead_of_the_observations_is_not_yet_assessed():
    course = replan(
        "rdc-blinatumomab", "schema_version: 1\nentries:\n  - {cycle: 1, day: 10, labs: {anc: 1.2 x10^9/L}}\n"
    )
    assert course.assessed_until == dt.date(2026, 1, 14)
    assert course.cycles[0].branches == {"day-22-response": "rdc-blinatumomab-2w"}
    (flag,) = [f for f in course.flags if f.kind == "not-yet-assessed"]
    assert "Day-22 response assessment (cycle 1 day 22, 2026-01-26): not yet assessed" in flag.text


def test_a_branch_without_default_stops_the_course_where_the_response_is_not_yet_known():
    course = replan(
        "inotuzumab-ozogamicin", "schema_version: 1\nentries:\n  - {cycle: 1, day: 8, labs: {anc: 1.2 x10^9/L}}\n"
    )
    assert len(course.cycles) == 1
    assert any(f.kind == "not-yet-assessed" and "planned up to cycle 1" in f.text for f in course.flags)
    in_cr = replan("inotuzumab-ozogamicin", "schema_version: 1\nentries:\n  - {cycle: 1, day: 21, response: CR}\n")
    assert len(in_cr.cycles) == 2 and in_cr.cycles[1].branches == {"response-before-cycle": "in-cr"}
    assert [a.dose.value for a in doses(in_cr, "inotuzumab ozogamicin") if a.cycle == 2] == [0.909, 0.909, 0.909]


def test_seed_000_records_given_omitted_and_outside_the_plan():
    text = (
        "schema_version: 1\nentries:\n"
        "  - {id: d1, date: 2022-07-06, given: [{drug: liposomal mitoxantrone, dose: 10 mg}]}\n"
        "  - {id: d15, date: 2022-07-20, not_given: [liposomal mitoxantrone]}\n"
        "  - {id: consolidation, date: 2022-08-02, given: [{drug: liposomal mitoxantrone, dose: 10 mg}]}\n"
    )
    course = replan("vmp-lipo-mitoxantrone", text, start=dt.date(2022, 7, 6))
    mit = doses(course, "liposomal mitoxantrone")
    assert [(a.date.isoformat(), a.status, a.because) for a in mit] == [
        ("2022-07-06", "given", ("d1",)),
        ("2022-07-07", "planned", ()),
        ("2022-07-08", "planned", ()),
        ("2022-07-20", "omitted", ("d15",)),
        ("2022-07-21", "planned", ()),
        ("2022-07-22", "planned", ()),
        ("2022-08-02", "given", ("consolidation",)),
    ]
    assert (mit[-1].cycle, mit[-1].day, mit[-1].dose.value) == (1, 28, 10.0)
    assert any(f.kind == "given-outside-plan" for f in course.flags)
    assert {t.drug: t.total.value for t in course.totals}["liposomal mitoxantrone"] == 60.0  # 5 planned/given + 1 extra


def test_a_different_dose_given_is_flagged_and_counted():
    text = "schema_version: 1\nentries:\n  - {date: 2026-01-05, given: [{drug: idarubicin, dose: 0.012 g}]}\n"
    course = replan("rdc-blinatumomab", text)
    ida = doses(course, "idarubicin")[0]
    assert (ida.status, ida.given.value, ida.given.unit, ida.dose.value) == ("given", 12.0, "mg", 14.5)
    assert any(f.kind == "given-differs" and "12 mg given, 14.5 mg planned" in f.text for f in course.flags)
    assert {t.drug: t.total.value for t in course.totals}["idarubicin"] == 12.0


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "{date: 2026-01-06, not_given: [idarubicin]}",
            "idarubicin is not planned on 2026-01-06, so it cannot be recorded as not given",
        ),
        (
            "{date: 2026-01-06, given: [{drug: aspirin, dose: 100 mg}]}",
            "aspirin is not part of regimen 'rdc-blinatumomab'",
        ),
        ("{date: 2026-01-06, given: [{drug: idarubicin}]}", "record the dose given"),
        ("{date: 2026-01-05, given: [{drug: idarubicin, dose: 12 mcg/day}]}", "is not an amount in mg"),
        ("{cycle: 2, day: 1, response: CR}", "cycle 2 is not planned"),
    ],
)
def test_records_that_do_not_fit_the_plan_are_refused(entry, message):
    with pytest.raises(ObservationError, match=message):
        replan("rdc-blinatumomab", f"schema_version: 1\nentries:\n  - {entry}\n")


def test_cli_observations_one_line_error_and_json_statuses(run_cli, tmp_path: Path):
    good = tmp_path / "obs.yaml"
    good.write_text("schema_version: 1\nentries:\n  - {id: bm, cycle: 1, day: 22, response: NR}\n")
    args = ("schedule", "rdc-blinatumomab", "--height", "170cm", "--weight", "70kg", "--start", "2026-01-05")
    code, out, _ = run_cli(*args, "--observations", str(good), "--format", "json")
    doc = json.loads(out)
    assert (
        code == 0
        and doc["assessed_until"] == "2026-01-26"
        and doc["cycles"][0]["branches"] == {"day-22-response": "rdc-blinatumomab-4w"}
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nentries:\n  - {id: x, date: 2026-01-06, toxicities: {crs: 7}}\n")
    code, out, err = run_cli(*args, "--observations", str(bad))
    assert code == 1 and out == "" and err.count("\n") == 1
    assert f"{bad}:3:" in err and "entries[0].toxicities.crs" in err


def test_an_unresolved_interruption_is_one_flag_for_its_run_of_held_days():
    observations = Observations.model_validate(
        {"schema_version": 1, "entries": [{"cycle": 1, "day": 10, "toxicities": {"crs": 3}}]}
    )
    course = plan(load_regimen("blinatumomab"), make_patient("170cm", "70kg", 40), START, observations=observations)
    held = [a for a in course.administrations if a.status == "held"]
    # cycle 1 day 10 is 2026-01-14: every later dose is held (243 of them), all under one flag
    assert (len(held), held[0].date) == (243, dt.date(2026, 1, 14))
    texts = [f.text for f in course.flags if "held from" in f.text]
    assert texts == [
        "Interrupt blinatumomab for grade 3 cytokine release syndrome (interrupt-for-crs-grade-3): blinatumomab held "
        "from 2026-01-14 (crs grade 3 (entry-1, 2026-01-14)); no recovery observed yet"
    ]
    flag = next(f.id for f in course.flags if "held from" in f.text)
    assert all(flag in a.flags for a in held)
