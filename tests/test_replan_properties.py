"""Re-planning properties over random observation sets (hypothesis).

Whatever is observed, re-planning never raises a dose above its planned dose, never moves a date
earlier than planned, never drops a planned administration, and gives the same course twice.
"Planned" is the plan with the same response assessments (a response legitimately picks another
arm, such as inotuzumab's 0.8 mg/m² day 1 without CR/CRi); the rules and records can only lower.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from regimencalc.dosing.patient import make_patient
from regimencalc.planner import plan
from regimencalc.protocol.loader import load_regimen
from regimencalc.replan.observations import Observations

START = dt.date(2026, 3, 2)
REGIMENS = [
    "vmp-lipo-mitoxantrone",
    "rdc-blinatumomab",
    "inotuzumab-ozogamicin",
    "blinatumomab",
    str(Path(__file__).parent / "fixtures" / "rules.yaml"),
]

counts = st.decimals(min_value="0.01", max_value="400", places=2).map(lambda d: f"{d} x10^9/L")
entries = st.fixed_dictionaries(
    {"date": st.integers(min_value=-1, max_value=40).map(lambda n: START + dt.timedelta(days=n))},
    optional={
        "labs": st.fixed_dictionaries({}, optional={"wbc": counts, "platelets": counts, "anc": counts}),
        "toxicities": st.fixed_dictionaries(
            {}, optional={"crs": st.integers(0, 5), "seizure": st.integers(0, 5), "lung infection": st.integers(0, 5)}
        ),
        "response": st.sampled_from(["CR", "CRi", "PR", "NR"]),
    },
)
# one entry per date: two entries of a date that disagree are refused (test_hostile_inputs)
observation_sets = st.lists(entries, min_size=1, max_size=8, unique_by=lambda e: e["date"]).map(
    lambda items: Observations.model_validate(
        {"schema_version": 1, "limits": {"uln": {"alt": "40 U/L", "bilirubin": "1.2 mg/dL"}}, "entries": items}
    )
)


def responses_only(observations: Observations) -> Observations:
    entries = [
        {"date": e.date, "response": e.response} if e.response else {"date": e.date} for e in observations.entries
    ]
    return Observations.model_validate({"schema_version": 1, "entries": entries})


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(REGIMENS), observation_sets)
def test_replanning_never_raises_a_dose_moves_back_or_drops_a_dose(regimen_id, observations):
    regimen = load_regimen(regimen_id)
    patient = make_patient("170cm", "70kg")
    cycles = min(2, regimen.total_cycles)
    planned = {
        a.id: a
        for a in plan(
            regimen, patient, START, response="CR", cycles=cycles, observations=responses_only(observations)
        ).administrations
    }
    course = plan(regimen, patient, START, response="CR", cycles=cycles, observations=observations)
    replanned = {a.id: a for a in course.administrations}
    assert set(planned) <= set(replanned)
    for key, before in planned.items():
        after = replanned[key]
        assert after.dose.value <= before.dose.value
        assert after.date >= before.date
        assert (after.original_date is not None) == (after.date != before.date)
    dates = [a.date for a in course.administrations]
    assert dates == sorted(dates)
    assert plan(regimen, patient, START, response="CR", cycles=cycles, observations=observations) == course
