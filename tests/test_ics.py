"""The .ics calendar, read back by two independent parsers: vobject (Python) and Mozilla's ical.js
(the parser of Thunderbird), which CI installs from npm rather than skipping."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from regimencalc.dosing.patient import make_patient
from regimencalc.dosing.timing import CalendarOptions, calendar_options
from regimencalc.planner import plan
from regimencalc.protocol.loader import load_regimen
from regimencalc.render.ics import render_ics
from regimencalc.replan.observations import Observations

START = dt.date(2026, 1, 5)
ADULT = ("--height", "170cm", "--weight", "70kg", "--start", "2026-01-05")


def course(regimen_id: str = "rdc-blinatumomab", entries: str | None = None, **options: object):
    observations = None
    if entries is not None:
        observations = Observations.model_validate({"schema_version": 1, "entries": json.loads(entries)})
    return plan(load_regimen(regimen_id), make_patient("170cm", "70kg"), START, observations=observations, **options)


def events(text: str) -> list:
    return list(vobject.readOne(text).vevent_list)


def test_one_event_per_dose_and_one_per_infusion_period():
    parsed = events(render_ics(course(), CalendarOptions()))
    # idarubicin d1, vindesine d1, dexamethasone d1-7 (7 events), blinatumomab d8-21 as one infusion period
    assert len(parsed) == 1 + 1 + 7 + 1
    infusion = next(e for e in parsed if e.summary.value.startswith("blinatumomab"))
    assert infusion.summary.value == "blinatumomab 9 mcg/day → 28 mcg/day CIV (cycle 1 days 8-21)"
    assert (infusion.dtstart.value, infusion.dtend.value) == (dt.date(2026, 1, 12), dt.date(2026, 1, 26))
    vindesine = next(e for e in parsed if e.summary.value.startswith("vindesine"))
    assert vindesine.summary.value == "vindesine 4 mg IV" and vindesine.dtstart.value == START
    assert "3 mg/m² × 1.818 m² (BSA, Mosteller) = 5.454 mg → above the cap of 4 mg" in vindesine.description.value
    assert (
        "Cycle 1 day 1 (2026-01-05)" in vindesine.description.value
        and "seed-003: Lu J et al." in vindesine.description.value
    )
    assert len({e.uid.value for e in parsed}) == len(parsed)
    assert {e.dtstamp.value for e in parsed} == {dt.datetime(2026, 1, 5, tzinfo=dt.UTC)}


def test_every_administration_is_in_the_calendar():
    planned = course("clag-lipo-mitoxantrone")
    parsed = events(render_ics(planned, CalendarOptions()))
    assert len(parsed) == len(planned.administrations)  # no infusions: one event each
    assert sorted(e.dtstart.value for e in parsed) == sorted(a.date for a in planned.administrations)


def test_two_exports_are_byte_identical_and_uids_survive_replanning():
    options = CalendarOptions(at=dt.time(9, 0), zone="Europe/Paris", remind=dt.timedelta(days=1))
    assert render_ics(course(), options) == render_ics(course(), options)
    before = {e.uid.value: e for e in events(render_ics(course("vmp-lipo-mitoxantrone"), CalendarOptions()))}
    story = json.dumps(
        [
            {"id": "low", "date": "2026-01-18", "labs": {"wbc": "0.6 x10^9/L", "platelets": "32 x10^9/L"}},
            {"id": "ok", "date": "2026-01-23", "labs": {"wbc": "1.3 x10^9/L", "platelets": "56 x10^9/L"}},
        ]
    )
    after = {e.uid.value: e for e in events(render_ics(course("vmp-lipo-mitoxantrone", story), CalendarOptions()))}
    assert set(after) == set(before)  # the same events, updated, not duplicated
    changed = [uid for uid in after if after[uid].dtstart.value != before[uid].dtstart.value]
    assert len(changed) == 3  # liposomal mitoxantrone days 15-17 moved
    assert all(int(after[u].sequence.value) > int(before[u].sequence.value) for u in changed)
    assert {int(after[u].sequence.value) for u in after if u not in changed} == {0}


def test_held_doses_are_cancelled_not_dropped():
    held = json.dumps([{"id": "low", "date": "2026-01-18", "labs": {"wbc": "0.6 x10^9/L", "platelets": "32 x10^9/L"}}])
    parsed = events(render_ics(course("vmp-lipo-mitoxantrone", held), CalendarOptions()))
    cancelled = [e for e in parsed if e.status.value == "CANCELLED"]
    assert [e.dtstart.value for e in sorted(cancelled, key=lambda e: e.dtstart.value)] == [
        dt.date(2026, 1, 19),
        dt.date(2026, 1, 20),
        dt.date(2026, 1, 21),
    ]
    assert all(e.summary.value.startswith("CANCELLED: liposomal mitoxantrone") for e in cancelled)
    assert not any(hasattr(e, "valarm") for e in cancelled)


def test_timed_events_carry_a_vtimezone_and_reminders():
    text = render_ics(course(), CalendarOptions(at=dt.time(9, 0), zone="Europe/Paris", remind=dt.timedelta(days=1)))
    calendar = vobject.readOne(text)
    assert calendar.vtimezone.tzid.value == "Europe/Paris"
    first = sorted(calendar.vevent_list, key=lambda e: e.dtstart.value)[0]
    assert first.dtstart.value == dt.datetime(2026, 1, 5, 9, 0, tzinfo=first.dtstart.value.tzinfo)
    assert first.dtstart.value.utcoffset() == dt.timedelta(hours=1)
    assert first.valarm.trigger.value == -dt.timedelta(days=1)


def test_per_day_events():
    parsed = events(render_ics(course(), CalendarOptions(per_day=True)))
    first = next(e for e in parsed if e.dtstart.value == START)
    assert first.summary.value == "idarubicin 14.5 mg IV; vindesine 4 mg IV; dexamethasone 16.4 mg IV"
    assert len(parsed) == 21  # days 1-21 each have at least one dose


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"at": "9am"}, "--time '9am' is not a time of day"),
        ({"at": "09:00", "zone": "Mars/Olympus"}, "--tz 'Mars/Olympus' is not a known time zone"),
        ({"zone": "Europe/Paris"}, "needs --time"),
        ({"remind": "soon"}, "--remind 'soon' is not a duration"),
        ({"remind": "3 mg"}, "--remind '3 mg' is not a duration"),
        ({"remind": "40d"}, "from 1 minute to 28 days"),
    ],
)
def test_bad_calendar_options(kwargs, message):
    from regimencalc.errors import RegimencalcError

    arguments = {"per_day": False, "at": None, "zone": None, "remind": None, "course_id": None} | kwargs
    with pytest.raises(RegimencalcError, match=message):
        calendar_options(**arguments)


def test_ics_command_writes_a_file_once(run_cli, tmp_path: Path):
    target = tmp_path / "course.ics"
    assert run_cli("ics", "vicp", *ADULT, "--remind", "12h", "-o", str(target))[0] == 0
    assert len(events(target.read_text())) == 4 + 3 + 1 + 7
    code, _, err = run_cli("ics", "vicp", *ADULT, "-o", str(target))
    assert code == 1 and "already exists" in err


@pytest.fixture(scope="session")
def ical_js(tmp_path_factory) -> Path:
    """Mozilla's ical.js installed from npm; in CI a missing node or npm fails instead of skipping."""
    if not (shutil.which("node") and shutil.which("npm")):
        if os.environ.get("CI"):
            pytest.fail("node and npm are needed for the ical.js check in CI")
        pytest.skip("node/npm not installed")
    folder = tmp_path_factory.mktemp("icaljs")
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(folder), "ical.js@2"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder / "node_modules" / "ical.js" / "dist" / "ical.js"


def test_mozilla_ical_js_reads_every_event(ical_js: Path, tmp_path: Path):
    replanned = course(
        "vmp-lipo-mitoxantrone",
        json.dumps([{"date": "2026-01-18", "labs": {"wbc": "0.6 x10^9/L", "platelets": "32 x10^9/L"}}]),
    )
    file = tmp_path / "course.ics"
    file.write_text(
        render_ics(replanned, CalendarOptions(at=dt.time(9, 30), zone="Europe/Paris", remind=dt.timedelta(hours=12)))
    )
    script = Path(__file__).parent / "js" / "parse-ics.mjs"
    result = subprocess.run(
        ["node", str(script), str(ical_js), str(file)], check=True, capture_output=True, text=True, timeout=60
    )
    parsed = json.loads(result.stdout)
    assert parsed["timezones"] == 1
    assert len(parsed["events"]) == len(replanned.administrations)
    assert len({e["uid"] for e in parsed["events"]}) == len(parsed["events"])
    assert {e["timezone"] for e in parsed["events"]} == {"Europe/Paris"}
    first = min(parsed["events"], key=lambda e: e["start"])
    assert first["start"] == "2026-01-05T09:30:00" and first["end"] == "2026-01-05T10:30:00"
    cancelled = sorted(e["start"] for e in parsed["events"] if e["status"] == "CANCELLED")
    assert cancelled == ["2026-01-19T09:30:00", "2026-01-20T09:30:00", "2026-01-21T09:30:00"]
    assert all(e["alarms"] == (0 if e["status"] == "CANCELLED" else 1) for e in parsed["events"])


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(
        ["rdc-blinatumomab", "vmp-lipo-mitoxantrone", "clag-lipo-mitoxantrone", "tisagenlecleucel", "vicp"]
    ),
    st.booleans(),
)
def test_every_administration_round_trips_through_the_calendar(regimen_id, per_day):
    planned = course(regimen_id)
    parsed = events(render_ics(planned, CalendarOptions(per_day=per_day)))
    for a in planned.administrations:
        covering = [e for e in parsed if e.dtstart.value <= a.date < e.dtend.value and a.drug in e.summary.value]
        assert len(covering) == 1, (a.id, len(covering))
