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
    """The dose events (supportive lines, category SUPPORTIVE, are tested in test_supportive.py)."""
    return [e for e in vobject.readOne(text).vevent_list if not hasattr(e, "categories")]


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
    replanned = course("vmp-lipo-mitoxantrone", story)
    after = {e.uid.value: e for e in events(render_ics(replanned, CalendarOptions(), course("vmp-lipo-mitoxantrone")))}
    assert set(after) == set(before)  # the same events, updated, not duplicated
    changed = [uid for uid in after if after[uid].dtstart.value != before[uid].dtstart.value]
    assert len(changed) == 3  # liposomal mitoxantrone days 15-17 moved
    assert all(int(after[u].sequence.value) > int(before[u].sequence.value) for u in changed)
    # the course's revision: last observation 2026-01-23 is 18 days after 2026-01-05 → 1 + 18 = 19; SEQUENCE is
    # twice that on the events the re-plan changed, one less on those that read as first planned
    assert {int(after[u].sequence.value) for u in changed} == {38}
    assert {int(after[u].sequence.value) for u in after if u not in changed} == {37}
    assert {int(before[u].sequence.value) for u in before} == {0}


class Client:
    """A calendar client's store, as RFC 5546 has it: an event is replaced only by a higher SEQUENCE."""

    def __init__(self) -> None:
        self.store: dict[str, object] = {}

    def load(self, text: str) -> None:
        for event in events(text):
            known = self.store.get(event.uid.value)
            if known is None or int(event.sequence.value) > int(known.sequence.value):
                self.store[event.uid.value] = event

    def shows(self, drug: str) -> list[tuple[dt.date, dt.date, str]]:
        return sorted(
            (e.dtstart.value, e.dtend.value, e.status.value)
            for e in self.store.values()
            if e.summary.value.removeprefix("CANCELLED: ").startswith(drug)
        )


ALL_DAY = CalendarOptions()


def blinatumomab(entries: list[dict] | None = None, cycles: int = 2, options: CalendarOptions = ALL_DAY):
    observations = None if entries is None else json.dumps(entries)
    return render_ics(course("blinatumomab", observations, cycles=cycles), options)


def test_a_client_shows_the_new_dates_after_each_replan():
    client = Client()
    client.load(render_ics(course(), CalendarOptions()))
    # RDC: CR by default, blinatumomab days 8-21 (12-25 January); NR at day 22: days 8-35, the same event
    assert client.shows("blinatumomab") == [(dt.date(2026, 1, 12), dt.date(2026, 1, 26), "CONFIRMED")]
    client.load(render_ics(course(response="CR"), CalendarOptions(), course()))  # CR as assumed: nothing moves
    assert client.shows("blinatumomab") == [(dt.date(2026, 1, 12), dt.date(2026, 1, 26), "CONFIRMED")]
    for _ in range(2):  # then NR, imported twice: the same result
        client.load(render_ics(course(response="NR"), CalendarOptions(), course()))
        assert client.shows("blinatumomab") == [(dt.date(2026, 1, 12), dt.date(2026, 2, 9), "CONFIRMED")]
        assert len(client.store) == 10


def test_a_shortened_infusion_keeps_its_event_and_a_cancelled_cycle_is_the_event_the_client_has():
    client = Client()
    client.load(blinatumomab())
    # cycle 1 days 1-28 from 5 January (ends 2 February); cycle 2 days 1-28 from 16 February (42 days later)
    assert client.shows("blinatumomab") == [
        (dt.date(2026, 1, 5), dt.date(2026, 2, 2), "CONFIRMED"),
        (dt.date(2026, 2, 16), dt.date(2026, 3, 16), "CONFIRMED"),
    ]
    crs = [{"id": "crs4", "cycle": 1, "day": 9, "toxicities": {"crs": 4}}]
    text = blinatumomab(crs)
    for _ in range(2):
        client.load(text)
        # grade 4 CRS on day 9 (13 January): discontinued from that day → days 1-8 (to 12 January), cycle 2 cancelled
        assert client.shows("blinatumomab") == [
            (dt.date(2026, 1, 5), dt.date(2026, 1, 13), "CONFIRMED"),
            (dt.date(2026, 2, 16), dt.date(2026, 3, 16), "CANCELLED"),
        ]
    shortened = next(e for e in events(text) if e.dtstart.value == dt.date(2026, 1, 5))
    assert shortened.summary.value.endswith("(cycle 1 days 1-8); days 9-28 discontinued")
    assert int(shortened.sequence.value) == 2 * (1 + 8)  # day 9 is 8 days after the start: revision 9


def test_an_interrupted_infusion_keeps_its_first_part_and_adds_the_restart():
    client = Client()
    client.load(blinatumomab(cycles=1))
    interrupted = [
        {"id": "crs3", "cycle": 1, "day": 10, "toxicities": {"crs": 3}},
        {"id": "resolved", "cycle": 1, "day": 17, "toxicities": {"crs": 0}},
    ]
    client.load(blinatumomab(interrupted, cycles=1))
    # days 1-9 as planned (5-13 January); days 10-28 restart 7 days late: 21 January to 8 February
    assert client.shows("blinatumomab") == [
        (dt.date(2026, 1, 5), dt.date(2026, 1, 14), "CONFIRMED"),
        (dt.date(2026, 1, 21), dt.date(2026, 2, 9), "CONFIRMED"),
    ]


def test_the_time_zone_is_not_limited_to_the_course_dates():
    text = render_ics(course(), CalendarOptions(at=dt.time(9, 0), zone="Europe/Paris"))
    assert "This timezone only works from 2025-01-01 to 2046-01-01" in text.replace("\r\n ", "")
    assert "20400325T030000" in text.replace("\r\n ", "")  # the spring change of 2040 (last Sunday of March)


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
    assert first.summary.value == "idarubicin 14.5 mg IV; vindesine 4 mg IV; dexamethasone 16.4 mg/day IV"
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


def test_mozilla_ical_js_sees_the_same_event_with_its_new_extent(ical_js: Path, tmp_path: Path):
    script = Path(__file__).parent / "js" / "parse-ics.mjs"
    seen = []
    for entries in (None, [{"cycle": 1, "day": 9, "toxicities": {"crs": 4}}]):
        file = tmp_path / "course.ics"
        file.write_text(blinatumomab(entries, cycles=1))
        result = subprocess.run(
            ["node", str(script), str(ical_js), str(file)], check=True, capture_output=True, text=True, timeout=60
        )
        doses = [e for e in json.loads(result.stdout)["events"] if "SUPPORTIVE" not in e["categories"]]
        seen.append(doses)
    (planned,), (shortened,) = seen
    assert planned["uid"] == shortened["uid"] and planned["sequence"] < shortened["sequence"] == 18
    assert (planned["start"], planned["end"]) == ("2026-01-05", "2026-02-02")
    assert (shortened["start"], shortened["end"], shortened["status"]) == ("2026-01-05", "2026-01-13", "CONFIRMED")


@settings(max_examples=20, deadline=None)
@given(
    st.sampled_from(["crs", "neurological toxicity"]),
    st.integers(min_value=2, max_value=4),
    st.integers(min_value=1, max_value=27),
    st.integers(min_value=1, max_value=12),
    st.booleans(),
)
def test_every_planned_event_survives_any_replan(term, grade, day, recovery, per_day):
    options = CalendarOptions(per_day=per_day)
    planned = {e.uid.value: e for e in events(blinatumomab(options=options))}
    entries = [
        {"id": "tox", "cycle": 1, "day": day, "toxicities": {term: grade}},
        {"id": "better", "cycle": 1, "day": min(day + recovery, 42), "toxicities": {term: 0}},
    ]
    replanned = {e.uid.value: e for e in events(blinatumomab(entries, options=options))}
    assert set(planned) <= set(replanned)  # nothing the client has is orphaned
    revision = 1 + (day + recovery - 1 if day + recovery <= 42 else 41)  # days from the start to the last entry
    assert {int(e.sequence.value) for e in replanned.values()} == {2 * revision}


def test_the_ics_command_raises_only_what_a_response_changed(run_cli):
    sequences = []
    for response in ("CR", "NR"):
        code, out, err = run_cli("ics", "rdc-blinatumomab", *ADULT, "--response", response)
        assert code == 0, err
        sequences.append({e.summary.value.split()[0]: int(e.sequence.value) for e in events(out)})
    # a response given without observations is revision 1: 2 × 1 on what it changed, 1 on what reads as planned
    # (flag ids are not in the calendar: vindesine's cap flag, renumbered by the branch-default flag, changes nothing
    # a client shows)
    assert sequences[0] == {"idarubicin": 1, "vindesine": 1, "dexamethasone": 1, "blinatumomab": 1}
    assert sequences[1] == {"idarubicin": 1, "vindesine": 1, "dexamethasone": 1, "blinatumomab": 2}


def test_supportive_events_a_replan_drops_are_sent_cancelled_under_their_uid():
    def supportive(text: str) -> dict[str, tuple[str, str]]:
        found = vobject.readOne(text).vevent_list
        return {e.uid.value: (e.status.value, e.summary.value) for e in found if hasattr(e, "categories")}

    # grade 3 CRS on cycle 1 day 10, never resolved: blinatumomab stops, so cycle 2 has no premedication
    # or admission; the client has them from the first export and must be told to remove them
    entries = json.dumps([{"cycle": 1, "day": 10, "toxicities": {"crs": 3}}])
    planned = supportive(render_ics(course("blinatumomab", cycles=2), ALL_DAY))
    replanned = supportive(
        render_ics(course("blinatumomab", entries, cycles=2), ALL_DAY, course("blinatumomab", cycles=2))
    )
    assert set(planned) <= set(replanned)
    dropped = {summary for uid, (status, summary) in replanned.items() if status == "CANCELLED"}
    assert dropped == {
        "CANCELLED: Premedication: dexamethasone 20 mg IV (blinatumomab cycle 2)",
        "CANCELLED: Admission (blinatumomab cycle 2)",
    }
    assert all(
        planned[uid][1] == summary.removeprefix("CANCELLED: ")
        for uid, (s, summary) in replanned.items()
        if s == "CANCELLED"
    )
