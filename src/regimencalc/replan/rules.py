"""Evaluating a regimen's rules against the observations: does a condition hold on a day, and why.

Pure: no planning here. A check uses the latest observation of its lab or toxicity on or before the
day checked; with none, the check is unknown (not met), so a rule never fires on missing data, and
the course says the dose is not yet assessed where the observations stop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import NamedTuple, TypeVar

from regimencalc.display import plural
from regimencalc.errors import ObservationError, UnitInputError
from regimencalc.protocol.labs import LAB_NAMES, Measured, parse_lab_value, ratio
from regimencalc.protocol.plain import Check, Condition, Rule, make
from regimencalc.replan.ctcae import grade_lab
from regimencalc.replan.history import History

T = TypeVar("T")


class Verdict(NamedTuple):
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
    if check.all_of is not None:
        return evaluate(make(Condition, {"any": None, "all": check.all_of}), history, on, version)
    if check.marrow_in is not None:
        return _marrow(check.marrow_in, history, on)
    if check.toxicity is not None and check.events_at_least is not None:
        events = history.events(check.toxicity, on)
        count = sum(n for _, n in events)
        dates = ", ".join(f"{e.date.isoformat()} ×{n}" if n > 1 else e.date.isoformat() for e, n in events) or "none"
        reason = f"{check.toxicity}: {plural(count, 'event')} recorded ({dates}), limit {check.events_at_least}"
        return Verdict(count >= check.events_at_least, (reason,), tuple(e.id for e, _ in events))
    if check.toxicity is not None:
        found = history.latest_toxicity(check.toxicity, on)
        if found is None:
            return Verdict(None, (f"no {check.toxicity} grade recorded by {on.isoformat()}",), ())
        entry, grade, how = found
        return Verdict(_compare_grade(check, grade), (f"{how} ({entry.id}, {entry.date.isoformat()})",), (entry.id,))
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
        graded = _located(
            lab,
            where,
            lambda: grade_lab(
                lab, value, version, lln=limits.lln.get(lab), uln=limits.uln.get(lab), baseline=limits.baseline.get(lab)
            ),
        )
        return Verdict(_compare_grade(check, graded.grade), (f"{graded.explanation} {where}",), (entry.id,))
    if check.below_baseline or check.at_least_baseline:
        return _located(lab, where, lambda: _against_baseline(check, value, limits.baseline.get(lab), where, entry.id))
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
    times = _located(lab, where, lambda: ratio(value, uln))
    if check.above_uln is not None:
        holds = times > Decimal(repr(check.above_uln))
        sign, bound = (">" if holds else "≤"), check.above_uln
    else:
        assert check.at_most_uln is not None
        holds = times <= Decimal(repr(check.at_most_uln))
        sign, bound = ("≤" if holds else ">"), check.at_most_uln
    shown = _shown_against(times, Decimal(repr(bound)))
    return Verdict(holds, (f"{LAB_NAMES[lab]} {value} = {shown} × ULN {sign} {bound} × ULN {where}",), (entry.id,))


def _shown_against(times: Decimal, bound: Decimal) -> str:
    """× ULN to 0.01, or to more places where '1.5 × ULN > 1.5 × ULN' would read false (1.504)."""
    places = Decimal("0.01")
    shown = times.quantize(places)
    while shown == bound and times != bound and places > Decimal("1e-12"):
        places /= 10
        shown = times.quantize(places)
    return f"{shown.normalize():f}"


def _located(lab: str, where: str, compute: Callable[[], T]) -> T:
    """`compute()`, a lab compared with its limits; a unit problem names the entry and the limits key
    ('34 umol/L' and '1.2 mg/dL' alone do not say which entry or which limit)."""
    try:
        return compute()
    except UnitInputError as exc:
        raise UnitInputError(
            f"{LAB_NAMES[lab]} of the observation {where} against the observations' limits "
            f"(limits: uln, lln or baseline: {lab}): {exc}"
        ) from None


def _response(excluded: Sequence[str], history: History, on: dt.date) -> Verdict:
    assessed = history.response(dt.date.min, on)
    if assessed is None:
        return Verdict(None, (f"no response recorded by {on.isoformat()}",), ())
    answer = assessed.entry.response
    reason = f"latest response {answer} ({assessed.id}, {assessed.date.isoformat()})"
    return Verdict(answer not in excluded, (reason,), (assessed.id,))


def _against_baseline(check: Check, value: Measured, baseline: Measured | None, where: str, entry: str) -> Verdict:
    """A lab against its own pre-treatment value (observations' limits.baseline); unknown without one."""
    name = LAB_NAMES[check.lab or ""]
    if baseline is None:
        return Verdict(None, (f"no baseline {name} given (limits: baseline: {check.lab}: ...)",), ())
    holds = value.value < baseline.value if check.below_baseline else value.value >= baseline.value
    sign = "<" if (value.value < baseline.value) else "≥"
    return Verdict(holds, (f"{name} {value} {sign} baseline {baseline} {where}",), (entry,))


def _marrow(allowed: Sequence[str], history: History, on: dt.date) -> Verdict:
    assessed = history.latest_marrow(on)
    if assessed is None:
        return Verdict(None, (f"no marrow assessment recorded by {on.isoformat()}",), ())
    found = assessed.entry.marrow
    reason = f"marrow disease {found} ({assessed.id}, {assessed.date.isoformat()})"
    return Verdict(found in allowed, (reason,), (assessed.id,))


def _compare_grade(check: Check, grade: int) -> bool:
    if check.grade_at_least is not None:
        return grade >= check.grade_at_least
    assert check.grade_at_most is not None
    return grade <= check.grade_at_most


def describe_rule(rule: Rule, version: str | None) -> str:
    """A rule in plain words, for the criteria-to-treat section of a dose sheet."""
    when = {"before-each-dose": "before each dose", "cycle-start": "before each cycle"}.get(
        rule.check, f"on day {rule.on_day}"
    )
    if rule.from_cycle:
        when += f" from cycle {rule.from_cycle}"
    grading = f" (CTCAE v{version})" if version and _grades(rule) else ""
    at_step = " while at its step dose" if rule.at_step_dose else ""
    text = f"{when} of {', '.join(rule.drugs)}: if {describe_condition(rule.when)}{grading}{at_step} → {_action(rule)}"
    if rule.recover_when is not None:
        lasting = f" for {plural(rule.recover_for_days, 'day')}" if rule.recover_for_days else ""
        text += f" until {describe_condition(rule.recover_when)}{lasting}"
    if rule.restart_step is not None:
        step = rule.restart_step
        like = f"the cycle {step.like_cycle} day {step.like_day} dose" if step.like_cycle else "the step dose"
        text += f", then restart at {like} for {plural(step.days, 'day')}"
    if rule.max_resolution_days is not None:
        text += f"; recovery taking more than {rule.max_resolution_days} days: discontinue"
    if rule.max_interruption_days is not None:
        longer = "a new cycle from the restart" if rule.on_long_interruption == "new-cycle" else "discontinue"
        text += f"; interrupted more than {rule.max_interruption_days} days: {longer}"
    if rule.max_delay_days is not None:
        text += f"; more than {rule.max_delay_days} days: {'flag' if rule.on_max_delay == 'flag' else 'discontinue'}"
    if rule.applies_if_baseline is not None:
        text += f"; applies when the baseline had {describe_condition(rule.applies_if_baseline)}"
    return text


def describe_condition(condition: Condition) -> str:
    """'white blood cells grade ≥ 4 or platelets grade ≥ 3'."""
    joiner = " or " if condition.any is not None else " and "
    return joiner.join(_describe_check(c) for c in condition.checks())


def _describe_check(check: Check) -> str:
    if check.response_not_in is not None:
        return f"the latest response is not {' or '.join(check.response_not_in)}"
    if check.marrow_in is not None:
        return f"the latest marrow assessment is {' or '.join(check.marrow_in)}"
    if check.all_of is not None:
        return f"({' and '.join(_describe_check(c) for c in check.all_of)})"
    subject = LAB_NAMES[check.lab] if check.lab else check.toxicity
    parts = {
        "grade_at_least": f"grade ≥ {check.grade_at_least}",
        "grade_at_most": f"grade ≤ {check.grade_at_most}",
        "below": f"< {check.below}",
        "at_least": f"≥ {check.at_least}",
        "above_uln": f"> {check.above_uln} × ULN",
        "at_most_uln": f"≤ {check.at_most_uln} × ULN",
        "events_at_least": f"{check.events_at_least} or more events",
        "below_baseline": "below its baseline",
        "at_least_baseline": "back to its baseline",
    }
    return f"{subject} {' '.join(parts[c] for c in check.comparisons())}"


def _grades(rule: Rule) -> bool:
    conditions = [c for c in (rule.when, rule.recover_when, rule.applies_if_baseline) if c is not None]
    return any(check.lab and check.comparisons()[0].startswith("grade") for c in conditions for check in c.checks())


def _action(rule: Rule) -> str:
    if rule.action == "reduce":
        amount = f"to dose level {rule.reduce_to_level}" if rule.reduce_to_level else f"by {rule.reduce_percent:g} %"
        return f"reduce {amount}"
    words = {"delay": "delay the cycle", "flag": "flag it (the dose stays as planned)"}
    return words.get(rule.action, rule.action)
