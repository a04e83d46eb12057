"""Supportive and non-dosed lines: premedication on dose events, admissions, requirements, intrathecal
therapy, administration notes and route labels, on every output (docs/supportive.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import vobject
from conftest import course_for
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ics import ical_js  # noqa: F401 - the fixture that installs Mozilla's ical.js from npm

from regimencalc.dosing.patient import make_patient
from regimencalc.dosing.supportive import dose_events
from regimencalc.dosing.timing import CalendarOptions
from regimencalc.planner import plan
from regimencalc.protocol.loader import load_regimen, parse_document, parse_regimen
from regimencalc.render.ics import render_ics
from regimencalc.render.sheet import SheetInfo, render_sheet_html
from regimencalc.render.table import render_table
from regimencalc.render.tabular import render_csv, render_json
from regimencalc.replan.observations import Observations


def lines(course, kind: str, for_drug: str | None = None):
    return [s for s in course.supportive if s.kind == kind and (for_drug is None or s.for_drug == for_drug)]


def flag_text(course, ids) -> list[str]:
    return [f.text for f in course.flags if f.id in ids]


# Blinatumomab label (reference §2.1, V): adults dexamethasone 20 mg IV 1 h before the first dose of each
# cycle, the step dose (cycle 1 day 8) and restarts after >= 4 h; cycles are 42 days, so from Mon 5 Jan 2026:
# cycle 1 day 1 = 5 Jan, day 8 = 12 Jan, cycle 2 day 1 = 5 Jan + 42 = 16 Feb.
def test_blinatumomab_adult_premedication_on_first_doses_and_the_step_dose():
    course = course_for("blinatumomab", "adult", cycles=2, age=40)
    premed = lines(course, "premedication")
    assert [(s.date.isoformat(), s.cycle, s.day, s.agent, s.dose_text, s.route) for s in premed] == [
        ("2026-01-05", 1, 1, "dexamethasone", "20 mg", "IV"),
        ("2026-01-12", 1, 8, "dexamethasone", "20 mg", "IV"),
        ("2026-02-16", 2, 1, "dexamethasone", "20 mg", "IV"),
    ]
    assert "before the step dose of blinatumomab" in premed[1].text
    assert "before the first dose of the cycle of blinatumomab" in premed[2].text


def test_blinatumomab_child_premedication_is_per_m2_and_in_cycle_1_only():
    # child 120 cm 22 kg: 5 mg/m² × 0.85635 m² = 4.28175 → 4.28 mg (under the 20 mg cap)
    course = course_for("blinatumomab", "child", cycles=2, age=8)
    premed = lines(course, "premedication")
    assert [(s.date.isoformat(), s.dose_text) for s in premed] == [("2026-01-05", "4.28 mg"), ("2026-01-12", "4.28 mg")]
    assert "5 mg/m² × 0.856 m² (BSA, Mosteller) = 4.282 mg" in premed[0].trace[1].text
    assert premed[0].trace[2].text == "cap 20 mg (label-blinatumomab-premed-admission) not reached"


def test_without_age_both_premedications_are_listed_and_flagged():
    course = course_for("blinatumomab", "adult", cycles=1)
    premed = lines(course, "premedication")
    assert sorted({s.dose_text for s in premed}) == ["20 mg", "9.09 mg"]  # 5 × 1.81812 = 9.0906 → 9.09
    assert all(any("age not given" in t for t in flag_text(course, s.flags)) for s in premed)


# Re-planned restart: CRS grade 3 on cycle 1 day 10 (11 March), resolved day 17: the infusion restarts on
# 18 March at 9 mcg/day for 7 days, then 28 mcg/day from 25 March (tests/test_rules.py). The 7 days without
# infusion (11-17 March) move cycle 2 from 13 April to 20 April, keeping its 14 treatment-free days.
# Premedication follows.
def test_premedication_follows_a_replanned_restart():
    text = (
        "schema_version: 1\nentries:\n  - {id: crs3, cycle: 1, day: 10, toxicities: {crs: 3}}\n"
        "  - {id: resolved, cycle: 1, day: 17, toxicities: {crs: 0}}\n"
    )
    course = plan(
        load_regimen("blinatumomab"),
        make_patient("170cm", "70kg", 40),
        dt.date(2026, 3, 2),
        cycles=2,
        observations=parse_document(text, "obs.yaml", Observations),
    )
    premed = lines(course, "premedication")
    assert [s.date.isoformat() for s in premed] == [
        "2026-03-02",
        "2026-03-09",
        "2026-03-18",
        "2026-03-25",
        "2026-04-20",
    ]
    assert "the restart after an interruption" in premed[2].text and "the step dose" in premed[3].text
    assert [s.date.isoformat() for s in lines(course, "supervision")] == ["2026-03-18"]


# A restart after a > 7-day interruption is a new cycle inserted after cycle 1 (reference §2.1, V): its day 1 is
# a restart (premedication and supervision, adults and children), and it counts as the cycle it continues for
# lines limited to cycles (the child's cycle-1 premedication, the admissions). From Mon 2 March 2026: CRS grade
# 3 on day 10 (11 March), grade 0 on day 18 (19 March), 8 days → new cycle from 19 March (its step dose on day
# 8, 26 March), 42 days long → the planned cycle 2 starts 19 March + 42 = 30 April.
# Child 130 cm 28 kg: BSA √(130 × 28 / 3600) = 1.00554 m²; dexamethasone 5 mg/m² × 1.00554 = 5.0277 → 5.03 mg.
@pytest.mark.parametrize(
    ("size", "age", "premedication"),
    [
        (
            ("130cm", "28kg"),
            9,
            [
                ("2026-03-02", "5.03 mg"),
                ("2026-03-09", "5.03 mg"),
                ("2026-03-19", "5.03 mg"),
                ("2026-03-26", "5.03 mg"),
            ],
        ),
        (
            ("170cm", "70kg"),
            40,
            [
                ("2026-03-02", "20 mg"),
                ("2026-03-09", "20 mg"),
                ("2026-03-19", "20 mg"),
                ("2026-03-26", "20 mg"),
                ("2026-04-30", "20 mg"),
            ],
        ),
    ],
)
def test_a_new_cycle_after_a_long_interruption_is_a_restart_of_the_cycle_it_continues(size, age, premedication):
    text = (
        "schema_version: 1\nentries:\n  - {cycle: 1, day: 10, toxicities: {crs: 3}}\n"
        "  - {cycle: 1, day: 18, toxicities: {crs: 0}}\n"
    )
    course = plan(
        load_regimen("blinatumomab"),
        make_patient(*size, age),
        dt.date(2026, 3, 2),
        cycles=2,
        observations=parse_document(text, "obs.yaml", Observations),
    )
    assert [(c.number, c.start_date.isoformat(), c.new_after) for c in course.cycles] == [
        (1, "2026-03-02", None),
        (2, "2026-03-19", 1),
        (3, "2026-04-30", None),
    ]
    assert [(s.date.isoformat(), s.dose_text) for s in lines(course, "premedication")] == premedication
    assert "the restart after an interruption" in lines(course, "premedication")[2].text
    assert [s.date.isoformat() for s in lines(course, "supervision")] == ["2026-03-19"]
    # admissions: cycle 1's first 9 days (2-10 March); the second cycle is the planned cycle 2 (30 April-1 May)
    assert [(s.date.isoformat(), s.end_date.isoformat()) for s in lines(course, "admission")] == [
        ("2026-03-02", "2026-03-10"),
        ("2026-04-30", "2026-05-01"),
    ]


def test_blinatumomab_admission_windows():
    course = course_for("blinatumomab", "adult", cycles=3, age=40)
    windows = [(s.cycle, s.date.isoformat(), s.end_date.isoformat()) for s in lines(course, "admission")]
    assert windows == [(1, "2026-01-05", "2026-01-13"), (2, "2026-02-16", "2026-02-17")]  # 9 days, 2 days
    # cycle 3 starts 16 Feb + 42 = 30 Mar: supervised, not admitted
    assert [s.date.isoformat() for s in lines(course, "supervision")] == ["2026-03-30"]


def test_rdc_admission_starts_with_blinatumomab_on_day_8():
    course = course_for("rdc-blinatumomab", "adult", age=40)
    (window,) = lines(course, "admission")
    assert (window.day, window.date.isoformat(), window.end_date.isoformat()) == (8, "2026-01-12", "2026-01-20")
    assert [s.day for s in lines(course, "premedication")] == [8, 15]  # first dose, step 9 → 28 mcg/day


def test_seven_day_bag_warning_only_under_22_kg():
    small = plan(load_regimen("blinatumomab"), make_patient("85cm", "12kg", 2), dt.date(2026, 1, 5), cycles=1)
    assert any(f.kind == "administration-warning" and "under 22 kg" in f.text for f in small.flags)
    child = course_for("blinatumomab", "child", cycles=1, age=8)  # exactly 22 kg: not under 22 kg
    assert not any(f.kind == "administration-warning" for f in child.flags)


def test_inotuzumab_premedication_before_each_dose_and_cytoreduction_before_the_first():
    course = course_for("inotuzumab-ozogamicin", "adult", cycles=1)
    premed = lines(course, "premedication")
    assert len(premed) == 9  # corticosteroid, antipyretic, antihistamine × days 1, 8, 15
    assert sorted({s.date.isoformat() for s in premed}) == ["2026-01-05", "2026-01-12", "2026-01-19"]
    assert {s.dose_text for s in premed} == {"agent and dose per local protocol"}
    assert all(f.startswith("inotuzumab ozogamicin premedication") for s in premed for f in flag_text(course, s.flags))
    (cytoreduction,) = lines(course, "requirement")
    assert cytoreduction.date.isoformat() == "2026-01-05" and "10,000 blasts/mm3" in cytoreduction.text


def test_vindesine_route_label_on_every_vindesine_dose():
    for regimen_id in ("vicp", "vmp-lipo-mitoxantrone", "rdc-blinatumomab"):
        course = course_for(regimen_id, "adult", age=40)
        label = next(f for f in course.flags if f.kind == "route-label")
        assert label.text.startswith("vindesine: FOR INTRAVENOUS USE ONLY - FATAL IF GIVEN BY OTHER ROUTES")
        vindesine = [a for a in course.administrations if a.drug == "vindesine"]
        assert vindesine and all(label.id in a.flags for a in vindesine)
        assert {a.route_label for a in vindesine} == {
            "FOR INTRAVENOUS USE ONLY - FATAL IF GIVEN BY OTHER ROUTES (label the syringe or bag so)"
        }
        others = [a for a in course.administrations if a.drug != "vindesine"]
        assert not any(label.id in a.flags or a.route_label for a in others)
        html = render_sheet_html(course, SheetInfo(written=dt.date(2026, 1, 1)))
        rows = [row for row in html.split("<tr ") if 'data-ids="' in row and "/vindesine/" in row]
        covered = {i for row in rows for i in row.split('data-ids="')[1].split('"')[0].split()}
        assert covered == {a.id for a in vindesine}
        assert all('<strong class="route-label">FOR INTRAVENOUS USE ONLY' in row for row in rows)


def test_intrathecal_lines_where_the_seeds_give_them_flagged_without_an_institution():
    expected = {
        "vicp": ["methotrexate", "cytarabine", "dexamethasone"],
        "vmp-lipo-mitoxantrone": ["methotrexate", "cytarabine", "dexamethasone"],
        "rdc-blinatumomab": [None],
        "inotuzumab-infant-extended": [None],
    }
    for regimen_id, agents in expected.items():
        course = course_for(regimen_id, "adult", age=40)
        it = lines(course, "intrathecal")
        assert [s.agent for s in it] == agents
        assert all(s.route == "IT" and "per local protocol" in s.dose_text and s.dose is None for s in it)
        assert all(any(f.kind == "local-protocol" for f in course.flags if f.id in s.flags) for s in it)
    assert "8-12 injections" in lines(course_for("rdc-blinatumomab", "adult"), "intrathecal")[0].text
    assert lines(course_for("clag-lipo-mitoxantrone", "adult"), "intrathecal") == []


DATED = """schema_version: 1
id: dated-it
name: Dated intrathecal fixture
version: "1"
indication: test fixture
sources:
  s: {kind: seed, citation: fixture}
phases:
  - id: block
    name: Block
    cycles: 2
    length_days: 21
    source: s
    lines:
      - {drug: vindesine, route: IV, days: "1", dose: {basis: flat, amount: 3 mg}, source: s}
intrathecal:
  - {id: it, name: IT methotrexate, agents: [methotrexate], phase: block, days: "1,15", when: days 1 and 15, source: s}
"""


def test_dated_intrathecal_days_in_every_cycle_of_the_phase():
    regimen = parse_regimen(DATED, "dated.yaml")
    course = plan(regimen, make_patient("170cm", "70kg", 40), dt.date(2026, 1, 5))
    # cycle 2 starts 5 Jan + 21 = 26 Jan; day 15 = start + 14
    assert [(s.cycle, s.day, s.date.isoformat()) for s in lines(course, "intrathecal")] == [
        (1, 1, "2026-01-05"),
        (1, 15, "2026-01-19"),
        (2, 1, "2026-01-26"),
        (2, 15, "2026-02-09"),
    ]


@settings(max_examples=20, deadline=None)
@given(st.randoms(use_true_random=False))
def test_dose_events_do_not_depend_on_the_order_of_the_doses(random):
    administrations = list(course_for("blinatumomab", "adult", cycles=2).administrations)
    shuffled = administrations[:]
    random.shuffle(shuffled)
    assert sorted(dose_events(shuffled), key=repr) == sorted(dose_events(administrations), key=repr)


def test_every_output_shows_the_supportive_section():
    course = course_for("rdc-blinatumomab", "adult", age=40)
    assert "SUPPORTIVE AND NON-DOSED LINES (not chemotherapy doses)" in render_table(course)
    document = json.loads(render_json(course))
    assert [s["kind"] for s in document["supportive"]][:3] == ["premedication", "admission", "premedication"]
    rows = list(csv.DictReader(io.StringIO(render_csv(course))))
    supportive = [r for r in rows if r["section"] == "supportive"]
    assert len(supportive) == len(course.supportive) and supportive[0]["drug"] == "dexamethasone"
    assert {r["section"] for r in rows} == {"chemotherapy", "supportive"}
    html = render_sheet_html(course, SheetInfo(written=dt.date(2026, 1, 1)))
    assert "<h2>Supportive and non-dosed lines (not chemotherapy doses)</h2>" in html
    assert html.count('data-kind="intrathecal"') == 1
    calendar = vobject.readOne(render_ics(course, CalendarOptions()))
    supportive_events = [e for e in calendar.vevent_list if hasattr(e, "categories")]
    admission = next(e for e in supportive_events if e.summary.value.startswith("Admission"))
    assert (admission.dtstart.value, admission.dtend.value) == (dt.date(2026, 1, 12), dt.date(2026, 1, 21))
    assert len(supportive_events) == len([s for s in course.supportive if s.date is not None])


def test_under_22_kg_warning_names_the_institutional_bag_duration():
    from regimencalc.safety.institution import Institution

    text = "schema_version: 1\nname: h\nsource: s\nadministration:\n  blinatumomab: {duration: 7 days, source: bag policy}\n"
    profile = parse_document(text, "h.yaml", Institution)
    course = plan(
        load_regimen("blinatumomab"),
        make_patient("85cm", "12kg", 2),
        dt.date(2026, 1, 5),
        cycles=1,
        institution=profile,
    )
    (warning,) = [f for f in course.flags if f.kind == "administration-warning"]
    assert warning.text == (
        "blinatumomab: patient under 22 kg - the 7-day bag (with preservative) is not recommended; choose a shorter "
        "bag (the institutional profile's duration is 7 days)"
    )
    assert [v.value for v in course.institution.values] == ["duration 7 days"]


def test_intrathecal_and_drug_file_problems_are_located():
    import pytest

    from regimencalc.errors import InputFileError
    from regimencalc.protocol.drugs import DrugFile

    broken = DATED.replace("phase: block, days", "phase: blok, days")
    with pytest.raises(InputFileError) as caught:
        parse_regimen(broken, "dated.yaml")
    (problem,) = caught.value.problems
    assert (problem.line, problem.path) == (17, "intrathecal[0].phase")
    assert problem.message == "phase 'blok' is not a phase of this regimen (phases: block)"
    late = DATED.replace('days: "1,15"', 'days: "1,25"')
    with pytest.raises(InputFileError) as caught:
        parse_regimen(late, "dated.yaml")
    assert "day 25 is outside the 21-day cycle" in caught.value.problems[0].message
    drug = (
        "schema_version: 1\ndrug: vindesine\nsources:\n  label: {kind: label, citation: x}\n"
        "administration:\n  - {id: iv-only, kind: route-label, text: IV only, source: lable}\n"
    )
    with pytest.raises(InputFileError) as caught:
        parse_document(drug, "vindesine.yaml", DrugFile)
    (problem,) = caught.value.problems
    assert str(problem) == (
        "vindesine.yaml:6:61: administration[0].source: source 'lable' is not declared under 'sources' (declared: label)"
    )


def test_daily_totals_ask_how_they_are_split():
    course = course_for("rdc-blinatumomab", "adult", age=40)
    daily = [s.for_drug for s in course.supportive if s.id.endswith("/daily-dosing")]
    assert daily == ["dexamethasone"]  # 9 mg/m²/day IV; blinatumomab is a continuous infusion
    vmp = course_for("vmp-lipo-mitoxantrone", "adult", age=40)
    assert [s.for_drug for s in vmp.supportive if s.id.endswith("/daily-dosing")] == ["prednisone"]  # oral, days 1-7


def test_mozilla_ical_js_reads_the_supportive_events(request, tmp_path):
    import subprocess
    from pathlib import Path

    library = request.getfixturevalue("ical_js")
    course = course_for("blinatumomab", "child", cycles=2, age=8)
    file = tmp_path / "course.ics"
    options = CalendarOptions(at=dt.time(9, 30), zone="Europe/Paris", remind=dt.timedelta(hours=12))
    file.write_text(render_ics(course, options))
    script = Path(__file__).parent / "js" / "parse-ics.mjs"
    result = subprocess.run(
        ["node", str(script), str(library), str(file)], check=True, capture_output=True, text=True, timeout=60
    )
    events = {(e["summary"], e["start"], e["end"]) for e in json.loads(result.stdout)["events"]}
    # a premedication in the hour before the 09:30 start; admissions of 9 and 2 days (cycle 2: 5 Jan + 42 = 16 Feb)
    assert (
        "Premedication: dexamethasone 4.28 mg IV (blinatumomab cycle 1)",
        "2026-01-05T08:30:00",
        "2026-01-05T09:30:00",
    ) in events
    assert ("Admission (blinatumomab cycle 1)", "2026-01-05T09:30:00", "2026-01-14T09:30:00") in events
    assert ("Admission (blinatumomab cycle 2)", "2026-02-16T09:30:00", "2026-02-18T09:30:00") in events


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=2, max_value=27), st.integers(min_value=1, max_value=7))
def test_every_replanned_restart_brings_premedication_and_supervision(day, recovery):
    """CRS grade 3 on any infusion day, resolved 1-7 days later: the course restarts (tests/test_rules.py) and
    an adult's dexamethasone and the supervision fall on the restart date, whatever the day."""
    text = (
        f"schema_version: 1\nentries:\n  - {{cycle: 1, day: {day}, toxicities: {{crs: 3}}}}\n"
        f"  - {{cycle: 1, day: {day + recovery}, toxicities: {{crs: 0}}}}\n"
    )
    course = plan(
        load_regimen("blinatumomab"),
        make_patient("170cm", "70kg", 40),
        dt.date(2026, 3, 2),
        cycles=1,
        observations=parse_document(text, "obs.yaml", Observations),
    )
    infused = sorted(a.date for a in course.administrations if a.status in ("planned", "given", "moved"))
    restarts = {b for a, b in zip(infused, infused[1:], strict=False) if (b - a).days > 1}
    assert len(restarts) == 1  # one interruption, one restart
    premedicated = {s.date for s in lines(course, "premedication")}
    assert restarts <= premedicated and restarts == {s.date for s in lines(course, "supervision")}
    assert premedicated <= set(infused)  # never on a day without infusion


def test_no_flags_still_points_at_the_supportive_lines():
    # an adult's blinatumomab plan raises no flag, yet has dexamethasone, admissions and administration lines
    course = course_for("blinatumomab", "adult", cycles=2, age=40)
    assert course.flags == () and course.supportive
    html = render_sheet_html(course, SheetInfo(written=dt.date(2026, 1, 1)))
    assert "<p>No flags; check the supportive and non-dosed lines below too.</p>" in html


def test_a_supportive_line_keeps_its_id_and_uid_when_a_new_cycle_is_inserted():
    # CRS grade 3 on cycle 1 day 10 (14 Jan), grade 0 on day 19 (23 Jan): 9 days without infusion, so a new
    # cycle from 23 Jan is inserted (issue 9) and the planned cycles 2 and 3 move from 16 Feb / 30 Mar to
    # 6 Mar / 17 Apr. Their premedication, admission and supervision keep their ids (and calendar UIDs);
    # the inserted cycle's lines get ids of their own ('c1-new'), never one that belonged to another cycle.
    entries = "schema_version: 1\nentries:\n  - {cycle: 1, day: 10, toxicities: {crs: 3}}\n  - {cycle: 1, day: 19, toxicities: {crs: 0}}\n"

    def dated(observations: Observations | None) -> dict[str, str]:
        course = plan(
            load_regimen("blinatumomab"),
            make_patient("175cm", "80kg", 40),
            dt.date(2026, 1, 5),
            cycles=3,
            observations=observations,
        )
        return {s.id: s.date.isoformat() for s in course.supportive if s.date is not None}

    planned = dated(None)
    replanned = dated(parse_document(entries, "obs.yaml", Observations))
    assert {key: replanned[key] for key in planned} == {
        "blinatumomab/c1/d1/dexamethasone-adult": "2026-01-05",
        "blinatumomab/c1/d1/admission-cycle-1": "2026-01-05",
        "blinatumomab/c1/d8/dexamethasone-adult": "2026-01-12",
        "blinatumomab/c2/d1/dexamethasone-adult": "2026-03-06",
        "blinatumomab/c2/d1/admission-cycle-2": "2026-03-06",
        "blinatumomab/c3/d1/dexamethasone-adult": "2026-04-17",
        "blinatumomab/c3/d1/supervision-later-cycles": "2026-04-17",
    }
    assert {key: replanned[key] for key in set(replanned) - set(planned)} == {
        "blinatumomab/c1-new/d1/dexamethasone-adult": "2026-01-23",
        "blinatumomab/c1-new/d1/supervision-restart": "2026-01-23",
        "blinatumomab/c1-new/d8/dexamethasone-adult": "2026-01-30",
    }
