"""Rules applied to the planned doses, cycle by cycle: hold, interrupt, delay, omit, reduce or discontinue.

Cycles are visited in order, each cycle's doses in date order. Before a cycle its cycle-start rules
are checked on the day it would now start; then each dose is checked on the day it would now be given
(after any earlier hold has moved it); a dose that an observation records as given or not given is
left to the record, and a dose recorded within the drug's window (inotuzumab ±2 days) is that dose,
given on another date. Held doses are moved, with their later doses in the same cycle, to the first
observation day on which the rule's recovery condition holds; without such a day they stay 'held'.

An interruption up to the label's limit continues the cycle (the missed days follow the restart, the
first ones at the step dose) and moves every later cycle by as much, so the treatment-free interval
after the last infusion day is kept. A longer one ends the cycle (its remaining doses omitted) and
inserts a new cycle from the restart: the drug's doses of the interrupted cycle again, the first at
the step dose, then the cycle's treatment-free interval; every later cycle moves after it and is
renumbered (its number in the plan kept as `planned_number`). Nothing is dropped, no dose grows, no
planned date moves backwards.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP
from typing import NamedTuple

from regimencalc.course import Administration, Amount, Cycle, Status, TraceStep
from regimencalc.display import format_number, plural, round_significant
from regimencalc.errors import ObservationError
from regimencalc.flags import FlagBook
from regimencalc.protocol.plain import Regimen, Rule, Spacing
from regimencalc.replan.history import History
from regimencalc.replan.rules import Verdict, evaluate
from regimencalc.replan.ruleset import RuleSet


class _Shift(NamedTuple):
    """How far a hold or interruption moved a drug's remaining doses in a cycle, and why."""

    days: int
    because: tuple[str, ...]
    flags: tuple[str, ...]
    interrupted: bool = False


class _Step:
    """A restart at a step dose: how many more doses get it (counted down in place), and the dose."""

    def __init__(self, remaining: int, dose: Administration, rule: str, flags: tuple[str, ...]) -> None:
        self.remaining = remaining
        self.dose = dose
        self.rule = rule
        self.flags = flags


#: Statuses a dose of a restart can have: moved after the interruption, or discontinued during the restart.
_RESTARTED = ("moved", "discontinued")


class _Stop(NamedTuple):
    """A drug discontinued from a date on, and why: the rule that fired first, then its evidence."""

    since: dt.date
    because: tuple[str, ...]
    flags: tuple[str, ...]


class _NewCycle(NamedTuple):
    """A new cycle asked for by an interruption longer than the label allows."""

    drug: str
    interrupted: int
    restart: dt.date
    rule: Rule
    because: tuple[str, ...]
    flags: tuple[str, ...]


class _State:
    """What applying the rules collects as it walks the course, changed in place (one per plan)."""

    def __init__(self, regimen: Regimen, rules: tuple[Rule, ...], spacing: dict[str, Spacing]) -> None:
        self.regimen = regimen
        self.rules = rules
        self.spacing = spacing
        self.planned: dict[tuple[str, int, int], Administration] = {}
        self.step_doses: dict[str, Administration] = {}
        self.shifts: dict[tuple[str, int], _Shift] = {}
        self.stopped: dict[str, _Stop] = {}
        self.ended: dict[tuple[str, int], tuple[str, tuple[str, ...]]] = {}
        self.steps: dict[tuple[str, int], _Step] = {}
        self.last_given: dict[str, dt.date] = {}
        self.due: dict[tuple[str, dt.date], Administration] = {}
        self.planned_number: dict[int, int] = {}
        self.new_cycles: list[_NewCycle] = []
        self.matched: set[tuple[str, str]] = set()
        self.unassessed: set[str] = set()
        self.day_1_spaced: dict[int, dt.date] = {}
        self.held_from: dict[tuple[str, str, str], str] = {}


def apply_rules(
    regimen: Regimen,
    ruleset: RuleSet,
    administrations: list[Administration],
    cycles: list[Cycle],
    history: History,
    book: FlagBook,
) -> tuple[list[Administration], list[Cycle]]:
    """The administrations and cycles after every rule in force has been checked against `history`."""
    if not ruleset.rules and not ruleset.spacing:
        return administrations, cycles
    state = _State(regimen, ruleset.rules, {s.drug: s for s in ruleset.spacing})
    state.planned = {(a.drug, a.cycle, a.day): a for a in administrations}
    state.step_doses = _step_doses(administrations)
    by_cycle: dict[int, list[Administration]] = defaultdict(list)
    for a in administrations:
        by_cycle[a.cycle].append(a)
    out_cycles: list[Cycle] = []
    result: list[Administration] = []
    earliest: dt.date | None = None
    delay = 0
    for cycle in cycles:
        if earliest is not None:
            delay = max(delay, (earliest - cycle.start_date).days)
        number = len(out_cycles) + 1
        state.planned_number[number] = cycle.number
        before = delay
        delay, moved, doses = _start_cycle(cycle, by_cycle[cycle.number], delay, number, history, book, state)
        started = history.cycle_started(cycle.number) if cycle.number > 1 else None
        if started is not None and started.date > cycle.start_date + dt.timedelta(days=before):
            # a recorded late start lengthens the cycle before it (inotuzumab's cycle 1 extended to 28 days)
            previous = out_cycles[-1]
            longer = previous.length_days + (started.date - cycle.start_date).days - before
            out_cycles[-1] = replace(previous, length_days=longer)
        out_cycles.append(moved)
        result += _visit_cycle(doses, number, history, book, state)
        out_cycles[-1] = moved = _follow_day_1(moved, number, state)
        earliest = _end(moved, number, state)
        template = by_cycle[cycle.number]
        while state.new_cycles:
            request = state.new_cycles.pop(0)
            number = len(out_cycles) + 1
            state.planned_number[number] = cycle.number
            inserted, doses = _new_cycle(request, cycle, template, number, state)
            out_cycles.append(inserted)
            result += _visit_cycle(doses, number, history, book, state)
            earliest = max(earliest, _end(inserted, number, state))
    return result, out_cycles


def _step_doses(administrations: list[Administration]) -> dict[str, Administration]:
    """Each drug's step dose: its first planned dose of the course, when lower than its highest dose."""
    steps = {}
    for drug in dict.fromkeys(a.drug for a in administrations):
        own = [a for a in administrations if a.drug == drug]
        first = min(own, key=lambda a: (a.cycle, a.day))
        if any(a.dose.unit == first.dose.unit and a.dose.value > first.dose.value for a in own):
            steps[drug] = first
    return steps


def _visit_cycle(
    doses: list[Administration], number: int, history: History, book: FlagBook, state: _State
) -> list[Administration]:
    visited_all = []
    for planned in sorted(doses, key=lambda a: a.date):
        visited = _visit(planned, number, history, book, state)
        if visited.status in ("planned", "moved", "given"):
            state.last_given[visited.drug] = visited.date
        visited_all.append(visited)
    return visited_all


def _follow_day_1(cycle: Cycle, number: int, state: _State) -> Cycle:
    """The cycle starting on its day-1 dose when spacing moved that dose (inotuzumab: 6 days after the
    previous one), so the cycle's days, and every later cycle, count from the day the drug is given."""
    day_1 = state.day_1_spaced.get(number)
    if day_1 is None or day_1 <= cycle.start_date:
        return cycle
    return replace(cycle, start_date=day_1, original_start_date=cycle.original_start_date or cycle.start_date)


def _end(cycle: Cycle, number: int, state: _State) -> dt.date:
    """The day after a cycle's treatment-free interval: its length from its start, plus any interruption
    that moved its last infusion days (the interval is kept after the last infusion day)."""
    moved = [s.days for (_, n), s in state.shifts.items() if n == number and s.interrupted]
    return cycle.start_date + dt.timedelta(days=cycle.length_days + max(moved, default=0))


def _new_cycle(
    request: _NewCycle, planned_cycle: Cycle, template: list[Administration], number: int, state: _State
) -> tuple[Cycle, list[Administration]]:
    """The new cycle a long interruption starts: the drug's doses of the interrupted cycle (as planned)
    again from the restart day, the first ones at the step dose, then that cycle's treatment-free interval."""
    own = sorted((a for a in template if a.drug == request.drug), key=lambda a: a.day)
    first_day = own[0].day
    planned = state.planned_number[number]
    key = f"c{planned}" + "-new" * sum(1 for n, p in state.planned_number.items() if p == planned and n < number)
    step = request.rule.restart_step
    step_dose = _step_like(request.rule, state) if step is not None else None
    doses = []
    for index, dose in enumerate(own):
        day = dose.day - first_day + 1
        moved = replace(
            dose,
            id=f"{state.regimen.id}/{key}/d{day}/{dose.drug.replace(' ', '-')}/{dose.route}",
            cycle=number,
            day=day,
            date=request.restart + dt.timedelta(days=day - 1),
            restart=index == 0,
            status="planned",
            flags=tuple(dict.fromkeys((*dose.flags, *request.flags))),
            because=request.because,
        )
        if step is not None and step_dose is not None and index < step.days:
            moved = _at_step(moved, step_dose, request.rule.id)
        doses.append(moved)
    cycle = replace(
        planned_cycle,
        number=number,
        phase_name=f"{planned_cycle.phase_name}: new cycle after the interruption of cycle {request.interrupted}",
        start_date=request.restart,
        original_start_date=None,
        length_days=planned_cycle.length_days - first_day + 1,
        planned_number=None,
        new_after=request.interrupted,
    )
    return cycle, doses


def _start_cycle(
    cycle: Cycle,
    in_cycle: list[Administration],
    delay: int,
    number: int,
    history: History,
    book: FlagBook,
    state: _State,
) -> tuple[int, Cycle, list[Administration]]:
    """Cycle-start rules, checked before every cycle after the first on the day it would now start: a
    cycle waits for recovery, and every later date moves with it. Returns the delay of every later cycle."""
    start = cycle.start_date + dt.timedelta(days=delay)
    name = cycle_name(number, cycle.number)
    drugs = {a.drug for a in in_cycle} - set(state.stopped)
    because: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    waiting = False
    started = history.cycle_started(cycle.number) if cycle.number > 1 else None
    rules = [r for r in state.rules if r.check == "cycle-start"]
    active = (
        []
        if started or cycle.number == 1
        else [r for r in rules if drugs & set(r.drugs) and cycle.number >= (r.from_cycle or 2)]
    )
    if started is not None:
        if started.date < start:
            raise ObservationError(
                f"observation {started.id}: cycle {cycle.number} cannot start on {started.date.isoformat()}, "
                f"before its planned day 1 ({start.isoformat()})"
            )
        if started.date > start:
            extra = (started.date - start).days
            delay += extra
            text = f"{name} started on {started.date.isoformat()}, {plural(extra, 'day')} after {start.isoformat()} ({started.id})"
            flags, because = (book.add("recorded-start", text, None),), (started.id,)
    for rule in (r for r in active if _applies(state, r, history, start)):
        version = _version(state, rule, history)
        verdict = evaluate(rule.when, history, start, version)
        if verdict.holds is None and rule.id not in state.unassessed and reads_response(rule):
            state.unassessed.add(rule.id)
            book.add(
                "not-yet-assessed",
                f"{rule.name} ({rule.id}): before {name} ({start.isoformat()}): "
                f"{'; '.join(verdict.reasons)}; this and later cycles are planned until the response is known",
                rule.source,
            )
        if not verdict.holds:
            continue
        why = "; ".join(verdict.reasons)
        if rule.action == "discontinue":
            flags = _flag(book, rule, f"treatment discontinued from {name} ({start.isoformat()}): {why}")
            for drug in rule.drugs:
                state.stopped[drug] = _Stop(start, (rule.id, *verdict.evidence), flags)
            break
        recovered = _recovery(rule, history, start, version)
        if recovered is None:
            flags = _flag(book, rule, f"{name} waits from {start.isoformat()} ({why}); no recovery observed yet")
            because, waiting = (rule.id, *verdict.evidence), True
            break
        _, day, recovery = recovered
        extra = (day - start).days
        if not extra:
            continue  # the recovery is already seen on the day the cycle would start: nothing to wait for
        text = f"{name} delayed {plural(extra, 'day')} from {start.isoformat()} ({why}) to {day.isoformat()} ({'; '.join(recovery.reasons)})"
        if rule.max_delay_days is not None and extra > rule.max_delay_days:
            text += f"; the delay exceeds {rule.max_delay_days} days"
            if rule.on_max_delay == "discontinue":
                flags = _flag(book, rule, text + ", treatment discontinued")
                for drug in rule.drugs:
                    state.stopped[drug] = _Stop(start, (rule.id, *verdict.evidence), flags)
                break
        delay += extra
        flags = _flag(book, rule, text)
        because = (rule.id, *verdict.evidence, *recovery.evidence)
        break
    moved_start = cycle.start_date + dt.timedelta(days=delay)
    update: dict[str, object] = {"start_date": moved_start, "original_start_date": cycle.start_date if delay else None}
    if number != cycle.number:
        update |= {"number": number, "planned_number": cycle.number}
    doses = []
    for a in in_cycle:
        if number != cycle.number:
            a = replace(a, cycle=number)
        if delay:
            a = _update(
                replace(a, date=a.date + dt.timedelta(days=delay), original_date=a.date),
                "moved",
                because,
                flags,
            )
        elif because:
            a = _update(a, a.status, because, flags)
        if waiting:
            a = _update(a, "held", because, flags)
        doses.append(a)
    return delay, replace(cycle, **update), doses


def cycle_name(number: int, planned: int) -> str:
    """A cycle as the course numbers it, with its number in the plan when re-planning renumbered it."""
    return f"cycle {number}" if number == planned else f"cycle {number} (cycle {planned} of the plan)"


def reads_response(rule: Rule) -> bool:
    """Whether a rule's condition reads a response (the only thing a plan without observations can know)."""
    return any(check.response_not_in for check in rule.when.checks())


def _applies(state: _State, rule: Rule, history: History, on: dt.date) -> bool:
    """Whether a rule's baseline precondition holds; a rule whose baseline is unknown applies."""
    if rule.applies_if_baseline is None:
        return True
    verdict = evaluate(rule.applies_if_baseline, history.baseline(on), on, _version(state, rule, history))
    return verdict.holds is not False


def _version(state: _State, rule: Rule, history: History) -> str | None:
    return history.ctcae_version or rule.ctcae_version or state.regimen.ctcae_version


def _recovery(
    rule: Rule, history: History, after: dt.date, version: str | None
) -> tuple[dt.date, dt.date, Verdict] | None:
    """When the recovery condition is first seen (on `after` itself, or on a later observation day), the day
    treatment may go on (with `recover_for_days`, that many days later if no observation in between
    breaks it), and the verdict."""
    assert rule.recover_when is not None
    lasting = dt.timedelta(days=rule.recover_for_days or 0)
    for day in [after, *history.dates_after(after)]:
        verdict = evaluate(rule.recover_when, history, day, version)
        if not verdict.holds:
            continue
        broken = any(
            evaluate(rule.recover_when, history, later, version).holds is False
            for later in history.dates_after(day)
            if later <= day + lasting
        )
        if not broken:
            return day, day + lasting, verdict
    return None


def _visit(planned: Administration, number: int, history: History, book: FlagBook, state: _State) -> Administration:
    shift = state.shifts.get((planned.drug, number))
    current = planned
    if shift is not None:
        moved = replace(planned, date=planned.date + dt.timedelta(days=shift.days), original_date=planned.date)
        current = _update(moved, "moved", shift.because, shift.flags)
    stop = state.stopped.get(current.drug)
    if stop is not None and current.date >= stop.since:
        # on the date it would now be given (after any move), at the dose it would have had
        return _stopped(_stepped(current, number, state), stop)
    if (current.drug, number) in state.ended:
        rule_id, flags = state.ended[(current.drug, number)]
        return _update(current, "omitted", (rule_id,), flags)
    if history.recorded(current.drug, current.date):
        return current
    slot = _given_off_day(current, history, book, state)
    if slot is not None:
        return slot
    current = _spaced(current, number, history, book, state)
    state.due[(current.drug, current.date)] = _step_due(current, number, state)
    for rule in (r for r in state.rules if _checks_dose(r, current, state.planned_number[number])):
        if not (history.entries or reads_response(rule)) or not _applies(state, rule, history, current.date):
            continue
        version = _version(state, rule, history)
        verdict = evaluate(rule.when, history, _checked_on(rule, current), version)
        if verdict.holds and rule.action == "flag":
            current = _update(
                current, current.status, (rule.id, *verdict.evidence), _flag(book, rule, "; ".join(verdict.reasons))
            )
            continue  # a flag rule fires and the dose stays: the later rules are still checked
        if verdict.holds and (not rule.at_step_dose or _was_at_step(rule, current, verdict, number, history, state)):
            acted = _stepped(_act(rule, current, number, verdict, history, version, book, state), number, state)
            stop = state.stopped.get(acted.drug)
            return acted if stop is None or acted.status != "discontinued" else _stopped(acted, stop)
    return _stepped(current, number, state)


def _given_off_day(current: Administration, history: History, book: FlagBook, state: _State) -> Administration | None:
    """The dose moved to the date it was recorded as given, when that date is within the drug's window
    of its planned day, has no planned dose of its own, and keeps the drug's minimum spacing."""
    spacing = state.spacing.get(current.drug)
    if spacing is None or spacing.window_days is None:
        return None
    taken = {a.date for a in state.planned.values() if a.drug == current.drug}
    previous = state.last_given.get(current.drug)
    candidates = [
        dated
        for dated in history.records()
        if any(g.drug == current.drug for g in dated.entry.given)
        and (dated.id, current.drug) not in state.matched
        and dated.date not in taken
        and 0 < abs((dated.date - current.date).days) <= spacing.window_days
        and (previous is None or (dated.date - previous).days >= spacing.min_days)
    ]
    if not candidates:
        return None
    dated = min(candidates, key=lambda d: abs((d.date - current.date).days))
    state.matched.add((dated.id, current.drug))
    off = (dated.date - current.date).days
    text = (
        f"{current.drug} cycle {current.cycle} day {current.day} (planned {current.date.isoformat()}) given on "
        f"{dated.date.isoformat()} ({dated.id}), {plural(abs(off), 'day')} {'late' if off > 0 else 'early'}: within the "
        f"{spacing.window_days}-day window, at least {spacing.min_days} days after the previous dose"
    )
    moved = replace(current, date=dated.date, original_date=current.original_date or current.date)
    return _update(moved, "moved", (dated.id,), (book.add("given-off-day", text, spacing.source),))


def _checks_dose(rule: Rule, dose: Administration, planned_number: int) -> bool:
    """Whether a rule looks at this dose: before each dose, or on a named day for doses from that day on
    (`from_cycle` counts the plan's cycles)."""
    if dose.drug not in rule.drugs or planned_number < (rule.from_cycle or 1):
        return False
    if rule.check == "on-day":
        return rule.on_day is not None and dose.day >= rule.on_day
    return rule.check == "before-each-dose"


def _checked_on(rule: Rule, dose: Administration) -> dt.date:
    """The day a rule is evaluated for a dose: the dose's own day, or the cycle's named day."""
    if rule.check != "on-day" or rule.on_day is None:
        return dose.date
    return (dose.original_date or dose.date) + dt.timedelta(days=rule.on_day - dose.day)


def _was_at_step(
    rule: Rule, dose: Administration, verdict: Verdict, number: int, history: History, state: _State
) -> bool:
    """Whether the drug was at its step dose when the observation behind `verdict` was made: the dose
    due that day (the latest due on or before it, when none was due that day)."""
    step = state.step_doses.get(dose.drug)
    seen = max((e.date for e in history.entries if e.id in verdict.evidence), default=dose.date)
    due = [a for (drug, on), a in state.due.items() if drug == dose.drug and on <= seen]
    if step is None or not due:
        return False
    running = max(due, key=lambda a: a.date)
    return running.dose.unit == step.dose.unit and running.dose.value <= step.dose.value


def _spaced(dose: Administration, number: int, history: History, book: FlagBook, state: _State) -> Administration:
    """A dose closer than the drug's minimum spacing to its previous dose moves later, and the drug's
    later doses in the cycle with it. The previous dose is the latest planned or recorded as given
    before it: a dose given outside the plan counts like a planned one (label: at least 6 days between
    doses, whatever was planned)."""
    spacing = state.spacing.get(dose.drug)
    if spacing is None:
        return dose
    planned = state.last_given.get(dose.drug)
    recorded = [d for d in history.records() if d.date < dose.date and any(g.drug == dose.drug for g in d.entry.given)]
    previous, what = (planned, "the previous dose") if planned is not None else (None, "")
    if recorded and (previous is None or recorded[-1].date > previous):
        previous, what = recorded[-1].date, f"the previous dose, recorded as given ({recorded[-1].id})"
    if previous is None or (dose.date - previous).days >= spacing.min_days:
        return dose
    earliest = previous + dt.timedelta(days=spacing.min_days)
    if dose.day == 1:
        state.day_1_spaced[number] = earliest
    text = (
        f"{dose.drug} on {dose.date.isoformat()} is {plural((dose.date - previous).days, 'day')} after {what} "
        f"({previous.isoformat()}); at least {plural(spacing.min_days, 'day')} apart → moved to {earliest.isoformat()}"
    )
    return _move(
        state,
        dose,
        number,
        earliest,
        (f"spacing-{dose.drug.replace(' ', '-')}",),
        (book.add("spacing", text, spacing.source),),
    )


def _step_due(dose: Administration, number: int, state: _State) -> Administration:
    """The dose as it will be given: at the step dose while a restart lasts (without using the step up)."""
    step = state.steps.get((dose.drug, number))
    if step is None or step.remaining == 0 or dose.status not in _RESTARTED or step.dose.dose.value >= dose.dose.value:
        return dose
    return _at_step(dose, step.dose, step.rule)


def _stepped(dose: Administration, number: int, state: _State) -> Administration:
    """The dose at the step dose while a restart after an interruption lasts (never above the plan); a
    dose discontinued during the restart keeps the step dose it would have had."""
    step = state.steps.get((dose.drug, number))
    if step is None or step.remaining == 0 or dose.status not in _RESTARTED:
        return dose
    lowered = _step_due(dose, number, state)
    step.remaining -= 1
    return dose if lowered is dose else _update(lowered, dose.status, (step.rule,), step.flags)


def _stopped(dose: Administration, stop: _Stop) -> Administration:
    """The dose discontinued: `because` names the stopping rule first, then what moved the dose before."""
    return replace(
        dose,
        status="discontinued",
        because=tuple(dict.fromkeys((*stop.because, *dose.because))),
        flags=tuple(dict.fromkeys((*dose.flags, *stop.flags))),
    )


def _at_step(dose: Administration, step: Administration, rule_id: str) -> Administration:
    """`dose` lowered to the step dose `step` (never raised), with the trace saying why."""
    if step.dose.value >= dose.dose.value:
        return dose
    lower = step.dose
    text = f"restarted at the step dose {lower.text()} after an interruption ({rule_id}): {dose.dose.text()} → {lower.text()}"
    trace = (
        *dose.trace[:-1],
        TraceStep(kind="rule", text=text, value=lower),
        TraceStep(kind="final", text=f"dose {lower.text()}", value=lower),
    )
    return replace(dose, dose=lower, rate=step.rate, trace=trace)


def _step_like(rule: Rule, state: _State) -> Administration | None:
    """The dose a restart gives first: the one named by the rule's restart_step, or the drug's step dose."""
    step = rule.restart_step
    assert step is not None
    if step.like_cycle is not None and step.like_day is not None:
        return state.planned.get((rule.drugs[0], step.like_cycle, step.like_day))
    return state.step_doses.get(rule.drugs[0])


def _act(
    rule: Rule,
    dose: Administration,
    number: int,
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
        return _reduce(state.regimen, rule, dose, why, because, book)
    recovered = _recovery(rule, history, dose.date, version)
    if recovered is None:
        start = state.held_from.setdefault((dose.drug, rule.id, why), on)  # one flag for a run of held days
        return _update(
            dose, "held", because, _flag(book, rule, f"{dose.drug} held from {start} ({why}); no recovery observed yet")
        )
    resolved, day, recovery = recovered
    if day == dose.date:
        return dose  # recovered the same day: nothing to hold
    because += recovery.evidence
    if rule.action == "interrupt":
        return _interrupt(rule, dose, number, (resolved, day), why, recovery, because, book, state)
    earlier = state.shifts.get((dose.drug, number))
    total = (earlier.days if earlier else 0) + (day - dose.date).days
    text = f"{dose.drug} held on {on} ({why}); recovered on {day.isoformat()} ({'; '.join(recovery.reasons)})"
    if rule.max_delay_days is not None and total > rule.max_delay_days:
        if rule.on_max_delay == "discontinue":
            flags = _flag(book, rule, f"{text}: {total} days of delay exceed {rule.max_delay_days}, discontinued")
            return _discontinue(state, dose, rule, because, flags)
        text += f"; the delay of {total} days exceeds {rule.max_delay_days} days"
    return _move(state, dose, number, day, because, _flag(book, rule, f"{text} → moved to {day.isoformat()}"))


def _interrupt(
    rule: Rule,
    dose: Administration,
    number: int,
    days: tuple[dt.date, dt.date],
    why: str,
    recovery: Verdict,
    because: tuple[str, ...],
    book: FlagBook,
    state: _State,
) -> Administration:
    """Stop the infusion until the restart day: a short interruption continues the cycle (the missed days
    follow the restart, the first ones at the step dose), a longer one ends it and starts a new cycle."""
    resolved, restart = days
    took = (resolved - dose.date).days
    length = (restart - dose.date).days
    text = (
        f"{dose.drug} interrupted on {dose.date.isoformat()} ({why}); resolved on {resolved.isoformat()} "
        f"({'; '.join(recovery.reasons)}) after {plural(took, 'day')}; may restart on {restart.isoformat()}: "
        f"{length}-day interruption"
    )
    if rule.max_resolution_days is not None and took > rule.max_resolution_days:
        flags = _flag(book, rule, f"{text}; it took more than {rule.max_resolution_days} days to resolve: discontinued")
        return _discontinue(state, dose, rule, because, flags)
    if rule.max_interruption_days is not None and length > rule.max_interruption_days:
        if rule.on_long_interruption == "discontinue":
            flags = _flag(book, rule, f"{text}, more than {rule.max_interruption_days} days: discontinued")
            return _discontinue(state, dose, rule, because, flags)
        flags = _flag(
            book,
            rule,
            f"{text}, more than {rule.max_interruption_days} days: the cycle ends and a new cycle starts on "
            f"{restart.isoformat()}{', at the step dose' if rule.restart_step else ''}; later cycles move after it",
        )
        state.ended[(dose.drug, number)] = (rule.id, flags)
        state.new_cycles.append(_NewCycle(dose.drug, number, restart, rule, because, flags))
        return _update(dose, "omitted", because, flags)
    flags = _flag(book, rule, f"{text}: the same cycle goes on to its full number of infusion days")
    if rule.restart_step is not None:
        like = _step_like(rule, state)
        if like is not None:
            state.steps[(dose.drug, number)] = _Step(rule.restart_step.days, like, rule.id, flags)
    moved = _move(state, dose, number, restart, because, flags, interrupted=True)
    return replace(moved, restart=True)


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
    rate = None if dose.rate is None else replace(dose.rate, value=reduced.value)
    updated = replace(dose, dose=reduced, rate=rate, trace=(*dose.trace[:-1], step, final))
    return _update(updated, dose.status, because, flag)


def _discontinue(
    state: _State, dose: Administration, rule: Rule, because: tuple[str, ...], flags: tuple[str, ...]
) -> Administration:
    """Stop the drug from this dose on."""
    state.stopped[dose.drug] = _Stop(dose.date, because, flags)
    return _update(dose, "discontinued", because, flags)


def _move(
    state: _State,
    dose: Administration,
    number: int,
    to: dt.date,
    because: tuple[str, ...],
    flags: tuple[str, ...],
    *,
    interrupted: bool = False,
) -> Administration:
    """Move a dose later, and the drug's later doses in its cycle by as much."""
    earlier = state.shifts.get((dose.drug, number))
    state.shifts[(dose.drug, number)] = _Shift(
        (earlier.days if earlier else 0) + (to - dose.date).days,
        because,
        flags,
        interrupted or (earlier is not None and earlier.interrupted),
    )
    moved = replace(dose, date=to, original_date=dose.original_date or dose.date)
    return _update(moved, "moved", because, flags)


def _flag(book: FlagBook, rule: Rule, text: str) -> tuple[str, ...]:
    """The rule's firing as a flag, followed by the rule's own flags (e.g. an institutional default)."""
    fired = book.add("rule", f"{rule.name} ({rule.id}): {text}", rule.source)
    return (fired, *(book.add(f.kind, f"{rule.id}: {f.text}", f.source) for f in rule.flags))


def _update(dose: Administration, status: Status, because: tuple[str, ...], flags: tuple[str, ...]) -> Administration:
    return replace(
        dose,
        status=status,
        because=tuple(dict.fromkeys((*dose.because, *because))),
        flags=tuple(dict.fromkeys((*dose.flags, *flags))),
    )
