"""Properties behind the hostile-input fixes (hypothesis): the classes closed, not only the examples."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regimencalc.display import terminal_safe
from regimencalc.dosing.timing import hour_after, local_datetime
from regimencalc.errors import RegimencalcError, UnitInputError
from regimencalc.protocol.units import parse_body_measure

ZONES = ["Europe/Paris", "America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago"]
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@given(st.text())
def test_escaped_text_prints_as_one_line_with_nothing_hidden(text):
    safe = terminal_safe(text)
    assert safe.isprintable() and not BIDI & set(safe)
    if text.isprintable() and not BIDI & set(text):
        assert safe == text


def _change_days(zone: str) -> list[dt.date]:
    """The days of 2026 on which the zone's clocks change, and the days either side."""
    tz = ZoneInfo(zone)
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(366)]
    offsets = [dt.datetime.combine(d, dt.time(23, 59), tz).utcoffset() for d in days]
    changes = [d for d, before, after in zip(days[1:], offsets, offsets[1:], strict=False) if before != after]
    return sorted({d + dt.timedelta(days=k) for d in changes for k in (-1, 0, 1)})


CHANGES = [(zone, day) for zone in ZONES for day in _change_days(zone)]


def test_every_zone_changes_its_clocks_in_2026():
    assert {zone for zone, _ in CHANGES} == set(ZONES)


@settings(max_examples=600)
@given(st.sampled_from(CHANGES), st.integers(0, 24 * 4 - 1).map(lambda q: dt.time(q // 4, q % 4 * 15)))
def test_a_timed_event_is_refused_or_means_exactly_what_a_client_reads(change, at):
    zone, day = change
    try:
        start = local_datetime(day, at, zone)
        end = hour_after(start)
    except RegimencalcError as refused:
        assert str(refused).startswith(f"--time {at:%H:%M}") and day.isoformat() in str(refused)
        return
    # RFC 5545 reads a local time that happens twice as its first occurrence (fold=0)
    for moment in (start, end):
        assert moment.replace(fold=0).astimezone(dt.UTC) == moment.astimezone(dt.UTC)
    assert (start.replace(tzinfo=None), start.fold) == (dt.datetime.combine(day, at), 0)
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=1)


units = st.sampled_from(["kg", "g", "lb", "st", "cm", "m", "in", "ft", "mm"])
amounts = st.integers(1, 300).map(str)


@given(amounts, units, amounts, units)
def test_two_numbers_are_only_ever_feet_and_inches_or_stones_and_pounds(a, unit_a, b, unit_b):
    for what in ("height", "weight"):
        text = f"{a} {unit_a} {b} {unit_b}"
        compound = (unit_a, unit_b) == (("ft", "in") if what == "height" else ("st", "lb"))
        if compound and int(b) < (12 if what == "height" else 14):
            first = parse_body_measure(f"{a} {unit_a}", what)
            assert parse_body_measure(text, what) == pytest.approx(first + parse_body_measure(f"{b} {unit_b}", what))
        else:
            with pytest.raises(UnitInputError):
                parse_body_measure(text, what)
