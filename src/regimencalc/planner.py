"""The one orchestrator: regimen + patient + start date → a dated `Course`.

It walks the cycles in order, picks the branch arm of each cycle (from the response given, or
the branch's stated default, or refuses), computes each line's dose once per cycle and dates
every administration. Observation-driven re-planning (holds, delays, reductions) will hook in
where each cycle's lines are chosen; nothing here reads files or prints.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from regimencalc.course import (
    Administration,
    Amount,
    Course,
    Criterion,
    Cycle,
    DrugTotal,
    PatientSummary,
    RegimenSummary,
)
from regimencalc.display import format_against, format_number, plural
from regimencalc.dosing.bsa import BSA_FORMULAS, DEFAULT_BSA_FORMULA, bsa
from regimencalc.dosing.dates import cycle_starts, day_date
from regimencalc.dosing.dose import BodySize, DoseResult, compute_dose, select_band
from regimencalc.dosing.patient import Patient, is_small_child, outside_age_range
from regimencalc.dosing.supportive import plan_supportive
from regimencalc.errors import ObservationError, PlanningError
from regimencalc.flags import FlagBook
from regimencalc.protocol.plain import RESPONSES, Branch, DrugLine, Phase, Regimen
from regimencalc.protocol.units import DoseAmount
from regimencalc.replan.adjust import apply_rules, cycle_name, reads_response
from regimencalc.replan.history import DatedEntry, History, place, unread_terms
from regimencalc.replan.records import apply_records
from regimencalc.replan.rules import describe_rule
from regimencalc.replan.ruleset import RuleSet, rules_in_force
from regimencalc.safety.cumulative import course_mg_per_m2, cumulate
from regimencalc.safety.plausibility import USUAL, confirm, unusual_bsa

if TYPE_CHECKING:  # the profiles' and observations' models load only when their options are given
    from regimencalc.replan.observations import Observations
    from regimencalc.safety.institution import Institution
    from regimencalc.safety.prior import Prior
    from regimencalc.safety.rounding import RoundingProfile


def plan(
    regimen: Regimen,
    patient: Patient,
    start: dt.date,
    *,
    bsa_formula: str = DEFAULT_BSA_FORMULA,
    cycles: int | None = None,
    response: str | None = None,
    observations: Observations | None = None,
    prior: Prior | None = None,
    rounding: RoundingProfile | None = None,
    bsa_cap: float | None = None,
    institution: Institution | None = None,
) -> Course:
    """The course of `regimen` for `patient` from `start` (cycle 1 day 1).

    `cycles` limits how many cycles are planned (default: all, up to each phase's maximum);
    `response` (CR, CRi, PR, NR) picks the arm of a response branch that no observation decides;
    `observations` are replayed against the plan (responses, doses given or not given);
    `prior` exposure is added to the course for cumulative limits and anthracycline equivalents;
    `rounding` is an institutional rounding profile used instead of the default rounding where it can;
    `bsa_cap` (m²) caps the BSA, an institutional option ASCO advises against (always flagged);
    `institution` is the institutional profile the supportive lines take local choices from (its
    rounding and BSA cap are passed as `rounding` and `bsa_cap`; its usual limits check the BSA here
    and the patient in `make_patient`).
    """
    if bsa_formula not in BSA_FORMULAS:
        raise PlanningError(f"unknown BSA formula '{bsa_formula}'; use one of {', '.join(BSA_FORMULAS)}")
    if response is not None and response not in RESPONSES:
        raise PlanningError(f"response '{response}' is not one of {', '.join(RESPONSES)}")
    body = BodySize(
        patient.weight_kg,
        bsa(patient.height_cm, patient.weight_kg, bsa_formula),
        bsa_formula,
        age_years=patient.age_years,
    )
    usual = institution.usual_limits() if institution is not None else USUAL
    unusual = unusual_bsa(body.bsa_m2, BSA_FORMULAS[bsa_formula].name, usual)
    confirmed = patient.confirmed + confirm([unusual] if unusual else [], patient.accepted)
    if bsa_cap is not None and body.bsa_m2 > bsa_cap:
        body = BodySize(body.weight_kg, bsa_cap, bsa_formula, uncapped_bsa_m2=body.bsa_m2, age_years=body.age_years)
    phases = _cycle_phases(regimen, cycles)
    book = FlagBook()
    for text in confirmed:
        book.add("accepted-unusual", text, None)
    _size_flags(regimen, patient, body, bsa_cap, book)
    rounded = sorted(set(rounding.drugs) & {line.drug for line in regimen.all_lines()}) if rounding else []
    if rounding is not None and rounded:
        book.add(
            "rounding-profile",
            f"doses of {', '.join(rounded)} rounded by the institutional profile '{rounding.name}' "
            f"(within {rounding.max_percent:g} %; {rounding.source})",
            None,
        )
    for flag in regimen.flags:
        book.add(flag.kind, flag.text, flag.source)
    _eligibility_flags(regimen, patient, book)

    starts = cycle_starts(start, [p.length_days for p in phases])
    ruleset = rules_in_force(regimen)
    stated, reader = _stated_response(ruleset, response, phases, starts, book)
    _unread_responses(ruleset, phases, response, observations, book)
    history = place(observations, start, starts, stated, [p.length_days for p in phases])
    for text in unread_terms(history, ruleset.toxicity_terms()):
        book.add("unread-term", text, None)
    planned_cycles: list[Cycle] = []
    administrations: list[Administration] = []
    for number, (phase, cycle_start) in enumerate(zip(phases, starts, strict=True), 1):
        previous_start = starts[number - 2] if number > 1 else start - dt.timedelta(days=1)
        decision = _Decision(regimen, number, cycle_start, previous_start, response, history, book)
        chosen = _lines_for_cycle(phase, decision)
        if chosen is None:
            break
        lines, arms = chosen
        planned_cycles.append(
            Cycle(
                number=number,
                phase=phase.id,
                phase_name=phase.name,
                start_date=cycle_start,
                length_days=phase.length_days,
                branches=arms,
            )
        )
        for line in lines:
            administrations += _administer(regimen, phase, line, number, cycle_start, body, book, rounding)
    _weight_flags(patient, history, book)
    administrations, planned_cycles = apply_rules(regimen, ruleset, administrations, planned_cycles, history, book)
    if reader is not None:
        reader.replanned(planned_cycles, administrations, book)
    administrations = apply_records(regimen, administrations, planned_cycles, history, book)
    if cycles is None and len(planned_cycles) == len(phases):  # the whole course, not a part of it
        _refuse_entries_after_the_course(history, planned_cycles, administrations)
    order = {line.drug: i for i, line in enumerate(regimen.all_lines())}
    administrations.sort(key=lambda a: (a.date, order[a.drug]))
    administrations, supportive, local = plan_supportive(
        regimen, administrations, planned_cycles, body, book, institution
    )
    cumulative, cumulative_flags = cumulate(
        course_mg_per_m2(tuple(administrations), body.bsa_m2), prior.totals() if prior else {}, patient.accepted
    )
    for kind, text, source in cumulative_flags:
        book.add(kind, text, source)
    return Course(
        regimen=RegimenSummary(
            id=regimen.id,
            name=regimen.name,
            version=regimen.version,
            indication=regimen.indication,
            sources={key: s.citation for key, s in regimen.sources.items()}
            | {k: v for k, v in ruleset.sources.items() if k not in regimen.sources},
        ),
        patient=PatientSummary(  # float(): a Patient built in Python may hold ints, which JSON would print as 170
            height_cm=float(patient.height_cm),
            weight_kg=float(patient.weight_kg),
            age_years=None if patient.age_years is None else float(patient.age_years),
            sex=patient.sex,
            bsa_m2=body.bsa_m2,
            bsa_formula=BSA_FORMULAS[bsa_formula].name,
            bsa_equation=BSA_FORMULAS[bsa_formula].equation,
        ),
        start_date=start,
        response=response,
        assessed_until=history.last_date,
        cycles=tuple(planned_cycles),
        administrations=tuple(administrations),
        totals=_totals(administrations),
        flags=book.flags(),
        criteria=tuple(
            Criterion(
                id=rule.id,
                name=rule.name,
                text=describe_rule(rule, history.ctcae_version or rule.ctcae_version or regimen.ctcae_version),
                source=f"{rule.source}; {ruleset.origins[rule.id]}",
            )
            for rule in ruleset.rules
        ),
        cumulative=cumulative,
        supportive=supportive,
        institution=local,
    )


class _Reader(NamedTuple):
    """Where the plan first reads a response: a branch's decision day or a response rule's cycle start
    (`day` None), as planned, and the flag that says so."""

    date: dt.date
    name: str
    cycle: int
    day: int | None
    response: str
    flag: str = ""

    def text(self, replanned: str = "") -> str:
        where = (
            f"{self.name}, cycle {self.cycle} day {self.day}" if self.day else f"{self.name}, before cycle {self.cycle}"
        )
        return (
            f"--response {self.response} is taken as a response assessed on {self.date.isoformat()} ({where}"
            f"{replanned}: where the plan first reads a response); it decides every branch and rule that reads a "
            "response unless a recorded one does"
        )

    def replanned(self, cycles: list[Cycle], administrations: list[Administration], book: FlagBook) -> None:
        """Reword the flag when re-planning moved or renumbered where the response is read (planned and
        re-planned are both stated)."""
        cycle = next((c for c in cycles if c.new_after is None and (c.planned_number or c.number) == self.cycle), None)
        if cycle is None:
            return
        named = cycle_name(cycle.number, self.cycle)
        if self.day is None:
            actual, moved = cycle.start_date, f"that cycle is {named}, from {cycle.start_date.isoformat()}"
        else:
            # the day counts on from the cycle's last dose on or before it (an interruption moves the days after it)
            before = [a for a in administrations if a.cycle == cycle.number and a.day <= self.day]
            last = max(before, key=lambda a: (a.day, a.date), default=None)
            actual = (
                day_date(cycle.start_date, self.day) if last is None else day_date(last.date, self.day - last.day + 1)
            )
            moved = f"day {self.day} of {named} falls on {actual.isoformat()}"
        if actual != self.date or cycle.number != self.cycle:
            book.reword(self.flag, self.text(f" as planned; re-planned, {moved}"))


def _refuse_entries_after_the_course(history: History, cycles: list[Cycle], doses: list[Administration]) -> None:
    """An observation dated after the course's last day (its last cycle's end, or a dose moved later)
    changes nothing and is most likely a wrong date (2100-01-01): refused, naming it."""
    ends = [c.start_date + dt.timedelta(days=c.length_days - 1) for c in cycles] + [a.date for a in doses]
    if not ends:
        return
    last = max(ends)
    late = next((e for e in history.entries if e.date > last), None)
    if late is not None:
        raise ObservationError(
            f"observation {late.id} ({late.date.isoformat()}) is after the last planned day of the course "
            f"({last.isoformat()}), so it would change nothing; fix its date or remove the entry"
        )


def _unread_responses(
    ruleset: RuleSet, phases: list[Phase], response: str | None, observations: Observations | None, book: FlagBook
) -> None:
    """Flag a response (--response or recorded) on a regimen no branch or rule of which reads one: it
    changes nothing, and saying so keeps a user from believing it did."""
    if any(p.branches for p in phases) or any(reads_response(rule) for rule in ruleset.rules):
        _outvoted_response(response, observations, book)
        return
    given = [f"--response {response}"] if response is not None else []
    if observations is not None:
        given += [
            f"the response {e.response} recorded in {observations.entry_id(i)}"
            for i, e in enumerate(observations.entries)
            if e.response is not None
        ]
    for what in given:
        book.add(
            "unread-response", f"{what}: no rule or branch of this regimen reads a response; it changed nothing", None
        )


def _outvoted_response(response: str | None, observations: Observations | None, book: FlagBook) -> None:
    """Say when recorded responses differ from --response: where a branch or gate reads a recorded
    one, it decides, not the command line (docs/observations.md), and the output must say which."""
    if response is None or observations is None:
        return
    recorded = [
        f"{e.response} ({observations.entry_id(i)}, {e.date.isoformat() if e.date else f'cycle {e.cycle} day {e.day}'})"
        for i, e in enumerate(observations.entries)
        if e.response is not None and e.response != response
    ]
    if recorded:
        book.add(
            "response-recorded",
            f"--response {response} differs from the recorded response {', '.join(recorded)}: wherever a branch or "
            "rule reads a recorded response, the recorded one decides, not --response; check which is current",
            None,
        )


def _stated_response(
    ruleset: RuleSet, response: str | None, phases: list[Phase], starts: list[dt.date], book: FlagBook
) -> tuple[DatedEntry | None, _Reader | None]:
    """--response as a response assessment, dated where the plan first reads a response (a branch's
    decision day, or the start of the first cycle a response rule checks), so every branch and rule
    that reads a response reads it; any recorded response they read wins (docs/observations.md)."""
    if response is None:
        return None, None
    readers = [
        _Reader(day_date(cycle_start, branch.decided_on_day), branch.name, number, branch.decided_on_day, response)
        for number, (phase, cycle_start) in enumerate(zip(phases, starts, strict=True), 1)
        for branch in phase.branches
    ]
    for rule in ruleset.rules:
        if reads_response(rule):
            number = max(rule.from_cycle or 1, 2 if rule.check == "cycle-start" else 1)
            if number <= len(starts):
                readers.append(_Reader(starts[number - 1], f"{rule.name} ({rule.id})", number, None, response))
    if not readers:
        return None, None
    first = min(readers, key=lambda r: (r.date, r.day is None, r.cycle, r.name))
    reader = first._replace(flag=book.add("response-option", first.text(), None))
    from regimencalc.replan.observations import Observation

    entry = Observation.model_validate({"id": "response-option", "date": reader.date, "response": response})
    return DatedEntry("response-option", reader.date, entry), reader


def _cycle_phases(regimen: Regimen, cycles: int | None) -> list[Phase]:
    phases = [phase for phase in regimen.phases for _ in range(phase.cycle_count)]
    if cycles is None:
        return phases
    if not 1 <= cycles <= len(phases):
        fix = "leave --cycles out or give --cycles 1" if len(phases) == 1 else f"give --cycles from 1 to {len(phases)}"
        raise PlanningError(f"--cycles {cycles}: regimen '{regimen.id}' has {plural(len(phases), 'cycle')}; {fix}")
    return phases[:cycles]


class _Decision(NamedTuple):
    """What a cycle's branches are decided from: observations, then --response, then defaults."""

    regimen: Regimen
    cycle: int
    cycle_start: dt.date
    previous_start: dt.date
    response: str | None
    history: History
    book: FlagBook


def _lines_for_cycle(phase: Phase, decision: _Decision) -> tuple[list[DrugLine], dict[str, str]] | None:
    """The cycle's lines with the chosen branch arms; None when a needed response is not yet known."""
    lines = list(phase.lines)
    arms: dict[str, str] = {}
    for branch in phase.branches:
        option_id = _choose(branch, decision)
        if option_id is None:
            return None
        option = next(o for o in branch.options if o.id == option_id)
        arms[branch.id] = option.id
        lines += option.lines
    return lines, arms


def _choose(branch: Branch, d: _Decision) -> str | None:
    decided_on = day_date(d.cycle_start, branch.decided_on_day)
    where = f"{branch.name} (cycle {d.cycle} day {branch.decided_on_day}, {decided_on.isoformat()})"
    observed = d.history.response(d.previous_start, decided_on, recorded_only=True)
    if observed is not None:
        answer = observed.entry.response
        option = next(o for o in branch.options if answer in o.when)
        d.book.add(
            "branch",
            f"{where}: {answer} recorded on {observed.date.isoformat()} ({observed.id}) → {option.name}",
            branch.source,
        )
        return option.id
    if d.response is not None:
        return next(o.id for o in branch.options if d.response in o.when)
    ahead = d.history.last_date is not None and decided_on > d.history.last_date
    if branch.default is None:
        if ahead:
            d.book.add(
                "not-yet-assessed",
                f"{where}: not yet assessed, and the arm depends on it; the course is planned up to cycle {d.cycle - 1}",
                branch.source,
            )
            return None
        raise PlanningError(
            f"regimen '{d.regimen.id}' cycle {d.cycle}: '{branch.name}' depends on the response assessed on day "
            f"{branch.decided_on_day}; give --response {'|'.join(RESPONSES)} or plan fewer cycles with --cycles"
        )
    option = next(o for o in branch.options if o.id == branch.default)
    if ahead:
        text = f"{where}: not yet assessed; the default arm '{option.name}' is planned until the response is known"
        d.book.add("not-yet-assessed", text, branch.source)
    else:
        d.book.add(
            "branch-default",
            f"{where}: no response given, so the default arm '{option.name}' is planned (give --response or record the response)",
            branch.source,
        )
    return option.id


def _administer(
    regimen: Regimen,
    phase: Phase,
    line: DrugLine,
    number: int,
    cycle_start: dt.date,
    body: BodySize,
    book: FlagBook,
    rounding: RoundingProfile | None,
) -> list[Administration]:
    line_flags = [book.add(f.kind, f"{line.drug}: {f.text}", f.source) for f in line.flags]
    line_flags += [
        book.add(
            f.kind,
            f"{line.drug}: {f.text} (weight {format_against(body.weight_kg, f.weight.holds, 4)} kg is {f.weight})",
            f.source,
        )
        for f in line.weight_flags
        if f.weight.holds(body.weight_kg)
    ]
    schedule: list[tuple[tuple[int, ...], tuple[DoseAmount, str] | None]] = [(line.days, None)]
    if line.taper is not None and line.dose is not None:
        steps = line.taper.steps()
        schedule += [
            (days, (amount, f"taper step {i} of {len(steps)} after {line.dose.amount.display()}"))
            for i, (days, amount) in enumerate(steps, 1)
        ]
    result: list[Administration] = []
    for days, taper in schedule:
        profile = (rounding, line.drug) if rounding is not None and line.drug in rounding.drugs else None
        dosed = _dose(line, body, taper, profile)
        flags = list(line_flags)
        if dosed.rounding_refused:
            flags.append(book.add("rounding-refused", f"{line.drug}: {dosed.rounding_refused}", None))
        if dosed.capped:
            flags.append(
                book.add("cap-applied", f"{line.drug}: dose capped at {dosed.dose.text()} ({phase.name})", None)
            )
        for day in days:
            result.append(
                Administration(
                    id=f"{regimen.id}/c{number}/d{day}/{line.drug.replace(' ', '-')}/{line.route}",
                    cycle=number,
                    day=day,
                    date=day_date(cycle_start, day),
                    phase=phase.id,
                    drug=line.drug,
                    route=line.route,
                    dose=dosed.dose,
                    rate=dosed.rate if line.route == "CIV" else None,
                    prescribed=dosed.prescribed,
                    basis=dosed.basis,
                    trace=dosed.trace,
                    flags=tuple(dict.fromkeys(flags)),
                    source=line.source,
                )
            )
    return result


def _dose(
    line: DrugLine, body: BodySize, taper: tuple[DoseAmount, str] | None, profile: tuple[RoundingProfile, str] | None
) -> DoseResult:
    if line.bands is None:
        assert line.dose is not None
        return compute_dose(line.dose, body, line.source, line.dose.cap_source or line.source, taper, profile)
    band, step = select_band(line.bands, body, line.drug)
    result = compute_dose(band.dose, body, line.source, band.dose.cap_source or line.source, None, profile)
    return result._replace(trace=(result.trace[0], step, *result.trace[1:]))


def _size_flags(regimen: Regimen, patient: Patient, body: BodySize, bsa_cap: float | None, book: FlagBook) -> None:
    """Flags about body size that a pharmacist must see: a capped BSA, a very small child."""
    if bsa_cap is not None:
        what = (
            f"BSA {body.uncapped_bsa_m2:.3f} m² capped at {bsa_cap:g} m²"
            if body.uncapped_bsa_m2
            else f"BSA cap {bsa_cap:g} m² (not reached)"
        )
        book.add(
            "bsa-cap",
            f"{what}: an institutional option; ASCO 2012/2021 recommend full weight-based dosing with no routine cap",
            "reference §4.1 (ASCO, V; capping is U as a guideline)",
        )
    per_m2 = any(
        (line.dose is not None and line.dose.basis == "bsa") or any(b.dose.basis == "bsa" for b in line.bands or [])
        for line in regimen.all_lines()
    )
    if per_m2 and is_small_child(patient.weight_kg, body.bsa_m2):
        book.add(
            "small-child",
            f"weight {format_number(patient.weight_kg, 4)} kg, BSA {body.bsa_m2:.3f} m²: below 10 kg or 0.6 m², doses per m² "
            "can overdose infants; check the protocol's infant dosing (mg/kg conversions such as ÷ 30 are unverified "
            "conventions and are not applied)",
            "reference §5 (P; the ÷ 30 rule is U)",
        )


#: A weight change of this fraction since the doses' weight is flagged (institutional default, docs/safety.md).
WEIGHT_CHANGE = 0.10


def _weight_flags(patient: Patient, history: History, book: FlagBook) -> None:
    """Flag the latest recorded weight when it is 10 % or more from the weight the doses use."""
    weighed = [(e, e.entry.weight_kg()) for e in history.entries if e.entry.weight is not None]
    if not weighed:
        return
    entry, weight = weighed[-1]
    assert weight is not None
    change = (weight - patient.weight_kg) / patient.weight_kg
    if abs(change) >= WEIGHT_CHANGE:
        direction = "above" if change > 0 else "below"
        book.add(
            "weight-change",
            f"weight {format_number(weight, 4)} kg on {entry.date.isoformat()} ({entry.id}) is {abs(change) * 100:.1f} % "
            f"{direction} the {format_number(patient.weight_kg, 4)} kg these doses use: recalculate with --weight "
            f"{format_number(weight, 4)}kg",
            None,
        )


def _eligibility_flags(regimen: Regimen, patient: Patient, book: FlagBook) -> None:
    """Flag an age outside the regimen's eligibility, read in completed years as labels and protocols
    write them: "up to 25 years" includes a patient aged 25.5 (outside from the 26th birthday)."""
    eligibility = regimen.eligibility
    if eligibility is None or eligibility.age_years is None:
        return
    low, high = eligibility.age_years.min, eligibility.age_years.max
    span = f"{format_number(low) if low is not None else '0'}-{format_number(high) if high is not None else '…'} years"
    if patient.age_years is None:
        book.add(
            "eligibility",
            f"age not given: the regimen's eligibility ({span}: {eligibility.text}) was not checked",
            eligibility.source,
        )
    elif outside_age_range(patient.age_years, low, high):
        book.add(
            "eligibility",
            f"age {format_number(patient.age_years)} years is outside the regimen's eligibility ({span}: {eligibility.text})",
            eligibility.source,
        )


def _totals(administrations: list[Administration]) -> tuple[DrugTotal, ...]:
    sums: dict[tuple[str, str], list[Amount]] = defaultdict(list)
    for a in administrations:
        if a.status in ("planned", "given", "moved"):
            amount = a.given or a.dose
            sums[(a.drug, amount.unit)].append(amount)
    totals = []
    for (drug, unit), given in sums.items():
        has_max = any(a.max is not None for a in given)
        total = Amount(
            value=_exact_sum(a.value for a in given),
            unit=unit,
            max=_exact_sum(a.value if a.max is None else a.max for a in given) if has_max else None,
        )
        totals.append(DrugTotal(drug=drug, total=total, administrations=len(given)))
    return tuple(totals)


def _exact_sum(values: Iterable[float]) -> float:
    """Sum of doses already rounded to 3 significant figures, without binary noise (3 × 4.67 = 14.01)."""
    return float(sum((Decimal(repr(v)) for v in values), Decimal(0)))


def plan_typed(
    regimen: Regimen,
    height: str,
    weight: str,
    start: str,
    *,
    age: str | None = None,
    sex: str | None = None,
    bsa_cap: str | None = None,
    accept_unusual: Iterable[str] = (),
    rounding: RoundingProfile | None = None,
    institution: Institution | None = None,
    **options: Any,
) -> Course:
    """The course for patient values as a person typed them (command line, web form, API request).

    The one place typed text becomes a checked patient, start date and BSA cap, and where the
    institutional profile's limits, rounding and BSA cap policy join what was typed, so every front
    end refuses the same values with the same words; `options` go to `plan` unchanged.
    """
    from regimencalc.dosing.dates import parse_start_date
    from regimencalc.dosing.patient import make_patient
    from regimencalc.safety.plausibility import USUAL, parse_bsa_cap

    usual = institution.usual_limits() if institution is not None else USUAL
    patient = make_patient(height, weight, age, sex, frozenset(accept_unusual), usual)
    cap = None if bsa_cap is None else parse_bsa_cap(bsa_cap)
    if rounding is not None:
        from regimencalc.safety.rounding import refuse_drugs_not_given

        refuse_drugs_not_given(rounding, {line.drug for line in regimen.all_lines()}, regimen.id)
    if institution is not None:
        from regimencalc.safety.institution import merge_policies
        from regimencalc.safety.intrathecal import refuse_lines_not_in

        refuse_lines_not_in(institution, regimen.id, [it.id for it in regimen.intrathecal])
        rounding, cap = merge_policies(institution, rounding, cap)
    return plan(
        regimen,
        patient,
        parse_start_date(start),
        bsa_cap=cap,
        rounding=rounding,
        institution=institution,
        **options,
    )
