"""Rules applied to the planned doses, day by day: hold, omit, reduce or discontinue, with reasons.

Doses are visited in date order. A dose is checked on the day it would now be given (after any
earlier hold has moved it); a dose that an observation records as given or not given is left to the
record. Held doses are moved, with their later doses in the same cycle, to the first observation
day on which the rule's recovery condition holds; without such a day they stay 'held'. Nothing is
dropped, no dose grows, no date moves backwards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP

from regimencalc.course import Administration, Amount, Status, TraceStep
from regimencalc.display import format_number, round_significant
from regimencalc.flags import FlagBook
from regimencalc.history import History
from regimencalc.regimen import Regimen, Rule
from regimencalc.rules import Verdict, evaluate


@dataclass(frozen=True)
class _Shift:
    """How far a hold moved a drug's remaining doses in a cycle, and why."""

    days: int
    because: tuple[str, ...]
    flags: tuple[str, ...]


@dataclass
class _State:
    shifts: dict[tuple[str, int], _Shift] = field(default_factory=dict)
    stopped: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)


def apply_rules(
    regimen: Regimen, administrations: list[Administration], history: History, book: FlagBook
) -> list[Administration]:
    """The administrations after every rule of `regimen` has been checked against `history`."""
    if not regimen.rules:
        return administrations
    state = _State()
    result = []
    for planned in sorted(administrations, key=lambda a: a.date):
        result.append(_visit(regimen, planned, history, book, state))
    return result


def _visit(
    regimen: Regimen, planned: Administration, history: History, book: FlagBook, state: _State
) -> Administration:
    if planned.drug in state.stopped:
        rule_id, flags = state.stopped[planned.drug]
        return _update(planned, "discontinued", (rule_id,), flags)
    shift = state.shifts.get((planned.drug, planned.cycle))
    current = planned
    if shift is not None:
        moved = planned.model_copy(
            update={"date": planned.date + dt.timedelta(days=shift.days), "original_date": planned.date}
        )
        current = _update(moved, "moved", shift.because, shift.flags)
    if history.recorded(current.drug, current.date):
        return current
    for rule in (r for r in regimen.rules if current.drug in r.drugs):
        version = history.ctcae_version or rule.ctcae_version or regimen.ctcae_version
        verdict = evaluate(rule.when, history, current.date, version)
        if verdict.holds:
            return _act(rule, current, verdict, history, version, book, state)
    return current


def _act(
    rule: Rule,
    dose: Administration,
    verdict: Verdict,
    history: History,
    version: str | None,
    book: FlagBook,
    state: _State,
) -> Administration:
    why = "; ".join(verdict.reasons)
    on = dose.date.isoformat()
    because = (rule.id, *verdict.evidence)
    if rule.action == "omit":
        return _update(dose, "omitted", because, _flag(book, rule, f"{dose.drug} on {on} omitted: {why}"))
    if rule.action == "discontinue":
        flags = _flag(book, rule, f"{dose.drug} discontinued from {on}: {why}")
        state.stopped[dose.drug] = (rule.id, flags)
        return _update(dose, "discontinued", because, flags)
    if rule.action == "reduce":
        return _reduce(rule, dose, why, because, book)
    assert rule.recover_when is not None
    for day in history.dates_after(dose.date):
        recovery = evaluate(rule.recover_when, history, day, version)
        if recovery.holds:
            delay = (day - dose.date).days
            earlier = state.shifts.get((dose.drug, dose.cycle))
            total = (earlier.days if earlier else 0) + delay
            text = f"{dose.drug} held on {on} ({why}); recovered on {day.isoformat()} ({'; '.join(recovery.reasons)})"
            if rule.max_delay_days is not None and total > rule.max_delay_days:
                if rule.on_max_delay == "discontinue":
                    flags = _flag(
                        book, rule, f"{text}: {total} days of delay exceed {rule.max_delay_days}, discontinued"
                    )
                    state.stopped[dose.drug] = (rule.id, flags)
                    return _update(dose, "discontinued", because + recovery.evidence, flags)
                text += f"; the delay of {total} days exceeds {rule.max_delay_days} days"
            flags = _flag(book, rule, f"{text} → moved to {day.isoformat()}")
            state.shifts[(dose.drug, dose.cycle)] = _Shift(total, because + recovery.evidence, flags)
            return _update(
                dose.model_copy(update={"date": day, "original_date": dose.original_date or dose.date}),
                "moved",
                because + recovery.evidence,
                flags,
            )
    flag = _flag(book, rule, f"{dose.drug} held from {on} ({why}); no recovery observed yet")
    return _update(dose, "held", because, flag)


def _reduce(rule: Rule, dose: Administration, why: str, because: tuple[str, ...], book: FlagBook) -> Administration:
    assert rule.reduce_percent is not None
    factor = 1 - rule.reduce_percent / 100

    def cut(value: float) -> float:
        return min(value, float(round_significant(value * factor, 3, ROUND_HALF_UP)))

    reduced = Amount(
        value=cut(dose.dose.value), unit=dose.dose.unit, max=None if dose.dose.max is None else cut(dose.dose.max)
    )
    step = TraceStep(
        kind="rule",
        text=f"reduced by {format_number(rule.reduce_percent)} % ({rule.id}: {why}): {dose.dose.text()} → {reduced.text()}",
        value=reduced,
    )
    final = TraceStep(kind="final", text=f"dose {reduced.text()}", value=reduced)
    flag = _flag(
        book, rule, f"{dose.drug} on {dose.date.isoformat()} reduced by {format_number(rule.reduce_percent)} %: {why}"
    )
    rate = None if dose.rate is None else dose.rate.model_copy(update={"value": reduced.value})
    updated = dose.model_copy(update={"dose": reduced, "rate": rate, "trace": (*dose.trace[:-1], step, final)})
    return _update(updated, dose.status, because, flag)


def _flag(book: FlagBook, rule: Rule, text: str) -> tuple[str, ...]:
    """The rule's firing as a flag, followed by the rule's own flags (e.g. an institutional default)."""
    fired = book.add("rule", f"{rule.name} ({rule.id}): {text}", rule.source)
    return (fired, *(book.add(f.kind, f"{rule.id}: {f.text}", f.source) for f in rule.flags))


def _update(dose: Administration, status: Status, because: tuple[str, ...], flags: tuple[str, ...]) -> Administration:
    return dose.model_copy(
        update={
            "status": status,
            "because": tuple(dict.fromkeys((*dose.because, *because))),
            "flags": tuple(dict.fromkeys((*dose.flags, *flags))),
        }
    )
