"""Doses and dates of every bundled regimen, computed by hand from the sources.

Each expected dose is the source's per-unit dose × the hand-computed BSA (conftest) or weight,
capped where the source caps it, then rounded to 3 significant figures.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import course_for, doses


def one(course, drug, cycle, day):
    matches = [a for a in doses(course, drug) if a.cycle == cycle and a.day == day]
    assert len(matches) == 1, f"{drug} c{cycle} d{day}: {len(matches)} administrations"
    return matches[0]


# RDC-blinatumomab (seed 003): idarubicin 8 mg/m² d1, vindesine 3 mg/m² up to 4 mg d1,
# dexamethasone 9 mg/m²/day d1-7, blinatumomab 9 mcg/day d8-14 and 28 mcg/day d15-21.
@pytest.mark.parametrize(
    ("who", "idarubicin", "vindesine", "dexamethasone", "capped"),
    [
        ("adult", 14.5, 4.0, 16.4, True),  # 8 × 1.81812 = 14.545; 3 × 1.81812 = 5.454 → cap 4
        ("small", 10.3, 3.87, 11.6, False),  # 10.328; 3.873; 11.619
        ("large", 19.3, 4.0, 21.7, True),  # 19.276; 7.228 → cap 4; 21.685
        ("child", 6.85, 2.57, 7.71, False),  # 6.851; 2.569; 7.707
    ],
)
def test_rdc_blinatumomab_chemotherapy(who, idarubicin, vindesine, dexamethasone, capped):
    course = course_for("rdc-blinatumomab", who)
    assert one(course, "idarubicin", 1, 1).dose.value == idarubicin
    vds = one(course, "vindesine", 1, 1)
    assert (vds.dose.value, vds.dose.unit) == (vindesine, "mg")
    assert any(step.kind == "cap" and "capped at 4 mg" in step.text for step in vds.trace) is capped
    dex = doses(course, "dexamethasone")
    assert [a.day for a in dex] == [1, 2, 3, 4, 5, 6, 7]
    assert {a.dose.value for a in dex} == {dexamethasone}


def test_rdc_blinatumomab_infusion_days_dates_and_totals():
    course = course_for("rdc-blinatumomab", "adult")
    blin = doses(course, "blinatumomab")
    assert [a.day for a in blin] == list(range(8, 22))
    assert blin[0].date == dt.date(2026, 1, 12) and blin[-1].date == dt.date(2026, 1, 25)
    assert {a.dose.value for a in blin if a.day <= 14} == {9.0}
    assert {a.dose.value for a in blin if a.day >= 15} == {28.0}
    assert blin[0].rate is not None and (blin[0].rate.value, blin[0].rate.unit) == (9.0, "mcg/day")
    totals = {t.drug: t.total for t in course.totals}
    assert (totals["blinatumomab"].value, totals["blinatumomab"].unit) == (259.0, "mcg")  # 7 × 9 + 7 × 28
    assert totals["dexamethasone"].value == 114.8  # 7 × 16.4


def test_rdc_blinatumomab_4w_arm_extends_to_day_35():
    course = course_for("rdc-blinatumomab", "adult", response="NR")
    blin = doses(course, "blinatumomab")
    assert [a.day for a in blin] == list(range(8, 36))
    assert blin[-1].date == dt.date(2026, 2, 8)
    assert {t.drug: t.total.value for t in course.totals}["blinatumomab"] == 651.0  # 259 + 14 × 28
    assert course.cycles[0].branches == {"day-22-response": "rdc-blinatumomab-4w"}


def test_rdc_blinatumomab_default_arm_is_2w_and_flagged():
    course = course_for("rdc-blinatumomab", "adult")
    assert course.cycles[0].branches == {"day-22-response": "rdc-blinatumomab-2w"}
    assert any(f.kind == "branch-default" and "no response given" in f.text for f in course.flags)
    assert (
        course_for("rdc-blinatumomab", "adult", response="CRi").cycles[0].branches["day-22-response"]
        == "rdc-blinatumomab-2w"
    )


@pytest.mark.parametrize(("who", "flagged"), [("adult", False), ("small", True), ("child", True)])
def test_rdc_blinatumomab_flags_patients_under_45_kg(who, flagged):
    course = course_for("rdc-blinatumomab", who)
    under_45 = [f for f in course.flags if "under 45 kg" in f.text]
    assert bool(under_45) is flagged
    if flagged:
        assert all(under_45[0].id in a.flags for a in doses(course, "blinatumomab"))


# CLAG + liposomal mitoxantrone (seed 001): Lipo-MIT 18 mg/m² d1, cladribine 5 mg/m² d1-5,
# cytarabine 1 g/m² d1-5, G-CSF 300 mcg d0-5, every 28 days, up to 2 cycles.
@pytest.mark.parametrize(
    ("who", "mitoxantrone", "cladribine", "cytarabine_g"),
    [
        ("adult", 32.7, 9.09, 1.82),  # 32.726; 9.0906; 1.81812
        ("small", 23.2, 6.45, 1.29),  # 23.238; 6.4550 (6.45497); 1.29099
        ("large", 43.4, 12.0, 2.41),  # 43.371; 12.047; 2.40947
        ("child", 15.4, 4.28, 0.856),  # 15.414; 4.2817; 0.85635
    ],
)
def test_clag_lipo_mitoxantrone_doses(who, mitoxantrone, cladribine, cytarabine_g):
    course = course_for("clag-lipo-mitoxantrone", who)
    assert one(course, "liposomal mitoxantrone", 1, 1).dose.value == mitoxantrone
    assert {a.dose.value for a in doses(course, "cladribine")} == {cladribine}
    ara = doses(course, "cytarabine")
    assert {(a.dose.value, a.dose.unit) for a in ara} == {(cytarabine_g, "g")}
    assert [(a.cycle, a.day) for a in ara] == [(c, d) for c in (1, 2) for d in range(1, 6)]


def test_clag_gcsf_day_0_is_the_day_before_each_cycle():
    course = course_for("clag-lipo-mitoxantrone", "adult")
    gcsf = doses(course, "filgrastim")
    assert [(a.cycle, a.day) for a in gcsf] == [(c, d) for c in (1, 2) for d in range(0, 6)]
    assert {(a.dose.value, a.dose.unit) for a in gcsf} == {(300.0, "mcg")}
    assert gcsf[0].date == dt.date(2026, 1, 4)  # day 0 = day before the start
    assert course.cycles[1].start_date == dt.date(2026, 2, 2)  # 28 days after 2026-01-05
    assert gcsf[6].date == dt.date(2026, 2, 1)  # cycle 2 day 0 = cycle 1 day 28


@pytest.mark.parametrize(("age", "flagged"), [("10", True), ("18", False), ("60", False), ("61", True), (None, True)])
def test_clag_eligibility_18_to_60(age, flagged):
    course = course_for("clag-lipo-mitoxantrone", "adult", age=age)
    assert any(f.kind == "eligibility" for f in course.flags) is flagged


# VMP (seed 000): vindesine 4 mg d1, 8, 15, 22; liposomal mitoxantrone 10 mg d1-3 and d15-17;
# prednisone 60 mg d1-7 then 40 mg d8-14 and 20 mg d15-21 (institutional reading of the taper).
def test_vmp_flat_doses_dates_and_taper():
    course = course_for("vmp-lipo-mitoxantrone", "large")
    vds = doses(course, "vindesine")
    assert [(a.day, a.date, a.dose.value) for a in vds] == [
        (1, dt.date(2026, 1, 5), 4.0),
        (8, dt.date(2026, 1, 12), 4.0),
        (15, dt.date(2026, 1, 19), 4.0),
        (22, dt.date(2026, 1, 26), 4.0),
    ]
    mit = doses(course, "liposomal mitoxantrone")
    assert [a.day for a in mit] == [1, 2, 3, 15, 16, 17]
    assert {a.dose.value for a in mit} == {10.0}
    pred = doses(course, "prednisone")
    assert [(a.day, a.dose.value) for a in pred] == [(d, 60.0) for d in range(1, 8)] + [
        (d, 40.0) for d in range(8, 15)
    ] + [(d, 20.0) for d in range(15, 22)]
    totals = {t.drug: t.total.value for t in course.totals}
    assert totals == {"vindesine": 16.0, "liposomal mitoxantrone": 60.0, "prednisone": 840.0}


def test_vmp_and_vicp_flag_the_vinca_identity_on_every_vinca_dose():
    for regimen_id in ("vmp-lipo-mitoxantrone", "vicp"):
        course = course_for(regimen_id, "adult")
        identity = [f for f in course.flags if f.kind == "drug-identity"]
        assert len(identity) == 1 and "vincristine" in identity[0].text and "VINDESINE" in identity[0].text
        assert all(identity[0].id in a.flags for a in doses(course, "vindesine"))
        assert not doses(course, "vincristine")


def test_vicp_doses():
    course = course_for("vicp", "adult")
    assert [a.day for a in doses(course, "vindesine")] == [1, 8, 15, 22]
    assert [(a.day, a.dose.value) for a in doses(course, "idarubicin")] == [(1, 10.0), (2, 10.0), (3, 10.0)]
    cyclo = doses(course, "cyclophosphamide")
    assert [(a.day, a.dose.value, a.dose.unit) for a in cyclo] == [(1, 1.0, "g")]
    assert any(f.kind == "reconstructed" for f in course.flags)
    assert [a.day for a in doses(course, "prednisone")] == list(range(1, 8))


# Inotuzumab (label): cycle 1 (21 days) 0.8 mg/m² d1, 0.5 mg/m² d8 and d15; later 28-day cycles
# 0.5 mg/m² d1/8/15 in CR/CRi, else 0.8/0.5/0.5.
@pytest.mark.parametrize(
    ("who", "first", "later"),
    [
        ("adult", 1.45, 0.909),  # 1.4545; 0.90906
        ("small", 1.03, 0.645),  # 1.0328; 0.64550 (0.645497)
        ("large", 1.93, 1.2),  # 1.9276; 1.2047
        ("child", 0.685, 0.428),  # 0.68508; 0.42817
    ],
)
def test_inotuzumab_cycle_1(who, first, later):
    course = course_for("inotuzumab-ozogamicin", who, cycles=1)
    ino = doses(course, "inotuzumab ozogamicin")
    assert [(a.day, a.dose.value) for a in ino] == [(1, first), (8, later), (15, later)]
    assert [a.date for a in ino] == [dt.date(2026, 1, 5), dt.date(2026, 1, 12), dt.date(2026, 1, 19)]


def test_inotuzumab_later_cycles_follow_the_response():
    in_cr = course_for("inotuzumab-ozogamicin", "adult", cycles=3, response="CR")
    assert in_cr.cycles[1].start_date == dt.date(2026, 1, 26)  # cycle 1 is 21 days
    assert in_cr.cycles[2].start_date == dt.date(2026, 2, 23)  # later cycles are 28 days
    assert [(a.day, a.dose.value) for a in doses(in_cr, "inotuzumab ozogamicin") if a.cycle == 2] == [
        (1, 0.909),
        (8, 0.909),
        (15, 0.909),
    ]
    not_cr = course_for("inotuzumab-ozogamicin", "adult", cycles=2, response="PR")
    assert [(a.day, a.dose.value) for a in doses(not_cr, "inotuzumab ozogamicin") if a.cycle == 2] == [
        (1, 1.45),
        (8, 0.909),
        (15, 0.909),
    ]
    assert len(course_for("inotuzumab-ozogamicin", "adult", response="CRi").cycles) == 6


def test_inotuzumab_later_cycles_refuse_without_a_response():
    from regimencalc.errors import PlanningError

    with pytest.raises(PlanningError, match=r"cycle 2: .* give --response CR\|CRi\|PR\|NR"):
        course_for("inotuzumab-ozogamicin", "adult")


def test_inotuzumab_infant_extended_schedule():
    # infant 85 cm, 12 kg: BSA 0.53229; 0.8 × 0.53229 = 0.42583 → 0.426; 0.5 × = 0.26615 → 0.266
    course = course_for("inotuzumab-infant-extended", "infant")
    ino = doses(course, "inotuzumab ozogamicin")
    per_cycle = {c: [a.day for a in ino if a.cycle == c] for c in range(1, 10)}
    assert per_cycle == {
        1: [1, 8, 15],
        2: [1, 8, 15],
        3: [1, 8, 15],
        4: [1, 8, 15],
        5: [1, 8, 15],
        6: [1, 15],
        7: [1, 15],
        8: [1],
        9: [1],
    }
    assert ino[0].dose.value == 0.426 and {a.dose.value for a in ino[1:]} == {0.266}
    assert course.cycles[8].start_date == dt.date(2026, 1, 5) + dt.timedelta(days=8 * 28)
    kinds = {f.kind for f in course.flags}
    assert {"interpretation", "off-label"} <= kinds


# Blinatumomab (label, R/R): ≥ 45 kg 9 mcg/day d1-7 then 28 mcg/day; < 45 kg 5 then 15 mcg/m²/day,
# capped at 9 and 28 mcg/day; 28 infusion days per cycle, 42-day cycles 1-5, 84-day cycles 6-9.
def test_blinatumomab_adult_fixed_doses_and_cycle_dates():
    course = course_for("blinatumomab", "adult")
    assert [c.start_date for c in course.cycles] == [
        dt.date(2026, 1, 5),
        dt.date(2026, 2, 16),
        dt.date(2026, 3, 30),
        dt.date(2026, 5, 11),
        dt.date(2026, 6, 22),
        dt.date(2026, 8, 3),
        dt.date(2026, 10, 26),
        dt.date(2027, 1, 18),
        dt.date(2027, 4, 12),
    ]
    blin = doses(course, "blinatumomab")
    assert len(blin) == 9 * 28
    assert [a.dose.value for a in blin if a.cycle == 1] == [9.0] * 7 + [28.0] * 21
    assert {a.dose.value for a in blin if a.cycle > 1} == {28.0}
    assert course.totals[0].total.value == 6923.0  # 7 × 9 + 21 × 28 + 8 × 28 × 28


def test_blinatumomab_child_under_45_kg_per_m2():
    # child 0.85635 m²: 5 × 0.85635 = 4.2817 → 4.28 mcg/day; 15 × 0.85635 = 12.845 → 12.8 mcg/day
    course = course_for("blinatumomab", "child", cycles=2)
    blin = doses(course, "blinatumomab")
    assert [a.dose.value for a in blin if a.cycle == 1] == [4.28] * 7 + [12.8] * 21
    assert {a.dose.value for a in blin if a.cycle == 2} == {12.8}
    assert any(s.kind == "band" and "under 45 kg" in s.text for s in blin[0].trace)


def test_blinatumomab_45_kg_exactly_is_the_fixed_dose_band():
    course = course_for("blinatumomab", "adult", cycles=1)
    from regimencalc.dosing.patient import make_patient
    from regimencalc.planner import plan
    from regimencalc.protocol.loader import load_regimen

    at_45 = plan(load_regimen("blinatumomab"), make_patient("160cm", "45kg"), course.start_date, cycles=1)
    assert doses(at_45, "blinatumomab")[0].dose.value == 9.0
    below = plan(load_regimen("blinatumomab"), make_patient("160cm", "44.9kg"), course.start_date, cycles=1)
    # √(160 × 44.9 / 3600) = 1.41264 m²; 5 × 1.41264 = 7.063 → 7.06
    assert doses(below, "blinatumomab")[0].dose.value == 7.06


# Tisagenlecleucel (label): ≤ 50 kg 0.2-5.0 ×10⁶ cells/kg; > 50 kg 0.1-2.5 ×10⁸ cells in total.
@pytest.mark.parametrize(
    ("height", "weight", "low", "high"),
    [
        ("120cm", "22kg", 4.4e6, 1.1e8),  # 0.2e6 × 22; 5e6 × 22
        ("125cm", "23.7kg", 4.74e6, 1.18e8),  # 5e6 × 23.7 = 1.185e8, rounded down (inwards) to 1.18e8
        ("155cm", "50kg", 1.0e7, 2.5e8),  # 50 kg is still per kg: 0.2e6 × 50; 5e6 × 50
        ("160cm", "51kg", 1.0e7, 2.5e8),  # over 50 kg: the flat total range
        ("180cm", "110kg", 1.0e7, 2.5e8),
    ],
)
def test_tisagenlecleucel_dose_range(height, weight, low, high):
    from regimencalc.dosing.patient import make_patient
    from regimencalc.planner import plan
    from regimencalc.protocol.loader import load_regimen

    course = plan(load_regimen("tisagenlecleucel"), make_patient(height, weight, 12), dt.date(2026, 1, 5))
    (infusion,) = course.administrations
    assert (infusion.dose.value, infusion.dose.max, infusion.dose.unit) == (low, high, "cells")
    assert infusion.day == 1 and infusion.date == dt.date(2026, 1, 5)


def test_tisagenlecleucel_age_over_25_is_flagged():
    course = course_for("tisagenlecleucel", "adult", age="30")
    assert any(f.kind == "eligibility" and "outside" in f.text for f in course.flags)
