"""Every label rule of reference §2.1-2.2 marked V, from the drug files, on every regimen giving the drug.

Dates are worked out by hand from the label and the start date: cycle c day d is the start of cycle c
plus d - 1 days. Blinatumomab from Monday 2 March 2026: cycle 1 days 1-7 (2-8 March) at 9 mcg/day,
days 8-28 (9-29 March) at 28 mcg/day, cycle 2 from 13 April (42 days later).
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import doses

from regimencalc.dosing.patient import make_patient
from regimencalc.errors import PlanningError
from regimencalc.planner import plan
from regimencalc.protocol.bundled import bundled_dir
from regimencalc.protocol.loader import load_regimen, parse_document, parse_regimen
from regimencalc.replan.observations import Observations
from regimencalc.replan.ruleset import rules_in_force

START = dt.date(2026, 3, 2)


def day(n: int) -> dt.date:
    """Cycle 1 day n from 2 March 2026."""
    return START + dt.timedelta(days=n - 1)


def course(regimen, entries: str | None, limits: str = "", **options):
    observed = (
        parse_document(f"schema_version: 1\n{limits}entries:\n{entries}", "obs.yaml", Observations) if entries else None
    )
    reg = load_regimen(regimen) if isinstance(regimen, str) else regimen
    return plan(reg, make_patient("170cm", "70kg"), START, observations=observed, **options)


def statuses(c, cycle: int, drug: str = "blinatumomab") -> list[tuple[int, str, str, float]]:
    return [(a.day, a.date.isoformat(), a.status, a.dose.value) for a in doses(c, drug) if a.cycle == cycle]


# Interruptions (label: ≤ 7 days continue the cycle to 28 infusion days; > 7 days start a new cycle;
# restart at 9 mcg/day for 7 days). CRS grade 3 on day 10 (11 March), grade 0 n days later.
@pytest.mark.parametrize(("resolved_after", "new_cycle"), [(3, False), (7, False), (8, True), (9, True)])
def test_crs_grade_3_short_and_long_interruptions(resolved_after, new_cycle):
    entries = (
        "  - {id: crs3, cycle: 1, day: 10, toxicities: {crs: 3}}\n"
        f"  - {{id: ok, cycle: 1, day: {10 + resolved_after}, toxicities: {{crs: 0}}}}\n"
    )
    c = course("blinatumomab", entries, cycles=3)
    restart = day(10 + resolved_after)
    cycle_1 = statuses(c, 1)
    assert len(cycle_1) == 28  # nothing dropped
    if not new_cycle:
        # days 10-28 follow the restart: 7 at 9 mcg/day, then 12 at 28; the 14 free days follow the last one
        moved = [s for s in cycle_1 if s[0] >= 10]
        assert [(d, s, v) for d, _, s, v in moved] == [(d, "moved", 9.0 if d < 17 else 28.0) for d in range(10, 29)]
        assert moved[0][1] == restart.isoformat() and doses(c, "blinatumomab")[9].restart
        last = restart + dt.timedelta(days=18)
        assert c.cycles[1].start_date == last + dt.timedelta(days=15)  # 14 treatment-free days, then day 1
        assert c.cycles[1].original_start_date == dt.date(2026, 4, 13)
        return
    assert {s for d, _, s, _ in cycle_1 if d >= 10} == {"omitted"}
    inserted = c.cycles[1]
    assert (inserted.number, inserted.new_after, inserted.start_date, inserted.length_days) == (2, 1, restart, 42)
    new = statuses(c, 2)
    assert [(d, s, v) for d, _, s, v in new] == [(d, "planned", 9.0 if d <= 7 else 28.0) for d in range(1, 29)]
    assert new[0][1] == restart.isoformat() and new[-1][1] == (restart + dt.timedelta(days=27)).isoformat()
    moved = c.cycles[2]  # the plan's cycle 2, after the new cycle's 28 + 14 days
    assert (moved.number, moved.planned_number) == (3, 2)
    assert moved.start_date == restart + dt.timedelta(days=42) and moved.original_start_date == dt.date(2026, 4, 13)
    assert {a.status for a in doses(c, "blinatumomab") if a.cycle == 3} == {"moved"}
    assert any(f"a new cycle starts on {restart.isoformat()}, at the step dose" in f.text for f in c.flags)


# Neurological toxicity grade 3 (label): withhold until grade ≤ 1 for at least 3 days, restart at 9 mcg/day;
# discontinue if it took more than 7 days to resolve, or if it occurred at 9 mcg/day. Grade 3 on day 10.
@pytest.mark.parametrize(
    ("grade_1_on", "outcome"),
    [
        (12, "moved"),  # resolved in 2 days, restart day 15: a 5-day interruption
        (14, "moved"),  # resolved in 4 days, restart day 17: 7 days
        (15, "new-cycle"),  # resolved in 5 days (not stopped); restart day 18: 8 days > 7
        (17, "new-cycle"),  # resolved in 7 days: still not stopped
        (18, "discontinued"),  # 8 days to resolve
    ],
)
def test_neurotoxicity_grade_3_resolution_not_counting_the_3_days(grade_1_on, outcome):
    entries = (
        "  - {cycle: 1, day: 10, toxicities: {neurological toxicity: 3}}\n"
        f"  - {{cycle: 1, day: {grade_1_on}, toxicities: {{neurological toxicity: 1}}}}\n"
    )
    c = course("blinatumomab", entries, cycles=2)
    day_10 = statuses(c, 1)[9]
    expected = {"moved": "moved", "new-cycle": "omitted", "discontinued": "discontinued"}[outcome]
    assert day_10[2] == expected
    if outcome == "moved":
        assert day_10[1] == day(grade_1_on + 3).isoformat()
    if outcome == "new-cycle":
        assert c.cycles[1].new_after == 1 and c.cycles[1].start_date == day(grade_1_on + 3)


def test_grade_1_for_2_days_is_not_3():
    # grade 1 on day 12 but grade 2 again on day 14 → the 3 days count from the next grade 1 (day 15): restart
    # on day 18, an 8-day interruption → a new cycle from day 18 (resolution took 5 days: not stopped)
    entries = (
        "  - {cycle: 1, day: 10, toxicities: {neurological toxicity: 3}}\n"
        "  - {cycle: 1, day: 12, toxicities: {neurological toxicity: 1}}\n"
        "  - {cycle: 1, day: 14, toxicities: {neurological toxicity: 2}}\n"
        "  - {cycle: 1, day: 15, toxicities: {neurological toxicity: 1}}\n"
    )
    c = course("blinatumomab", entries, cycles=2)
    assert statuses(c, 1)[9][2] == "omitted" and c.cycles[1].start_date == day(18)
    steady = entries.replace(
        "day: 14, toxicities: {neurological toxicity: 2}", "day: 14, toxicities: {neurological toxicity: 1}"
    )
    assert statuses(course("blinatumomab", steady, cycles=2), 1)[9][1] == day(15).isoformat()  # 3 days from day 12


@pytest.mark.parametrize(
    ("toxicity", "on_day", "status"),
    [
        ("{neurological toxicity: 3}", 7, "discontinued"),  # at 9 mcg/day
        ("{neurological toxicity: 3}", 8, "held"),  # at 28 mcg/day: withheld, no recovery recorded
        ("{icans: 3}", 7, "discontinued"),  # ICANS read as neurological toxicity
        ("{icans: 3}", 8, "held"),
        ("{seizure: 1}", 7, "discontinued"),  # one seizure is ICANS grade 3 (reference §3.3), at 9 mcg/day
        ("{seizure: 1}", 12, "held"),  # one seizure at 28 mcg/day: withheld, not stopped
        ("{icans: 4}", 12, "discontinued"),
        ("{crs: 4}", 12, "discontinued"),
        ("{crs: 3}", 7, "held"),  # CRS grade 3 is interrupted at any dose
    ],
)
def test_neurotoxicity_at_9_vs_28_mcg_and_icans_and_seizures(toxicity, on_day, status):
    c = course("blinatumomab", f"  - {{cycle: 1, day: {on_day}, toxicities: {toxicity}}}\n", cycles=2)
    cycle_1 = statuses(c, 1)
    assert {s for d, _, s, _ in cycle_1 if d < on_day} == {"planned"}
    assert {s for d, _, s, _ in cycle_1 if d >= on_day} == {status}


@pytest.mark.parametrize(
    ("entries", "stopped"),
    [
        ("  - {cycle: 1, day: 12, events: {seizure: 2}}\n", True),
        ("  - {cycle: 1, day: 12, events: {seizure: 1}}\n", False),
    ],
)
def test_seizures_are_counted_as_events(entries, stopped):
    c = course("blinatumomab", entries, cycles=2)
    assert (statuses(c, 1)[11][2] == "discontinued") is stopped
    if stopped:
        assert any("seizure: 2 events recorded" in f.text for f in c.flags)


def test_a_second_seizure_after_a_restart_stops_blinatumomab():
    # seizure on day 12 (28 mcg/day): withheld; grade 1 from day 13 → restart day 16; second seizure on day 20
    entries = (
        "  - {cycle: 1, day: 12, toxicities: {seizure: 1}}\n  - {cycle: 1, day: 13, toxicities: {icans: 1}}\n"
        "  - {cycle: 1, day: 20, toxicities: {seizure: 1}}\n"
    )
    c = course("blinatumomab", entries, cycles=2)
    cycle_1 = statuses(c, 1)
    assert cycle_1[11][1:3] == (day(16).isoformat(), "moved")
    assert {s for _, date, s, _ in cycle_1 if date >= day(20).isoformat()} == {"discontinued"}
    assert any("seizure: 2 events recorded" in f.text for f in c.flags)


# Response gates: blinatumomab cycles 3-9 only in CR/CRi after 2 cycles; inotuzumab stops without CR/CRi
# within 3 cycles. --response is read as a response assessed where the plan first reads one.
@pytest.mark.parametrize(("response", "stopped"), [("NR", True), ("PR", True), ("CR", False), ("CRi", False)])
def test_blinatumomab_cycles_3_to_9_need_cr_by_file_or_option(response, stopped):
    by_option = course("blinatumomab", None, response=response)
    by_file = course("blinatumomab", f"  - {{id: bm, date: 2026-05-20, response: {response}}}\n")
    for c in (by_option, by_file):
        later = {a.status for a in doses(c, "blinatumomab") if a.cycle >= 3}
        assert later == ({"discontinued"} if stopped else {"planned"})
        assert {a.status for a in doses(c, "blinatumomab") if a.cycle <= 2} == {"planned"}
        assert len(doses(c, "blinatumomab")) == 9 * 28
    # cycle 3 planned on 25 May 2026 (2 March + 2 × 42 days): the option is dated there
    assert any(
        f.kind == "response-option" and f"--response {response} is taken as a response assessed on 2026-05-25" in f.text
        for f in by_option.flags
    )


def test_blinatumomab_without_a_response_flags_the_gate():
    c = course("blinatumomab", None)
    assert {a.status for a in doses(c, "blinatumomab")} == {"planned"}
    # with no observations at all the rules are still checked: cycle 3 is flagged, not silently planned
    assert any(f.kind == "not-yet-assessed" and "before cycle 3 (2026-05-25)" in f.text for f in c.flags)


def test_a_recorded_response_that_outvotes_the_option_is_said():
    # --response NR but CRi recorded on cycle 2 day 29 (before the cycle-3 gate):
    # the recorded CRi decides the gate, so cycles 3-4 stay planned, and a flag says the two differ
    c = course("blinatumomab", "  - {id: marrow, cycle: 2, day: 29, response: CRi}\n", response="NR", cycles=4)
    assert {a.status for a in doses(c, "blinatumomab") if a.cycle in (3, 4)} == {"planned"}
    (flag,) = [f for f in c.flags if f.kind == "response-recorded"]
    assert flag.text.startswith("--response NR differs from the recorded response CRi (marrow, cycle 2 day 29)")
    assert not any(f.kind == "response-recorded" for f in course("blinatumomab", None, response="NR").flags)


def test_inotuzumab_response_option_stops_after_3_cycles():
    # inotuzumab from 2 March: cycle 1 of 21 days, then 28-day cycles: cycle 4 starts 2 March + 21 + 56 = 18 May
    c = course("inotuzumab-ozogamicin", None, response="NR")
    by_cycle = {a.cycle: a.status for a in doses(c, "inotuzumab ozogamicin")}
    assert by_cycle == {
        1: "planned",
        2: "planned",
        3: "planned",
        4: "discontinued",
        5: "discontinued",
        6: "discontinued",
    }
    assert any("discontinued from cycle 4 (2026-05-18): latest response NR (response-option" in f.text for f in c.flags)


# RDC-blinatumomab (seed 003) gets the blinatumomab label rules from the drug file: blinatumomab days 8-14 at
# 9 mcg/day (9-15 March), days 15-21 at 28 (16-22 March).
def test_rdc_crs_grade_3_on_day_16_restarts_at_9_mcg():
    entries = "  - {cycle: 1, day: 16, toxicities: {crs: 3}}\n  - {cycle: 1, day: 18, toxicities: {crs: 0}}\n"
    c = course("rdc-blinatumomab", entries, response="CR")
    blin = statuses(c, 1)
    assert blin[:8] == [(d, day(d).isoformat(), "planned", 9.0 if d <= 14 else 28.0) for d in range(8, 16)]
    # days 16-21 (6 days) restart on day 18 at the step dose (7 days cover them all)
    assert blin[8:] == [(d, day(d + 2).isoformat(), "moved", 9.0) for d in range(16, 22)]


def test_rdc_long_crs_interruption_inserts_a_new_blinatumomab_cycle():
    # grade 3 on day 16, resolved day 25 (9 days): a new cycle from day 25 (26 March) of blinatumomab only,
    # 7 days at 9 then 7 at 28 (the seed's 14 days); its length: 35 - 8 + 1 = 28 days
    entries = "  - {cycle: 1, day: 16, toxicities: {crs: 3}}\n  - {cycle: 1, day: 25, toxicities: {crs: 0}}\n"
    c = course("rdc-blinatumomab", entries, response="CR")
    assert [(x.number, x.start_date, x.length_days, x.new_after) for x in c.cycles] == [
        (1, START, 35, None),
        (2, day(25), 28, 1),
    ]
    assert [(d, s, v) for d, _, s, v in statuses(c, 2)] == [
        (d, "planned", 9.0 if d <= 7 else 28.0) for d in range(1, 15)
    ]
    assert {a.drug for a in c.administrations if a.cycle == 2} == {"blinatumomab"}


# Inotuzumab: VOD/SOS stops it everywhere, the infant regimen included (cycle 2 from 30 March, 28-day cycles).
@pytest.mark.parametrize("term", ["vod", "sos"])
def test_vod_before_the_infants_cycle_2_stops_inotuzumab(term):
    c = course("inotuzumab-infant-extended", f"  - {{date: 2026-03-27, toxicities: {{{term}: 3}}}}\n")
    by_cycle = {}
    for a in doses(c, "inotuzumab ozogamicin"):
        by_cycle.setdefault(a.cycle, set()).add(a.status)
    assert by_cycle[1] == {"planned"} and all(by_cycle[n] == {"discontinued"} for n in range(2, 10))


# Infusion reaction (reference §2.2, [L-INO-PRO-IE], V): interrupt and treat, consider stopping or steroids/
# antihistamines (flagged, the dose stays); severe or life-threatening (read as grade 3-4): stop permanently.
@pytest.mark.parametrize(
    ("grade", "status", "flagged"),
    [
        (0, "planned", False),
        (1, "planned", True),
        (2, "planned", True),
        (3, "discontinued", False),
        (4, "discontinued", False),
    ],
)
def test_infusion_reactions_flagged_and_severe_ones_stop_inotuzumab(grade, status, flagged):
    c = course(
        "inotuzumab-ozogamicin",
        f"  - {{cycle: 1, day: 8, toxicities: {{infusion related reaction: {grade}}}}}\n",
        cycles=1,
    )
    ino = doses(c, "inotuzumab ozogamicin")
    assert [a.status for a in ino] == ["planned", status, status]
    assert [a.dose.value for a in ino] == [1.45, 0.909, 0.909]  # 0.8 and 0.5 mg/m² × 1.818 m², as planned
    advice = [f for f in c.flags if f.text.startswith("infusion-reaction-interrupt-and-treat: ")]
    assert bool(advice) is flagged
    if flagged:
        assert (
            "interrupt the infusion and treat it; consider stopping the infusion or giving steroids" in advice[0].text
        )
        assert all("infusion-reaction-interrupt-and-treat" in a.because for a in ino[1:])
        assert len([f for f in c.flags if f.kind == "rule"]) == 1  # one flag, not one per dose


# Low baseline (ANC < 1 or platelets < 50 ×10⁹/L): the next cycle waits for counts back to baseline, or
# ANC ≥ 1 and platelets ≥ 50, or stable marrow. Cycle 2 planned 23 March (2 March + 21).
@pytest.mark.parametrize(
    ("baseline", "before_cycle_2", "later", "start_2"),
    [
        # ANC baseline 0.8: fell to 0.6 → waits; back to 0.8 on 27 March → cycle 2 on 27 March
        (
            "{anc: 0.8 x10^9/L, platelets: 100 x10^9/L}",
            "{anc: 0.6 x10^9/L, platelets: 100 x10^9/L}",
            "{anc: 0.8 x10^9/L, platelets: 100 x10^9/L}",
            "2026-03-27",
        ),
        # platelets baseline 49 (just below 50): fell to 30 → waits; recovered to 49 on 27 March
        (
            "{anc: 2 x10^9/L, platelets: 49 x10^9/L}",
            "{anc: 2 x10^9/L, platelets: 30 x10^9/L}",
            "{anc: 2 x10^9/L, platelets: 49 x10^9/L}",
            "2026-03-27",
        ),
        # ANC baseline 0.99: fell to 0.9, then ANC 1.0 and platelets 50 on 27 March (not back to baseline 0.99? it is)
        (
            "{anc: 0.99 x10^9/L, platelets: 20 x10^9/L}",
            "{anc: 0.9 x10^9/L}",
            "{anc: 1.0 x10^9/L, platelets: 50 x10^9/L}",
            "2026-03-27",
        ),
        # baseline 1.0 / 50 is not low: the normal-baseline ANC rule applies (0.9 < 1 waits, 1.0 recovers)
        ("{anc: 1.0 x10^9/L, platelets: 50 x10^9/L}", "{anc: 0.9 x10^9/L}", "{anc: 1.0 x10^9/L}", "2026-03-27"),
    ],
)
def test_low_baseline_next_cycle_waits(baseline, before_cycle_2, later, start_2):
    limits = f"limits: {{baseline: {baseline}}}\n"
    entries = f"  - {{date: 2026-03-22, labs: {before_cycle_2}}}\n  - {{date: 2026-03-27, labs: {later}}}\n"
    c = course("inotuzumab-ozogamicin", entries, limits, response="CR", cycles=2)
    assert c.cycles[1].start_date.isoformat() == start_2


def test_low_baseline_stable_marrow_lets_the_cycle_go_on():
    limits = "limits: {baseline: {anc: 0.8 x10^9/L, platelets: 30 x10^9/L}}\n"
    entries = "  - {date: 2026-03-22, labs: {anc: 0.5 x10^9/L, platelets: 20 x10^9/L}}\n  - {date: 2026-03-25, marrow: stable}\n"
    c = course("inotuzumab-ozogamicin", entries, limits, response="CR", cycles=2)
    assert c.cycles[1].start_date == dt.date(2026, 3, 25)
    same_day = entries.replace("2026-03-25, marrow", "2026-03-22, marrow")
    on_time = course("inotuzumab-ozogamicin", same_day, limits, response="CR", cycles=2)
    assert on_time.cycles[1].start_date == dt.date(2026, 3, 23) and not any(f.kind == "rule" for f in on_time.flags)
    held = course("inotuzumab-ozogamicin", entries.replace("stable", "progressed"), limits, response="CR", cycles=2)
    assert {a.status for a in doses(held, "inotuzumab ozogamicin") if a.cycle == 2} == {"held"}


# Late doses match their slot: inotuzumab days 8 and 15 may move ±2 days, keeping ≥ 6 days between doses.
# Cycle 1 from 2 March: days 1, 8, 15 = 2, 9, 16 March.
@pytest.mark.parametrize(
    ("given_on", "matched"),
    [("2026-03-11", True), ("2026-03-07", False), ("2026-03-12", False), ("2026-03-08", True)],
)
def test_a_dose_given_within_the_window_is_that_dose(given_on, matched):
    entries = f"  - {{id: late, date: {given_on}, given: [{{drug: inotuzumab ozogamicin, dose: 0.91 mg}}]}}\n"
    c = course("inotuzumab-ozogamicin", entries, cycles=1)
    ino = doses(c, "inotuzumab ozogamicin")
    day_8 = next(a for a in ino if a.day == 8 and not a.id.endswith("/recorded"))
    if matched:
        # 8 March is 6 days after 2 March (kept); 11 March is 2 days late; 7 March would be 5 days after day 1
        assert (day_8.date.isoformat(), day_8.status, day_8.original_date) == (given_on, "given", dt.date(2026, 3, 9))
        assert len(ino) == 3
        assert all((b.date - a.date).days >= 6 for a, b in zip(ino, ino[1:], strict=False))
    else:
        assert len(ino) == 4
        assert any(f.kind == "given-outside-plan" for f in c.flags)


# A dose given outside the plan counts for the ≥ 6-day spacing (reference §2.2, V): the next planned dose
# moves to 6 days after it, and the drug's later doses in the cycle with it. Days 1, 8, 15 = 2, 9, 16 March.
@pytest.mark.parametrize(
    ("given_on", "day_8", "day_15"),
    [
        # 7 March is 5 days after day 1 (no slot): day 8 (9 March, 2 days after) → 7 + 6 = 13 March, day 15 by
        # as much (+4): 16 + 4 = 20 March
        ("2026-03-07", ("2026-03-13", "moved"), ("2026-03-20", "moved")),
        # 12 March is 3 days after day 8 (outside its ±2 window): day 8 stays; day 15 (16 March, 4 days after)
        # → 12 + 6 = 18 March
        ("2026-03-12", ("2026-03-09", "planned"), ("2026-03-18", "moved")),
        # 13 March is 4 days after day 8 and 3 days before day 15 (outside both windows): day 15 → 19 March
        ("2026-03-13", ("2026-03-09", "planned"), ("2026-03-19", "moved")),
        # 14 March is in day 15's window but only 5 days after day 8 (no slot): day 15 → 14 + 6 = 20 March
        ("2026-03-14", ("2026-03-09", "planned"), ("2026-03-20", "moved")),
    ],
)
def test_a_dose_given_outside_the_plan_counts_for_the_spacing(given_on, day_8, day_15):
    entries = f"  - {{id: extra, date: {given_on}, given: [{{drug: inotuzumab ozogamicin, dose: 0.91 mg}}]}}\n"
    c = course("inotuzumab-ozogamicin", entries, cycles=1)
    planned = {
        a.day: (a.date.isoformat(), a.status) for a in doses(c, "inotuzumab ozogamicin") if "/recorded" not in a.id
    }
    assert (planned[8], planned[15]) == (day_8, day_15)
    assert any(f.kind == "spacing" and "recorded as given (extra)" in f.text for f in c.flags)


# Eligibility read as the label means it: "up to 25 years" includes 25.5.
@pytest.mark.parametrize(("age", "flagged"), [("25", False), ("25.5", False), ("25.99", False), ("26", True)])
def test_up_to_25_years_includes_25_and_a_half(age, flagged):
    c = plan(load_regimen("tisagenlecleucel"), make_patient("170cm", "70kg", age), START)
    assert any(f.kind == "eligibility" for f in c.flags) is flagged


def test_a_regimen_sets_a_drug_file_rule_aside_with_a_source():
    text = (bundled_dir() / "rdc-blinatumomab.yaml").read_text()
    aside = (
        "rule_exceptions:\n  - rule: interrupt-for-crs-grade-3\n    reason: test of a stated exception\n"
        "    source: seed-003\nphases:\n"
    )
    regimen = parse_regimen(text.replace("phases:\n", aside, 1), "rdc.yaml")
    ruleset = rules_in_force(regimen)
    assert "interrupt-for-crs-grade-3" not in {r.id for r in ruleset.rules}
    assert [r.id for _, r in ruleset.set_aside] == ["interrupt-for-crs-grade-3"]
    assert {"neurological toxicity", "icans", "seizure", "crs"} <= ruleset.toxicity_terms()
    unknown = parse_regimen(text.replace("phases:\n", aside.replace("interrupt-for-crs", "no-such"), 1), "x.yaml")
    with pytest.raises(PlanningError, match="rule_exceptions names 'no-such-grade-3', not a rule of its drugs' files"):
        rules_in_force(unknown)


@pytest.mark.parametrize("regimen_id", ["blinatumomab", "rdc-blinatumomab"])
def test_every_regimen_giving_blinatumomab_has_the_label_rules(regimen_id):
    ids = {r.id for r in rules_in_force(load_regimen(regimen_id)).rules}
    assert {
        "stop-for-crs-grade-4",
        "stop-for-neurotoxicity-grade-4",
        "stop-for-more-than-one-seizure",
        "stop-for-neurotoxicity-grade-3-at-step-dose",
        "interrupt-for-crs-grade-3",
        "interrupt-for-neurotoxicity-grade-3",
    } <= ids


def test_cycle_1_extended_to_28_days_for_cr_shows_on_the_sheet():
    # inotuzumab cycle 1 (21 days from 2 March) extended to 28 days: cycle 2 recorded as started on 30 March
    from regimencalc.render.sheet import SheetInfo, render_sheet_html

    c = course("inotuzumab-ozogamicin", "  - {id: c2, date: 2026-03-30, started_cycle: 2}\n", response="CR", cycles=2)
    assert [(x.start_date.isoformat(), x.length_days) for x in c.cycles] == [("2026-03-02", 28), ("2026-03-30", 28)]
    html = render_sheet_html(c, SheetInfo(written=START))
    assert "Cycle 1 of 2</span>: Cycle 1, from Mon 2026-03-02, 28 days" in html
    assert "Cycle 2 of 2</span>: Cycles 2-6, from Mon 2026-03-30 (planned 2026-03-23), 28 days" in html


def test_a_new_cycle_shows_on_the_sheet():
    from regimencalc.render.sheet import SheetInfo, render_sheet_html

    entries = "  - {cycle: 1, day: 10, toxicities: {crs: 3}}\n  - {cycle: 1, day: 19, toxicities: {crs: 0}}\n"
    html = render_sheet_html(course("blinatumomab", entries, cycles=2), SheetInfo(written=START))
    assert (
        "Cycle 2 of 3</span>: Cycle 1 (induction, step dose): new cycle after the interruption of cycle 1, "
        "from Fri 2026-03-20, 42 days" in html
    )
    assert "Cycle 3 of 3</span>: Cycle 2 (induction), from Fri 2026-05-01 (planned 2026-04-13), 42 days" in html


def test_neurotoxicity_during_a_restart_at_9_mcg_stops_blinatumomab():
    # CRS grade 3 on day 12, grade 0 on day 14: restart on day 14 (15 March) at 9 mcg/day for 7 days;
    # neurological toxicity grade 3 on 17 March, while at 9 mcg/day → discontinued from 17 March
    entries = (
        "  - {cycle: 1, day: 12, toxicities: {crs: 3}}\n  - {cycle: 1, day: 14, toxicities: {crs: 0}}\n"
        "  - {date: 2026-03-17, toxicities: {neurological toxicity: 3}}\n"
    )
    c = course("blinatumomab", entries, cycles=2)
    by_date = {a.date.isoformat(): (a.status, a.dose.value) for a in doses(c, "blinatumomab") if a.cycle == 1}
    assert by_date["2026-03-15"] == ("moved", 9.0) and by_date["2026-03-16"] == ("moved", 9.0)
    assert by_date["2026-03-17"][0] == "discontinued"
    assert any("stop-for-neurotoxicity-grade-3-at-step-dose" in f.text for f in c.flags)


def test_show_lists_every_rule_in_force_and_where_it_came_from():
    from regimencalc.render.protocol import render_protocol

    text = render_protocol(load_regimen("rdc-blinatumomab"))
    rules = text[text.index("RULES IN FORCE") : text.index("SOURCES")]
    assert rules.count("from drug file blinatumomab (drugs/blinatumomab.yaml)") == 6
    assert "interrupt-for-crs-grade-3 — Interrupt blinatumomab for grade 3 cytokine release syndrome" in rules
    ino = render_protocol(load_regimen("inotuzumab-infant-extended"))
    assert "spacing: inotuzumab ozogamicin at least 6 days apart, given up to 2 days off its day" in ino
    assert "source label-inotuzumab-eu: BESPONSA (inotuzumab ozogamicin) EU summary of product" in ino


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ("drugs: [blinatumomab]\n    when: {any: [{toxicity: crs, grade_at_least: 4}]}", "is for [blinatumomab] only"),
        ("source: astct-grading", "source 'astct-grading' is not declared"),
    ],
)
def test_a_drug_file_rule_is_checked_like_a_regimen_rule(change, fragment):
    from regimencalc.errors import InputFileError
    from regimencalc.protocol.bundled import bundled_drug_dir
    from regimencalc.protocol.drugs import DrugFile

    text = (bundled_drug_dir() / "blinatumomab.yaml").read_text()
    broken = (
        text.replace(change, change.replace("[blinatumomab]", "[vindesine]"), 1)
        if "drugs:" in change
        else text.replace("  astct-grading:", "  astct:", 1)
    )
    with pytest.raises(InputFileError) as caught:
        parse_document(broken, "blinatumomab.yaml", DrugFile)
    assert any(fragment in p.message for p in caught.value.problems)


def test_a_second_seizure_during_the_restart_week_is_recorded_once_at_the_step_dose():
    # seizure on day 10 (11 March, 28 mcg/day): withheld; neurotoxicity 0 on 12 March, 3 days → restart on
    # 15 March (a 4-day interruption: same cycle) at 9 mcg/day for 7 days (15-21 March); second seizure on
    # 19 March → discontinued from 19 March: 19-21 March would have been 9 mcg/day, from 22 March 28 mcg/day
    entries = (
        "  - {cycle: 1, day: 10, toxicities: {seizure: 1}}\n"
        "  - {cycle: 1, day: 11, toxicities: {neurological toxicity: 0}}\n"
        "  - {id: second, date: 2026-03-19, toxicities: {seizure: 1}}\n"
    )
    c = course("blinatumomab", entries, cycles=2)
    stopped = [a for a in doses(c, "blinatumomab") if a.status == "discontinued"]
    cycle_1 = [(a.date.isoformat(), a.dose.value) for a in stopped if a.cycle == 1]
    assert cycle_1[:4] == [("2026-03-19", 9.0), ("2026-03-20", 9.0), ("2026-03-21", 9.0), ("2026-03-22", 28.0)]
    assert len(cycle_1) == 15  # days 14-28 of the cycle (28 - 14 + 1)
    assert {a.because[0] for a in stopped} == {"stop-for-more-than-one-seizure"}
    fired = [f for f in c.flags if "stop-for-more-than-one-seizure" in f.text and f.kind == "rule"]
    assert [f.text.split(": ")[1] for f in fired] == ["blinatumomab discontinued from 2026-03-19"]


def test_a_cycle_starts_on_its_day_1_dose_when_spacing_moves_it():
    # day 15 (16 March) held for bilirubin 2 x ULN with ALT 3 x ULN, recovered on 18 March (1.5 and 2.5 x ULN):
    # moved to 18 March; cycle 2 day 1 (23 March) is then 5 days after it → 18 + 6 = 24 March; cycle 3
    # counts 28 days from there: 24 March + 28 = 21 April (planned 20 April)
    limits = "limits: {uln: {bilirubin: 1.0 mg/dL, ast: 40 U/L, alt: 40 U/L}}\n"
    entries = (
        "  - {date: 2026-03-16, labs: {bilirubin: 2.0 mg/dL, alt: 120 U/L, ast: 60 U/L}}\n"
        "  - {date: 2026-03-18, labs: {bilirubin: 1.5 mg/dL, alt: 100 U/L, ast: 60 U/L}}\n"
    )
    c = course("inotuzumab-ozogamicin", entries, limits, response="CR", cycles=3)
    starts = [(x.start_date.isoformat(), x.original_start_date and x.original_start_date.isoformat()) for x in c.cycles]
    assert starts == [("2026-03-02", None), ("2026-03-24", "2026-03-23"), ("2026-04-21", "2026-04-20")]
    day_1 = next(a for a in doses(c, "inotuzumab ozogamicin") if (a.cycle, a.day) == (2, 1))
    assert day_1.date == c.cycles[1].start_date


def test_flags_name_the_replanned_cycles_and_dates():
    # CRS grade 3 on day 10 (11 March), grade 0 on day 18 (19 March): an 8-day interruption → a new cycle from
    # 19 March (42 days), the planned cycle 2 from 19 March + 42 = 30 April (course cycle 3), the planned
    # cycle 3 from 30 April + 42 = 11 June (course cycle 4). --response NR is dated at the planned start of
    # cycle 3: 2 March + 2 × 42 = 25 May; the gate then reads it before course cycle 4.
    entries = "  - {cycle: 1, day: 10, toxicities: {crs: 3}}\n  - {cycle: 1, day: 18, toxicities: {crs: 0}}\n"
    c = course("blinatumomab", entries, cycles=3, response="NR")
    assert [(x.number, x.start_date.isoformat(), x.planned_number) for x in c.cycles] == [
        (1, "2026-03-02", None),
        (2, "2026-03-19", None),
        (3, "2026-04-30", 2),
        (4, "2026-06-11", 3),
    ]
    stated = next(f.text for f in c.flags if f.kind == "response-option")
    assert stated.startswith(
        "--response NR is taken as a response assessed on 2026-05-25 (Cycles 3-9 only for patients in CR/CRi after "
        "2 cycles (cycles-3-to-9-need-cr-after-2-cycles), before cycle 3 as planned; re-planned, that cycle is "
        "cycle 4 (cycle 3 of the plan), from 2026-06-11: where the plan first reads a response)"
    )
    assert any(
        f.text.endswith(
            "treatment discontinued from cycle 4 (cycle 3 of the plan) (2026-06-11): latest response NR "
            "(response-option, 2026-05-25)"
        )
        for f in c.flags
    )
    assert {a.status for a in doses(c, "blinatumomab") if a.cycle == 4} == {"discontinued"}


def test_the_day_22_assessment_follows_a_short_interruption():
    # RDC from 2 March: blinatumomab days 8-21; CRS grade 3 on day 16 (17 March), grade 0 on day 19 (20 March):
    # a 3-day interruption, the cycle goes on, so day 22 (planned 23 March) falls 3 days later, on 26 March
    entries = "  - {cycle: 1, day: 16, toxicities: {crs: 3}}\n  - {cycle: 1, day: 19, toxicities: {crs: 0}}\n"
    c = course("rdc-blinatumomab", entries, response="CR")
    stated = next(f.text for f in c.flags if f.kind == "response-option")
    assert (
        "on 2026-03-23 (Day-22 response assessment, cycle 1 day 22 as planned; re-planned, day 22 of cycle 1 falls on 2026-03-26:"
        in stated
    )
