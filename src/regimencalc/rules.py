"""Evaluating a regimen's rules against the observations: does a condition hold on a day, and why.

Pure: no planning here. A check uses the latest observation of its lab or toxicity on or before the
day checked; with none, the check is unknown (not met), so a rule never fires on missing data, and
the course says the dose is not yet assessed where the observations stop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from regimencalc.ctcae import grade_lab
from regimencalc.errors import ObservationError
from regimencalc.history import History
from regimencalc.labs import LAB_NAMES, parse_lab_value, ratio
from regimencalc.regimen import Check, Condition


@dataclass(frozen=True)
class Verdict:
    """Whether a condition holds (None: no observation to tell), the reasons, the observations used."""

    holds: bool | None
    reasons: tuple[str, ...]
    evidence: tuple[str, ...]


def evaluate(condition: Condition, history: History, on: dt.date, version: str | None) -> Verdict:
    """The verdict of `condition` on day `on`."""
    verdicts = [_check(check, history, on, version) for check in condition.checks()]
    values = [v.holds for v in verdicts]
    if condition.any is not None:
        holds = True if True in values else (None if None in values else False)
        relevant = [v for v in verdicts if v.holds] if holds else verdicts
    else:
        holds = False if False in values else (None if None in values else True)
        relevant = [v for v in verdicts if v.holds is False] if holds is False else verdicts
    return Verdict(
        holds,
        tuple(r for v in relevant for r in v.reasons),
        tuple(dict.fromkeys(e for v in relevant for e in v.evidence)),
    )


def _check(check: Check, history: History, on: dt.date, version: str | None) -> Verdict:
    if check.response_not_in is not None:
        return _response(check.response_not_in, history, on)
    if check.toxicity is not None and check.events_at_least is not None:
        events = history.events(check.toxicity, on)
        dates = ", ".join(e.date.isoformat() for e in events) or "none"
        reason = f"{check.toxicity} recorded on {len(events)} day(s) ({dates}), limit {check.events_at_least}"
        return Verdict(len(events) >= check.events_at_least, (reason,), tuple(e.id for e in events))
    if check.toxicity is not None:
        found = history.latest_toxicity(check.toxicity, on)
        if found is None:
            return Verdict(None, (f"no {check.toxicity} grade recorded by {on.isoformat()}",), ())
        entry, grade = found
        return Verdict(
            _compare_grade(check, grade),
            (f"{check.toxicity} grade {grade} ({entry.id}, {entry.date.isoformat()})",),
            (entry.id,),
        )
    assert check.lab is not None
    lab = check.lab
    found_lab = history.latest_lab(lab, on)
    if found_lab is None:
        return Verdict(None, (f"no {LAB_NAMES[lab]} recorded by {on.isoformat()}",), ())
    entry, value = found_lab
    where = f"({entry.id}, {entry.date.isoformat()})"
    limits = history.limits
    if check.grade_at_least is not None or check.grade_at_most is not None:
        if version is None:
            raise ObservationError(
                f"grading {LAB_NAMES[lab]} needs a CTCAE version: set ctcae_version in the observations or the regimen"
            )
        graded = grade_lab(
            lab, value, version, lln=limits.lln.get(lab), uln=limits.uln.get(lab), baseline=limits.baseline.get(lab)
        )
        return Verdict(_compare_grade(check, graded.grade), (f"{graded.explanation} {where}",), (entry.id,))
    if check.below is not None or check.at_least is not None:
        threshold = parse_lab_value(lab, check.below if check.below is not None else check.at_least)
        holds = value.value < threshold.value if check.below is not None else value.value >= threshold.value
        sign = ("<" if holds else "≥") if check.below is not None else ("≥" if holds else "<")
        return Verdict(holds, (f"{LAB_NAMES[lab]} {value} {sign} {threshold} {where}",), (entry.id,))
    uln = limits.uln.get(lab)
    if uln is None:
        raise ObservationError(
            f"{LAB_NAMES[lab]} is compared to its ULN: give 'limits: uln: {lab}: ...' in the observations"
        )
    times = ratio(value, uln)
    if check.above_uln is not None:
        holds = times > Decimal(repr(check.above_uln))
        sign, bound = (">" if holds else "≤"), check.above_uln
    else:
        assert check.at_most_uln is not None
        holds = times <= Decimal(repr(check.at_most_uln))
        sign, bound = ("≤" if holds else ">"), check.at_most_uln
    shown = f"{times.quantize(Decimal('0.01')).normalize():f}"
    return Verdict(holds, (f"{LAB_NAMES[lab]} {value} = {shown} × ULN {sign} {bound} × ULN {where}",), (entry.id,))


def _response(excluded: Sequence[str], history: History, on: dt.date) -> Verdict:
    assessed = history.response(dt.date.min, on)
    if assessed is None:
        return Verdict(None, (f"no response recorded by {on.isoformat()}",), ())
    answer = assessed.entry.response
    reason = f"latest response {answer} ({assessed.id}, {assessed.date.isoformat()})"
    return Verdict(answer not in excluded, (reason,), (assessed.id,))


def _compare_grade(check: Check, grade: int) -> bool:
    if check.grade_at_least is not None:
        return grade >= check.grade_at_least
    assert check.grade_at_most is not None
    return grade <= check.grade_at_most
