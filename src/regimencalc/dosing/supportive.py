"""The order around the chemotherapy: premedication, supervision, requirements, admission windows,
intrathecal therapy and administration details, planned from the course's final doses.

The planner calls `plan_supportive` once, after re-planning, so every event-tied line follows the
doses as they now stand: a restart moved by a rule brings its premedication with it. Lines come
from the drug files (label facts), the regimen (intrathecal therapy its source gives) and the
institutional profile (local choices, each printed with its local source). A value no source gives
is never guessed: the line says "per local protocol" and a flag asks for it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from regimencalc.course import Administration, Amount, Cycle, InstitutionSummary, LocalValue, SupportiveLine
from regimencalc.display import format_age, format_number, unit_symbol
from regimencalc.dosing.dose import BodySize, compute_dose
from regimencalc.flags import FlagBook
from regimencalc.protocol.loader import load_drug_file
from regimencalc.protocol.plain import (
    EVENT_WORDS,
    AdministrationNote,
    Admission,
    DrugFile,
    EventLine,
    Intrathecal,
    Regimen,
    Threshold,
)

if TYPE_CHECKING:
    from regimencalc.safety.institution import Institution  # loaded only when --institution is given

DELIVERED = ("planned", "given", "moved")
LOCAL = "per local protocol"
#: Bundled drug files are read once per process (about 30 ms each to validate); the models are frozen.
_drug_file = cache(load_drug_file)


class DoseEvent(NamedTuple):
    """A delivered dose of a drug and the events it is (first of the cycle, step dose, restart…)."""

    drug: str
    cycle: int
    day: int
    date: dt.date
    kinds: frozenset[str]


def label_cycles(cycles: Sequence[Cycle]) -> dict[int, int]:
    """Each course cycle's number as the label counts it: a cycle renumbered by re-planning keeps its
    planned number, and a cycle inserted after a long interruption counts as the cycle it continues
    (`new_after`: it restarts that cycle's infusion)."""
    counted: dict[int, int] = {}
    for c in cycles:
        counted[c.number] = counted[c.new_after] if c.new_after is not None else c.planned_number or c.number
    return counted


def cycle_keys(cycles: Sequence[Cycle]) -> dict[int, str]:
    """Each course cycle's name as no re-plan changes it, for the ids of its supportive lines (calendar
    UIDs are made from them): a planned cycle by its planned number ('c2'), a cycle inserted after a
    long interruption by the cycle it follows ('c1-new'), so renumbering moves no id to another cycle."""
    keys: dict[int, str] = {}
    for c in cycles:
        keys[c.number] = f"{keys[c.new_after]}-new" if c.new_after is not None else f"c{c.planned_number or c.number}"
    return keys


def dose_events(administrations: list[Administration], cycles: Sequence[Cycle] = ()) -> list[DoseEvent]:
    """The dose events of every drug, from the delivered (planned, given or moved) doses in date order.

    A continuous-infusion day is a `restart` when the day before had no infusion of the drug in the
    same cycle, and a `step-dose` when its daily dose is higher than the day before's. The first dose
    of a cycle inserted after a long interruption (in `cycles`, `new_after` set) is a `restart` too.
    """
    inserted = {c.number for c in cycles if c.new_after is not None}
    by_drug: dict[str, list[Administration]] = defaultdict(list)
    for a in sorted(administrations, key=lambda a: a.date):
        if a.status in DELIVERED:
            by_drug[a.drug].append(a)
    events = []
    for drug, doses in by_drug.items():
        previous: Administration | None = None
        for a in doses:
            kinds = {"each-dose"}
            if previous is None:
                kinds.add("first-dose-of-course")
            if previous is None or previous.cycle != a.cycle:
                kinds.add("first-dose-of-cycle")
                if a.cycle in inserted:
                    kinds.add("restart")
            elif a.route == "CIV" and (a.date - previous.date).days > 1:
                kinds.add("restart")
            elif a.route == "CIV" and (a.date - previous.date).days == 1 and a.dose.value > previous.dose.value:
                kinds.add("step-dose")
            events.append(DoseEvent(drug, a.cycle, a.day, a.date, frozenset(kinds)))
            previous = a
    return events


class _Plan:
    """What planning the supportive lines collects: the lines, the flags per drug, the local values."""

    def __init__(
        self,
        book: FlagBook,
        body: BodySize,
        institution: Institution | None,
        counted: dict[int, int],
        keys: dict[int, str],
    ) -> None:
        self.book = book
        self.body = body
        self.institution = institution
        self.counted = counted
        self.keys = keys
        self.lines: list[SupportiveLine] = []
        self.dose_flags: dict[str, list[str]] = defaultdict(list)
        self.route_labels: dict[str, str] = {}
        self.local: dict[tuple[str, str], LocalValue] = {}

    def use_local(self, what: str, value: str, source: str) -> str:
        """Record an institutional value used; returns its 'local protocol: …' source text."""
        self.local.setdefault((what, value), LocalValue(what=what, value=value, source=source))
        return source


def plan_supportive(
    regimen: Regimen,
    administrations: list[Administration],
    cycles: list[Cycle],
    body: BodySize,
    book: FlagBook,
    institution: Institution | None,
) -> tuple[list[Administration], tuple[SupportiveLine, ...], InstitutionSummary | None]:
    """The administrations (with route labels added to their flags), the supportive lines in date
    order (course-wide, undated lines last) and what the institutional profile supplied."""
    state = _Plan(book, body, institution, label_cycles(cycles), cycle_keys(cycles))
    events = dose_events(administrations, cycles)
    drugs = list(dict.fromkeys(a.drug for a in administrations))
    for drug in drugs:
        drug_file = _drug_file(drug)
        doses = [a for a in administrations if a.drug == drug]
        if drug_file is not None:
            for line in drug_file.events:
                _event_line(state, drug_file, line, [e for e in events if e.drug == drug])
            for admission in drug_file.admissions:
                _admission(state, drug_file, admission, doses)
        _administration(state, drug, drug_file, doses)
        _daily_total(state, regimen, drug)
    for it in regimen.intrathecal:
        _intrathecal(state, regimen, it, cycles)
    _policies(state)
    flagged = [_labelled(a, state) for a in administrations]
    order = sorted(state.lines, key=lambda s: (s.date is None, s.date or dt.date.max))
    summary = (
        None
        if institution is None
        else InstitutionSummary(name=institution.name, source=institution.source, values=tuple(state.local.values()))
    )
    return flagged, tuple(order), summary


def _labelled(a: Administration, state: _Plan) -> Administration:
    """The administration with its drug's route-label flags, and the label itself, added."""
    flags = state.dose_flags.get(a.drug)
    if not flags:
        return a
    label = state.route_labels.get(a.drug)
    return replace(a, flags=tuple(dict.fromkeys((*a.flags, *flags))), route_label=label)


def _cite(drug_file: DrugFile, key: str) -> str:
    return drug_file.sources[key].citation


def _applies(state: _Plan, condition: Threshold | None, what: str, source: str) -> tuple[bool, list[str]]:
    """Whether an age-conditioned line applies; without the age it is kept, with a flag asking for it."""
    if condition is None:
        return True, []
    if state.body.age_years is None:
        text = f"{what}: only for patients aged {condition}; age not given, so it is listed (give --age)"
        return True, [state.book.add("age-not-given", text, source)]
    return condition.holds(state.body.age_years), []


def _event_line(state: _Plan, drug_file: DrugFile, line: EventLine, events: list[DoseEvent]) -> None:
    by_date: dict[dt.date, list[DoseEvent]] = defaultdict(list)
    for event in events:
        counted = state.counted.get(event.cycle, event.cycle)
        if set(line.before) & event.kinds and (line.cycles is None or counted in line.cycles):
            by_date[event.date].append(event)
    source = _cite(drug_file, line.source)
    name = f"{drug_file.drug} {line.kind} ({line.id})"
    applies, flags = _applies(state, line.age, name, source) if by_date else (False, [])
    if not applies:
        return
    agent, route, dose, dose_text, trace, local = line.agent, line.route, None, "", (), None
    if line.dose is not None:
        result = compute_dose(line.dose, state.body, line.source, line.dose.cap_source or line.source)
        dose, dose_text, trace = result.dose, result.dose.text(), result.trace
    elif line.kind == "premedication":
        choice = state.institution.premedication.get(line.id) if state.institution else None
        if choice is not None:
            spec, band = choice.dose_for(state.body.age_years, state.body.weight_kg)
            result = compute_dose(spec, state.body, "local protocol", "local protocol")
            agent, route, dose, dose_text, trace = (
                choice.agent,
                choice.route,
                result.dose,
                result.dose.text(),
                result.trace,
            )
            local = state.use_local(
                f"premedication {line.id}", f"{choice.agent} {dose_text} {choice.route}", choice.source
            )
            if band is None and spec.basis == "flat" and _child_sized(state.body):
                flags.append(
                    state.book.add(
                        "local-dose-check", _check_flat(name, choice.agent, dose_text, state.body), choice.source
                    )
                )
        else:
            dose_text = f"agent and dose {LOCAL}" if line.agent is None else f"dose {LOCAL}"
            text = f"{name}: the label leaves the {'agent and ' if line.agent is None else ''}dose to the hospital; {dose_text} (set 'premedication: {line.id}' in the institutional profile)"
            flags.append(state.book.add("local-protocol", text, source))
    for date, found in sorted(by_date.items()):
        first = found[0]
        kinds = [EVENT_WORDS[k] for k in line.before if any(k in e.kinds for e in found)]
        state.lines.append(
            SupportiveLine(
                id=f"{drug_file.drug.replace(' ', '-')}/{state.keys.get(first.cycle, f'c{first.cycle}')}/d{first.day}/{line.id}",
                kind=line.kind,
                for_drug=drug_file.drug,
                cycle=first.cycle,
                day=first.day,
                date=date,
                agent=agent,
                route=route,
                dose=dose,
                dose_text=dose_text,
                text=f"{line.text} (before {' and '.join(kinds)} of {drug_file.drug})",
                trace=trace,
                flags=tuple(flags),
                source=source,
                local=local,
            )
        )


#: A flat institutional premedication dose is checked for patients under these (docs/institution.md): the
#: adult/child reading of the label lines (18 years) and blinatumomab's weight split (45 kg, reference §2.1).
CHILD_AGE_YEARS = 18.0
CHILD_WEIGHT_KG = 45.0


def _child_sized(body: BodySize) -> bool:
    """Under 18 years or under 45 kg: a flat dose written for adults may not fit."""
    return body.weight_kg < CHILD_WEIGHT_KG or (body.age_years is not None and body.age_years < CHILD_AGE_YEARS)


def _check_flat(name: str, agent: str, dose_text: str, body: BodySize) -> str:
    age = "age not given" if body.age_years is None else format_age(body.age_years)
    return (
        f"{name}: the institutional profile's flat {agent} {dose_text} is given to a patient of {age} and "
        f"{format_number(body.weight_kg, 4)} kg, under {format_number(CHILD_AGE_YEARS)} years or "
        f"{format_number(CHILD_WEIGHT_KG)} kg, and no band of the profile covers this patient: check the dose for "
        "this patient (add 'bands' by age or weight to the profile's premedication choice)"
    )


def _admission(state: _Plan, drug_file: DrugFile, admission: Admission, doses: list[Administration]) -> None:
    """The window from the drug's first delivered dose in its `cycle`-th cycle of the course (a cycle
    inserted after a long interruption counts as the cycle it continues, see `label_cycles`)."""
    delivered = sorted((a for a in doses if a.status in DELIVERED), key=lambda a: a.date)
    counted = {a.id: state.counted.get(a.cycle, a.cycle) for a in delivered}
    cycles = list(dict.fromkeys(counted[a.id] for a in delivered))
    if len(cycles) < admission.cycle:
        return
    first = next(a for a in delivered if counted[a.id] == cycles[admission.cycle - 1])
    state.lines.append(
        SupportiveLine(
            id=f"{drug_file.drug.replace(' ', '-')}/{state.keys.get(first.cycle, f'c{first.cycle}')}/d{first.day}/{admission.id}",
            kind="admission",
            for_drug=drug_file.drug,
            cycle=first.cycle,
            day=first.day,
            date=first.date,
            end_date=first.date + dt.timedelta(days=admission.days - 1),
            text=f"{admission.text} ({first.date.isoformat()} to "
            f"{(first.date + dt.timedelta(days=admission.days - 1)).isoformat()}, {admission.days} days)",
            source=_cite(drug_file, admission.source),
        )
    )


def _administration(state: _Plan, drug: str, drug_file: DrugFile | None, doses: list[Administration]) -> None:
    """The drug's administration notes, its route label on every dose, and the local duration/splitting."""
    local = state.institution.administration.get(drug) if state.institution else None
    notes = drug_file.administration if drug_file is not None else []
    for note in notes:
        assert drug_file is not None
        _note(state, drug_file, note, local.duration if local else None)
    if local is not None:
        value = "; ".join(p for p in (f"duration {local.duration}" if local.duration else "", local.daily or "") if p)
        used = state.use_local(f"administration of {drug}", value, local.source)
        state.lines.append(_course_line(drug, "local-administration", value, local.source, local=used))
    infused = any(a.route in ("IV", "CIV") for a in doses)
    if infused and not any(n.kind == "infusion" for n in notes) and (local is None or local.duration is None):
        text = f"infusion duration and rate not given by a verified source: {LOCAL}"
        state.lines.append(
            _course_line(drug, "infusion", text, "no verified source (set 'administration' in the profile)")
        )


def _daily_total(state: _Plan, regimen: Regimen, drug: str) -> None:
    """A daily dose (written per day, or taken by mouth on several days) is a daily total: whether it is
    given once or divided no bundled source states, so the line asks the local protocol unless it says."""
    local = state.institution.administration.get(drug) if state.institution else None
    if local is not None and local.daily is not None:
        return
    for line in regimen.all_lines():
        amounts = [line.dose.amount] if line.dose else [b.dose.amount for b in line.bands or []]
        per_day = any(a.per_time == "day" for a in amounts) or (line.route == "PO" and len(line.days) > 1)
        if line.drug == drug and line.route != "CIV" and per_day:
            text = f"the dose shown is the daily total; once daily or divided is not stated by the source: {LOCAL}"
            source = f"{regimen.sources[line.source].citation} (a daily dose only)"
            state.lines.append(_course_line(drug, "daily-dosing", text, source))
            return


def _note(state: _Plan, drug_file: DrugFile, note: AdministrationNote, local_duration: str | None) -> None:
    source = _cite(drug_file, note.source)
    for condition, measured in ((note.weight, state.body.weight_kg), (note.age, state.body.age_years)):
        if condition is not None and (measured is None or not condition.holds(measured)):
            return
    flags: list[str] = []
    if note.kind == "warning":
        local = f" (the institutional profile's duration is {local_duration})" if local_duration else ""
        flags.append(state.book.add("administration-warning", f"{drug_file.drug}: {note.text}{local}", source))
    if note.on_every_dose:
        flag = state.book.add("route-label", f"{drug_file.drug}: {note.text}", source)
        state.dose_flags[drug_file.drug].append(flag)
        if note.kind == "route-label":
            state.route_labels[drug_file.drug] = note.text
        flags.append(flag)
    text = note.text
    if note.kind == "bag":  # the bag's duration is the hospital's: the profile's, or asked for
        duration = (
            f"bag duration {local_duration} (local protocol)"
            if local_duration
            else f"bag duration {LOCAL} (set 'administration: {drug_file.drug}: duration' in the institutional profile)"
        )
        text = f"{duration}; {note.text}"
    state.lines.append(_course_line(drug_file.drug, note.id, text, source, flags=tuple(flags)))


def _course_line(
    drug: str, key: str, text: str, source: str, *, local: str | None = None, flags: tuple[str, ...] = ()
) -> SupportiveLine:
    """An undated administration line of one drug, for the whole course."""
    return SupportiveLine(
        id=f"{drug.replace(' ', '-')}/{key}",
        kind="administration",
        for_drug=drug,
        text=f"{drug}: {text}",
        flags=flags,
        source=source,
        local=local,
    )


def _intrathecal(state: _Plan, regimen: Regimen, it: Intrathecal, cycles: list[Cycle]) -> None:
    """One line per agent (or one for 'agents per local protocol'), on the stated days or undated."""
    source = regimen.sources[it.source].citation
    regimen_flags = [state.book.add(f.kind, f"{it.name}: {f.text}", f.source) for f in it.flags]
    count = f"; {it.count} injections" if it.count else ""
    dates: list[tuple[int | None, int | None, dt.date | None]] = [(None, None, None)]
    if it.days is not None:
        dates = [
            (c.number, d, c.start_date + dt.timedelta(days=d - 1))
            for c in cycles
            if c.phase == it.phase
            for d in it.days
        ]
    chosen = state.institution.intrathecal_agents.get(f"{regimen.id}/{it.id}") if state.institution else None
    agents: list[str | None] = list(it.agents) or [None]
    if not it.agents and chosen is not None:
        agents = list(chosen.agents)
        state.use_local(f"intrathecal agents for {regimen.id}/{it.id}", ", ".join(chosen.agents), chosen.source)
    for agent in agents:
        dose, dose_text, local, flags = _intrathecal_dose(state, it, agent, source)
        for cycle, day, date in dates:
            where = f"c{cycle}/d{day}/" if cycle is not None else ""
            state.lines.append(
                SupportiveLine(
                    id=f"intrathecal/{where}{it.id}/{(agent or 'agents').replace(' ', '-')}",
                    kind="intrathecal",
                    cycle=cycle,
                    day=day,
                    date=date,
                    agent=agent,
                    route="IT",
                    dose=dose,
                    dose_text=dose_text,
                    text=f"{it.name}: {it.when}{count}",
                    flags=tuple(dict.fromkeys([*regimen_flags, *flags])),
                    source=source,
                    local=local,
                )
            )


def _intrathecal_dose(
    state: _Plan, it: Intrathecal, agent: str | None, source: str
) -> tuple[Amount | None, str, str | None, list[str]]:
    """The institution's dose for the patient's age, as text; else 'per local protocol' and a flag."""
    if agent is None:
        text = f"{it.name}: the source does not name the agents; agents and doses {LOCAL}"
        return None, f"agents and doses {LOCAL}", None, [state.book.add("local-protocol", text, source)]
    local = state.institution.intrathecal.get(agent) if state.institution else None
    age = state.body.age_years
    band = local.dose_for(age) if local is not None and age is not None else None
    if local is not None and band is not None:
        value = f"{band.dose.display()} ({band.age.text})"
        dose = Amount(value=band.dose.value, unit=unit_symbol(band.dose.amount_unit))
        return dose, dose.text(), state.use_local(f"intrathecal {agent}", value, local.source), []
    if local is not None and age is None:
        why = "the institutional doses are by age and the age is not given (give --age)"
    elif local is not None:
        why = f"the institutional profile has no {agent} dose for age {format_number(age or 0)} years"
    elif state.institution is not None:
        why = f"the institutional profile gives no intrathecal {agent} doses (add 'intrathecal: {agent}')"
    else:
        why = "intrathecal doses by age are not verified in the reference and come from the institution only"
    text = f"intrathecal {agent} ({it.name}): dose {LOCAL}: {why}"
    return None, f"dose {LOCAL}", None, [state.book.add("local-protocol", text, source)]


def _policies(state: _Plan) -> None:
    """The institution's rounding and BSA cap, applied by the caller, listed with their sources."""
    if state.institution is None:
        return
    if state.institution.rounding is not None:
        r = state.institution.rounding
        state.use_local("rounding", f"{r.name} (within {r.max_percent:g} %)", r.source)
    if state.institution.bsa_cap is not None:
        cap = state.institution.bsa_cap
        state.use_local("BSA cap", f"{format_number(cap.cap_m2)} m²", cap.source)
    usual = state.institution.usual_limits()
    for key, limit in state.institution.plausibility.items():
        span = f"{format_number(limit.min)}-{format_number(limit.max)} {usual[key][2]}"
        state.use_local(f"usual {key} limits", span, limit.source)
