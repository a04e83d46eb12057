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

from regimencalc.course import Administration, Amount, Cycle, Status, TraceStep
from regimencalc.display import format_number, plural, round_significant
from regimencalc.errors import ObservationError
from regimencalc.flags import FlagBook
from regimencalc.protocol.regimen import Regimen, Rule
from regimencalc.replan.history import History
from regimencalc.replan.rules import Verdict, evaluate


@dataclass(frozen=True)
class _Shift:
    """How far a hold moved a drug's remaining doses in a cycle, and why."""

    days: int
    because: tuple[str, ...]
    flags: tuple[str, ...]


@dataclass
class _Step:
    """A restart at a step dose: how many more doses get it, and the dose."""

    remaining: int
    dose: Administration
    rule: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class _Stop:
    """A drug discontinued from a date on, and why."""

    since: dt.date
    rule: str
    flags: tuple[str, ...]


@dataclass
class _State:
    planned: dict[tuple[str, int, int], Administration] = field(default_factory=dict)
    shifts: dict[tuple[str, int], _Shift] = field(default_factory=dict)
    stopped: dict[str, _Stop] = field(default_factory=dict)
    ended: dict[tuple[str, int], tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    steps: dict[tuple[str, int], _Step] = field(default_factory=dict)
    last_given: dict[str, dt.date] = field(default_factory=dict)


def apply_rules(
    regimen: Regimen, administrations: list[Administration], cycles: list[Cycle], history: History, book: FlagBook
) -> tuple[list[Administration], list[Cycle]]:
    """The administrations and cycles after every rule of `regimen` has been checked against `history`."""
    if not regimen.rules:
        return administrations, cycles
    state = _State(planned={(a.drug, a.cycle, a.day): a for a in administrations})
    cycles, administrations = _delay_cycles(regimen, cycles, administrations, history, book, state)
    result = []
    for planned in sorted(administrations, key=lambda a: a.date):
        visited = _visit(regimen, planned, history, book, state)
        if visited.status in ("planned", "moved", "given"):
            state.last_given[visited.drug] = visited.date
        result.append(visited)
    return result, cycles


def _delay_cycles(
    regimen: Regimen,
    cycles: list[Cycle],
    administrations: list[Administration],
    history: History,
    book: FlagBook,
    state: _State,
) -> tuple[list[Cycle], list[Administration]]:
    """Cycle-start rules, checked before every cycle after the first: a cycle waits for recovery, and
    every later date moves with it."""
    rules = [r for r in regimen.rules if r.check == "cycle-start"]
    delay = 0
    new_cycles: list[Cycle] = []
    result: list[Administration] = []
    for cycle in cycles:
        if cycle.number == 1:
            new_cycles.append(cycle)
            result += [a for a in administrations if a.cycle == 1]
            continue
        start = cycle.start_date + dt.timedelta(days=delay)
        in_cycle = [a for a in administrations if a.cycle == cycle.number]
        drugs = {a.drug for a in in_cycle}
        because: tuple[str, ...] = ()
        flags: tuple[str, ...] = ()
        waiting = False
        started = history.cycle_started(cycle.number)
        active = [] if started else [r for r in rules if drugs & set(r.drugs) and cycle.number >= (r.from_cycle or 2)]
        if started is not None:
            if started.date < start:
                raise ObservationError(
                    f"observation {started.id}: cycle {cycle.number} cannot start on {started.date.isoformat()}, "
                    f"before its planned day 1 ({start.isoformat()})"
                )
            if started.date > start:
                extra = (started.date - start).days
                delay += extra
                text = f"cycle {cycle.number} started on {started.date.isoformat()}, {plural(extra, 'day')} after {start.isoformat()} ({started.id})"
                flags, because = (book.add("recorded-start", text, None),), (started.id,)
        for rule in (r for r in active if _applies(regimen, r, history, start)):
            version = _version(regimen, rule, history)
            verdict = evaluate(rule.when, history, start, version)
            if not verdict.holds:
                continue
            why = "; ".join(verdict.reasons)
            if rule.action == "discontinue":
                flags = _flag(
                    book, rule, f"treatment discontinued from cycle {cycle.number} ({start.isoformat()}): {why}"
                )
                for drug in rule.drugs:
                    state.stopped[drug] = _Stop(start, rule.id, flags)
                break
            recovered = _recovery(rule, history, start, version)
            if recovered is None:
                flags = _flag(
                    book, rule, f"cycle {cycle.number} waits from {start.isoformat()} ({why}); no recovery observed yet"
                )
                because, waiting = (rule.id, *verdict.evidence), True
                break
            day, recovery = recovered
            extra = (day - start).days
            text = f"cycle {cycle.number} delayed {plural(extra, 'day')} from {start.isoformat()} ({why}) to {day.isoformat()} ({'; '.join(recovery.reasons)})"
            if rule.max_delay_days is not None and extra > rule.max_delay_days:
                text += f"; the delay exceeds {rule.max_delay_days} days"
                if rule.on_max_delay == "discontinue":
                    flags = _flag(book, rule, text + ", treatment discontinued")
                    for drug in rule.drugs:
                        state.stopped[drug] = _Stop(start, rule.id, flags)
                    break
            delay += extra
            flags = _flag(book, rule, text)
            because = (rule.id, *verdict.evidence, *recovery.evidence)
            break
        moved_start = cycle.start_date + dt.timedelta(days=delay)
        new_cycles.append(
            cycle.model_copy(
                update={"start_date": moved_start, "original_start_date": cycle.start_date if delay else None}
            )
        )
        for a in in_cycle:
            if delay:
                a = _update(
                    a.model_copy(update={"date": a.date + dt.timedelta(days=delay), "original_date": a.date}),
                    "moved",
                    because,
                    flags,
                )
            elif because:
                a = _update(a, a.status, because, flags)
            if waiting:
                a = _update(a, "held", because, flags)
            result.append(a)
    return new_cycles, result


def _applies(regimen: Regimen, rule: Rule, history: History, on: dt.date) -> bool:
    """Whether a rule's baseline precondition holds; a rule whose baseline is unknown applies."""
    if rule.applies_if_baseline is None:
        return True
    verdict = evaluate(rule.applies_if_baseline, history.baseline(on), on, _version(regimen, rule, history))
    return verdict.holds is not False


def _version(regimen: Regimen, rule: Rule, history: History) -> str | None:
    return history.ctcae_version or rule.ctcae_version or regimen.ctcae_version


def _recovery(rule: Rule, history: History, after: dt.date, version: str | None) -> tuple[dt.date, Verdict] | None:
    """The day treatment may go on: the first observation day after `after` on which the recovery
    condition holds, or with `recover_for_days`, that many days later if no observation in between
    breaks it."""
    assert rule.recover_when is not None
    lasting = dt.timedelta(days=rule.recover_for_days or 0)
    for day in history.dates_after(after):
        verdict = evaluate(rule.recover_when, history, day, version)
        if not verdict.holds:
            continue
        broken = any(
            evaluate(rule.recover_when, history, later, version).holds is False
            for later in history.dates_after(day)
            if later <= day + lasting
        )
        if not broken:
            return day + lasting, verdict
    return None


def _visit(
    regimen: Regimen, planned: Administration, history: History, book: FlagBook, state: _State
) -> Administration:
    stop = state.stopped.get(planned.drug)
    if stop is not None and planned.date >= stop.since:
        return _update(planned, "discontinued", (stop.rule,), stop.flags)
    shift = state.shifts.get((planned.drug, planned.cycle))
    current = planned
    if shift is not None:
        moved = planned.model_copy(
            update={"date": planned.date + dt.timedelta(days=shift.days), "original_date": planned.date}
        )
        current = _update(moved, "moved", shift.because, shift.flags)
    if (current.drug, current.cycle) in state.ended:
        rule_id, flags = state.ended[(current.drug, current.cycle)]
        return _update(current, "omitted", (rule_id,), flags)
    if history.recorded(current.drug, current.date):
        return current
    current = _spaced(regimen, current, book, state)
    for rule in (r for r in regimen.rules if _checks_dose(r, current)):
        if not _applies(regimen, rule, history, current.date):
            continue
        version = _version(regimen, rule, history)
        verdict = evaluate(rule.when, history, _checked_on(rule, current), version)
        if verdict.holds:
            return _stepped(_act(regimen, rule, current, verdict, history, version, book, state), state)
    return _stepped(current, state)


def _checks_dose(rule: Rule, dose: Administration) -> bool:
    """Whether a rule looks at this dose: before each dose, or on a named day for doses from that day on."""
    if dose.drug not in rule.drugs or dose.cycle < (rule.from_cycle or 1):
        return False
    if rule.check == "on-day":
        return rule.on_day is not None and dose.day >= rule.on_day
    return rule.check == "before-each-dose"


def _checked_on(rule: Rule, dose: Administration) -> dt.date:
    """The day a rule is evaluated for a dose: the dose's own day, or the cycle's named day."""
    if rule.check != "on-day" or rule.on_day is None:
        return dose.date
    return (dose.original_date or dose.date) + dt.timedelta(days=rule.on_day - dose.day)


def _spaced(regimen: Regimen, dose: Administration, book: FlagBook, state: _State) -> Administration:
    """A dose closer than the regimen's minimum spacing to the drug's previous dose moves later, and the
    drug's later doses in the cycle with it."""
    spacing = next((s for s in regimen.spacing if s.drug == dose.drug), None)
    previous = state.last_given.get(dose.drug)
    if spacing is None or previous is None or (dose.date - previous).days >= spacing.min_days:
        return dose
    earliest = previous + dt.timedelta(days=spacing.min_days)
    text = (
        f"{dose.drug} on {dose.date.isoformat()} is {plural((dose.date - previous).days, 'day')} after the previous dose "
        f"({previous.isoformat()}); at least {plural(spacing.min_days, 'day')} apart → moved to {earliest.isoformat()}"
    )
    return _move(
        state, dose, earliest, (f"spacing-{dose.drug.replace(' ', '-')}",), (book.add("spacing", text, spacing.source),)
    )


def _stepped(dose: Administration, state: _State) -> Administration:
    """The dose at the step dose while a restart after an interruption lasts (never above the plan)."""
    step = state.steps.get((dose.drug, dose.cycle))
    if step is None or step.remaining == 0 or dose.status != "moved":
        return dose
    step.remaining -= 1
    if step.dose.dose.value >= dose.dose.value:
        return dose
    lower = step.dose.dose
    text = f"restarted at the step dose {lower.text()} after an interruption ({step.rule}): {dose.dose.text()} → {lower.text()}"
    trace = (
        *dose.trace[:-1],
        TraceStep(kind="rule", text=text, value=lower),
        TraceStep(kind="final", text=f"dose {lower.text()}", value=lower),
    )
    return _update(
        dose.model_copy(update={"dose": lower, "rate": step.dose.rate, "trace": trace}),
        "moved",
        (step.rule,),
        step.flags,
    )


def _act(
    regimen: Regimen,
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
        return _discontinue(state, dose, rule, because, _flag(book, rule, f"{dose.drug} discontinued from {on}: {why}"))
    if rule.action == "reduce":
        return _reduce(regimen, rule, dose, why, because, book)
    recovered = _recovery(rule, history, dose.date, version)
    if recovered is None:
        return _update(
            dose, "held", because, _flag(book, rule, f"{dose.drug} held from {on} ({why}); no recovery observed yet")
        )
    day, recovery = recovered
    because += recovery.evidence
    if rule.action == "interrupt":
        return _interrupt(rule, dose, day, why, recovery, because, book, state)
    earlier = state.shifts.get((dose.drug, dose.cycle))
    total = (earlier.days if earlier else 0) + (day - dose.date).days
    text = f"{dose.drug} held on {on} ({why}); recovered on {day.isoformat()} ({'; '.join(recovery.reasons)})"
    if rule.max_delay_days is not None and total > rule.max_delay_days:
        if rule.on_max_delay == "discontinue":
            flags = _flag(book, rule, f"{text}: {total} days of delay exceed {rule.max_delay_days}, discontinued")
            return _discontinue(state, dose, rule, because, flags)
        text += f"; the delay of {total} days exceeds {rule.max_delay_days} days"
    return _move(state, dose, day, because, _flag(book, rule, f"{text} → moved to {day.isoformat()}"))


def _interrupt(
    rule: Rule,
    dose: Administration,
    restart: dt.date,
    why: str,
    recovery: Verdict,
    because: tuple[str, ...],
    book: FlagBook,
    state: _State,
) -> Administration:
    """Stop the infusion until `restart`; a short interruption continues the cycle (the missed days
    follow the restart, the first ones at the step dose), a longer one ends it."""
    days = (restart - dose.date).days
    text = f"{dose.drug} interrupted on {dose.date.isoformat()} ({why}); may restart on {restart.isoformat()} ({'; '.join(recovery.reasons)}): {days}-day interruption"
    if rule.max_interruption_days is not None and days > rule.max_interruption_days:
        if rule.on_long_interruption == "discontinue":
            flags = _flag(book, rule, f"{text}, more than {rule.max_interruption_days} days: discontinued")
            return _discontinue(state, dose, rule, because, flags)
        flags = _flag(
            book,
            rule,
            f"{text}, more than {rule.max_interruption_days} days: the cycle ends and a new cycle starts on "
            f"{restart.isoformat()} (plan it with --start {restart.isoformat()})",
        )
        state.ended[(dose.drug, dose.cycle)] = (rule.id, flags)
        return _update(dose, "omitted", because, flags)
    flags = _flag(book, rule, f"{text}: the same cycle goes on to its full number of infusion days")
    if rule.restart_step is not None:
        like = state.planned.get((dose.drug, rule.restart_step.like_cycle, rule.restart_step.like_day))
        if like is not None:
            state.steps[(dose.drug, dose.cycle)] = _Step(rule.restart_step.days, like, rule.id, flags)
    return _move(state, dose, restart, because, flags)


def _reduce(
    regimen: Regimen, rule: Rule, dose: Administration, why: str, because: tuple[str, ...], book: FlagBook
) -> Administration:
    if rule.reduce_to_level is not None:
        level = next(v for v in regimen.dose_levels if v.drug == dose.drug and v.name == rule.reduce_to_level)
        factor, how = level.percent / 100, f"to dose level {level.name} ({format_number(level.percent)} %)"
    else:
        assert rule.reduce_percent is not None
        factor, how = 1 - rule.reduce_percent / 100, f"by {format_number(rule.reduce_percent)} %"

    def cut(value: float) -> float:
        return min(value, float(round_significant(value * factor, 3, ROUND_HALF_UP)))

    reduced = Amount(
        value=cut(dose.dose.value), unit=dose.dose.unit, max=None if dose.dose.max is None else cut(dose.dose.max)
    )
    step = TraceStep(
        kind="rule",
        text=f"reduced {how} ({rule.id}: {why}): {dose.dose.text()} → {reduced.text()}",
        value=reduced,
    )
    final = TraceStep(kind="final", text=f"dose {reduced.text()}", value=reduced)
    flag = _flag(book, rule, f"{dose.drug} on {dose.date.isoformat()} reduced {how}: {why}")
    rate = None if dose.rate is None else dose.rate.model_copy(update={"value": reduced.value})
    updated = dose.model_copy(update={"dose": reduced, "rate": rate, "trace": (*dose.trace[:-1], step, final)})
    return _update(updated, dose.status, because, flag)


def _discontinue(
    state: _State, dose: Administration, rule: Rule, because: tuple[str, ...], flags: tuple[str, ...]
) -> Administration:
    """Stop the drug from this dose on."""
    state.stopped[dose.drug] = _Stop(dose.date, rule.id, flags)
    return _update(dose, "discontinued", because, flags)


def _move(
    state: _State, dose: Administration, to: dt.date, because: tuple[str, ...], flags: tuple[str, ...]
) -> Administration:
    """Move a dose later, and the drug's later doses in its cycle by as much."""
    earlier = state.shifts.get((dose.drug, dose.cycle))
    state.shifts[(dose.drug, dose.cycle)] = _Shift(
        (earlier.days if earlier else 0) + (to - dose.date).days, because, flags
    )
    moved = dose.model_copy(update={"date": to, "original_date": dose.original_date or dose.date})
    return _update(moved, "moved", because, flags)


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
