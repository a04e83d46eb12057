"""Whole-regimen checks: what no single field can say on its own (docs/regimen-format.md).

Each check is a small generator named for the rule it enforces; it yields `(path, message)` for
every place that breaks the rule, the path pointing at the field to fix. `regimen_problems` runs
them all, so a file's problems are reported together rather than one at a time. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from pydantic import BaseModel

from regimencalc.display import format_number
from regimencalc.protocol.intrathecal import intrathecal_agent_problem, intrathecal_dose_problem, vinca_in
from regimencalc.protocol.labs import CHEMISTRY, parse_lab_value
from regimencalc.protocol.limits import MAX_ADMINISTRATIONS, MAX_COURSE_DAYS, MAX_CYCLES, limit_text
from regimencalc.protocol.plain import RESPONSES, Path
from regimencalc.protocol.regimen import (
    BASIS_DIMENSION,
    BASIS_UNITS,
    WAITING_ACTIONS,
    Band,
    Branch,
    Check,
    Condition,
    DoseSpec,
    DrugLine,
    Phase,
    Regimen,
    Rule,
    Taper,
)
from regimencalc.protocol.units import DoseAmount, parse_unit

if TYPE_CHECKING:
    from regimencalc.protocol.drugs import DrugFile

Problem = tuple[Path, str]
Problems = Iterator[Problem]
#: Fields that name a key of the regimen's `sources`.
SOURCE_FIELDS = ("source", "cap_source")


class RegimenProblems(Exception):
    """Raised (not a ValueError, so pydantic lets it through) when whole-regimen checks fail."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in problems))


def regimen_problems(regimen: Regimen) -> list[Problem]:
    """Every whole-regimen problem, each with the path of the field to fix."""
    drugs = {line.drug for line in regimen.all_lines()}
    return [
        *sources_declared(regimen, set(regimen.sources)),
        *eligibility_ages_ordered(regimen),
        *ids_unique(("phases",), [p.id for p in regimen.phases], "phase id"),
        *(problem for i, phase in enumerate(regimen.phases) for problem in phase_problems(("phases", i), phase)),
        *ids_unique(("rules",), [r.id for r in regimen.rules], "rule id"),
        *dose_levels_of_regimen_drugs(regimen, drugs),
        *(
            problem
            for i, rule in enumerate(regimen.rules)
            for problem in rule_problems(("rules", i), rule, regimen, regimen.rules[:i])
        ),
        *spacing_of_regimen_drugs(regimen, drugs),
        *intrathecal_in_a_phase(regimen),
        *intrathecal_agents_allowed(regimen),
        *course_within_limits(regimen),
    ]


def drug_file_problems(drug_file: DrugFile) -> list[Problem]:
    """Every problem of a drug file: undeclared sources, rules and spacing for another drug, unsound rules."""
    problems = [
        *sources_declared(drug_file, set(drug_file.sources)),
        *ids_unique(("rules",), [r.id for r in drug_file.rules], "rule id"),
    ]
    for i, rule in enumerate(drug_file.rules):
        path: Path = ("rules", i)
        if rule.drugs != [drug_file.drug]:
            problems.append((path + ("drugs",), f"a rule of the {drug_file.drug} file is for [{drug_file.drug}] only"))
        if rule.action == "reduce" or (rule.restart_step is not None and rule.restart_step.like_cycle is not None):
            problems.append((path, "a drug file's rule cannot name dose levels or cycle days: a regimen's rule can"))
        problems += rule_is_sound(path, rule, drug_file.rules[:i])
    problems += [
        (("spacing", i, "drug"), f"spacing in the {drug_file.drug} file is for {drug_file.drug} only")
        for i, spacing in enumerate(drug_file.spacing)
        if spacing.drug != drug_file.drug
    ]
    return problems


def course_within_limits(regimen: Regimen) -> Problems:
    """The whole course, every phase at its full count, stays within MAX_CYCLES and MAX_COURSE_DAYS."""
    counts = [(p, p.cycle_count or 0) for p in regimen.phases]  # a phase without a count is reported apart
    cycles = sum(count for _, count in counts)
    days = sum(count * p.length_days for p, count in counts)
    doses = sum(count * sum(_doses_per_cycle(line) for line in p.all_lines()) for p, count in counts)
    if cycles > MAX_CYCLES:
        yield ("phases",), f"the phases add up to {cycles} cycles, past {limit_text('MAX_CYCLES')}"
    elif days > MAX_COURSE_DAYS:
        yield ("phases",), f"the phases add up to {days} days, past {limit_text('MAX_COURSE_DAYS')}"
    elif doses > MAX_ADMINISTRATIONS:
        yield ("phases",), f"the phases add up to {doses} doses, past {limit_text('MAX_ADMINISTRATIONS')}"


def _doses_per_cycle(line: DrugLine) -> int:
    return len(line.days) + (len(line.taper.amounts) * line.taper.step_days if line.taper else 0)


def sources_declared(node: object, declared: set[str], path: Path = ()) -> Problems:
    """Every `source` and `cap_source` names a key declared under `sources`."""
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            value = getattr(node, name)
            if name in SOURCE_FIELDS and isinstance(value, str) and value not in declared:
                known = ", ".join(sorted(declared))
                yield path + (name,), f"source '{value}' is not declared under 'sources' (declared: {known})"
            elif name != "sources":
                yield from sources_declared(value, declared, path + (name,))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from sources_declared(item, declared, path + (i,))


def intrathecal_in_a_phase(regimen: Regimen) -> Problems:
    """Dated intrathecal therapy names a phase of the regimen, on days inside its cycles."""
    phases = {p.id: p for p in regimen.phases}
    for i, line in enumerate(regimen.intrathecal):
        path = ("intrathecal", i)
        if line.phase is not None and line.phase not in phases:
            yield (
                path + ("phase",),
                f"phase '{line.phase}' is not a phase of this regimen (phases: {', '.join(phases)})",
            )
        elif line.phase is not None and line.days is not None:
            yield from days_in_cycle(path + ("days",), line.days, phases[line.phase].length_days)


def intrathecal_agents_allowed(regimen: Regimen) -> Problems:
    """No intrathecal line names a vinca alkaloid or an agent without an intrathecal limit."""
    for i, line in enumerate(regimen.intrathecal):
        for field in ("name", "when"):
            if vinca_in(getattr(line, field)):
                yield (
                    ("intrathecal", i, field),
                    f"'{getattr(line, field)}' names a vinca alkaloid in intrathecal therapy (fatal if given "
                    "intrathecally); fix the text",
                )
        for j, agent in enumerate(line.agents):
            refused = intrathecal_agent_problem(agent)
            if refused is not None:
                yield (("intrathecal", i, "agents", j), refused)


def eligibility_ages_ordered(regimen: Regimen) -> Problems:
    """An eligible age range runs upwards."""
    age = regimen.eligibility.age_years if regimen.eligibility else None
    if age and age.min is not None and age.max is not None and age.min > age.max:
        yield ("eligibility", "age_years"), f"min {age.min} is above max {age.max}"


def ids_unique(path: Path, ids: list[str], what: str) -> Problems:
    """Ids of phases, branches, options and rules are unique among their siblings."""
    seen = [i for n, i in enumerate(ids) if i in ids[:n]]
    if seen:
        yield path, f"{what} '{seen[0]}' is used twice; ids must be unique"


def phase_problems(path: Path, phase: Phase) -> Problems:
    """A phase: a cycle count, sound lines and branches, no drug given twice on a day."""
    if (phase.cycles is None) == (phase.max_cycles is None):
        yield path, "give exactly one of 'cycles' (a fixed count) or 'max_cycles' (up to a count)"
    for j, line in enumerate(phase.lines):
        yield from line_problems(path + ("lines", j), line, phase.length_days)
    yield from ids_unique(path + ("branches",), [b.id for b in phase.branches], "branch id")
    for j, branch in enumerate(phase.branches):
        yield from branch_problems(path + ("branches", j), branch, phase)
    yield from no_double_dosing(path, phase)


def line_problems(path: Path, line: DrugLine, length_days: int) -> Problems:
    """A drug line: days in the cycle, one dose or bands, units that fit, a taper that follows."""
    yield from days_in_cycle(path + ("days",), line.days, length_days)
    if (line.dose is None) == (line.bands is None):
        yield path, "give exactly one of 'dose' or 'bands'"
    if line.dose is not None:
        yield from dose_problems(path + ("dose",), line.dose, line.route)
    for k, band in enumerate(line.bands or []):
        yield from dose_problems(path + ("bands", k, "dose"), band.dose, line.route)
    if line.bands:
        yield from bands_cover_everyone(path + ("bands",), line.bands)
    if line.taper is not None:
        yield from taper_follows_line(path + ("taper",), line, line.taper, length_days)
    yield from intrathecal_line_allowed(path, line)


def intrathecal_line_allowed(path: Path, line: DrugLine) -> Problems:
    """A drug line given intrathecally (route IT): never a vinca alkaloid, only an agent with a
    MAX_INTRATHECAL_MG limit, at a flat dose per injection no higher than it."""
    if line.route != "IT":
        return
    refused = intrathecal_agent_problem(line.drug)
    if refused is not None:
        yield path + ("drug",), refused
        return
    specs = [(("dose",), line.dose)] if line.dose is not None else []
    specs += [(("bands", k, "dose"), band.dose) for k, band in enumerate(line.bands or [])]
    for where, spec in specs:
        for field in ("amount", "amount_max"):
            amount = getattr(spec, field)
            if amount is None:
                continue
            if amount.per_body is not None or amount.per_time is not None:
                yield (
                    path + (*where, field),
                    f"'{amount}': an intrathecal dose is a flat amount per injection, e.g. '12 mg'",
                )
                continue
            too_much = intrathecal_dose_problem(line.drug, amount)
            if too_much is not None:
                yield path + (*where, field), too_much


def days_in_cycle(path: Path, days: tuple[int, ...], length_days: int) -> Problems:
    """Every day lies within 0..length_days."""
    if days[-1] > length_days:
        yield (
            path,
            f"day {days[-1]} is outside the {length_days}-day cycle (days 0-{length_days}); lengthen 'length_days' or fix the day",
        )


def dose_problems(path: Path, dose: DoseSpec, route: str) -> Problems:
    """A dose: units that fit basis and route, a range that rises, a cap in the computed unit."""
    yield from unit_fits_basis(path + ("amount",), dose.amount, dose.basis, route)
    if dose.amount_max is not None:
        yield from unit_fits_basis(path + ("amount_max",), dose.amount_max, dose.basis, route)
        if _same_shape(dose.amount, dose.amount_max) and dose.amount_max.value <= dose.amount.value:
            yield path + ("amount_max",), f"'{dose.amount_max}' is not above the minimum '{dose.amount}'"
    if dose.cap is not None:
        yield from cap_is_an_amount(path + ("cap",), dose)


def unit_fits_basis(path: Path, amount: DoseAmount, basis: str, route: str) -> Problems:
    """Per m² for 'bsa', per kg for 'weight', neither for 'flat'; per day only where it means daily."""
    if amount.body_dimension != BASIS_DIMENSION[basis]:
        yield (
            path,
            f"unit of '{amount}' does not fit basis '{basis}': a {basis} dose is {BASIS_UNITS[basis]}; fix the unit or the basis",
        )
    if route == "CIV" and amount.per_time is None:
        yield path, f"a continuous infusion (CIV) dose is a daily amount; write e.g. '{amount}/day'"
    if route != "CIV" and amount.per_time is not None and amount.per_time != "day":
        yield path, f"'{amount}': only continuous infusions may be dosed per {amount.per_time}; use '/day' or route CIV"


def cap_is_an_amount(path: Path, dose: DoseSpec) -> Problems:
    """A cap is a plain amount in the computed dose's unit, never per m² or per kg."""
    cap = dose.cap
    assert cap is not None
    expected = dose.amount.delivered_unit
    if cap.per_body is not None or parse_unit(cap.delivered_unit).dimensionality != parse_unit(expected).dimensionality:
        yield (
            path,
            f"cap '{cap}' must be an amount like the computed dose ({_example_unit(dose.amount)}), not per m² or per kg",
        )


def bands_cover_everyone(path: Path, bands: list[Band]) -> Problems:
    """Bands have a condition each and cover every weight (and age) exactly once."""
    for k, band in enumerate(bands):
        if band.weight is None and band.age is None:
            yield path + (k,), "a band needs a 'weight' or an 'age' condition"
            return
    weights = _probes([b.weight.value for b in bands if b.weight], (0.5, 400.0))
    ages = _probes([b.age.value for b in bands if b.age], (0.1, 90.0))
    for weight in weights:
        for age in ages:
            matching = [b.label for b in bands if b.holds(weight, age)]
            if len(matching) != 1:
                what = "no band" if not matching else f"bands {', '.join(matching)}"
                where = f"a weight of {format_number(weight)} kg" + (
                    f" at {format_number(age)} years" if any(b.age for b in bands) else ""
                )
                yield path, f"{where} falls in {what}; bands must cover every patient exactly once"
                return


def taper_follows_line(path: Path, line: DrugLine, taper: Taper, length_days: int) -> Problems:
    """A taper steps down from a single dose, after the line's days, in the dose's unit, within the cycle."""
    if line.dose is None:
        yield path, "a taper needs a single 'dose' (not 'bands') to step down from"
        return
    taper_days = [d for days, _ in taper.steps() for d in days]
    overlap = sorted(set(taper_days) & set(line.days))
    if overlap:
        yield (
            path + ("start_day",),
            f"taper day {overlap[0]} is also one of the line's days; start the taper after day {line.days[-1]}",
        )
    yield from days_in_cycle(path + ("amounts",), tuple(taper_days), length_days)
    for k, amount in enumerate(taper.amounts):
        if not _same_shape(amount, line.dose.amount):
            yield path + ("amounts", k), f"taper amount '{amount}' must have the unit of the dose '{line.dose.amount}'"


def branch_problems(path: Path, branch: Branch, phase: Phase) -> Problems:
    """A branch: decided within the cycle, a real default, every response picking one arm."""
    if branch.decided_on_day > phase.length_days:
        yield (
            path + ("decided_on_day",),
            f"day {branch.decided_on_day} is after the last day of the {phase.length_days}-day cycle",
        )
    ids = [o.id for o in branch.options]
    yield from ids_unique(path + ("options",), ids, "option id")
    if branch.default is not None and branch.default not in ids:
        yield path + ("default",), f"default '{branch.default}' is not one of the options ({', '.join(ids)})"
    yield from every_response_answered_once(path + ("options",), branch)
    for k, option in enumerate(branch.options):
        for m, line in enumerate(option.lines):
            line_path = path + ("options", k, "lines", m)
            yield from line_problems(line_path, line, phase.length_days)
            if line.days[0] < branch.decided_on_day:
                yield (
                    line_path + ("days",),
                    f"day {line.days[0]} comes before the decision on day {branch.decided_on_day}",
                )


def every_response_answered_once(path: Path, branch: Branch) -> Problems:
    """Each response (CR, CRi, PR, NR) picks exactly one option."""
    answered = [r for o in branch.options for r in o.when]
    twice = sorted({r for r in answered if answered.count(r) > 1})
    if twice:
        yield path, f"response {twice[0]} is claimed by two options; each response picks one option"
    missing = [r for r in RESPONSES if r not in answered]
    if missing:
        yield (
            path,
            f"no option for response {', '.join(missing)}; every response ({', '.join(RESPONSES)}) needs an option",
        )


def no_double_dosing(path: Path, phase: Phase) -> Problems:
    """No drug is given twice on one day, in any combination of branch arms."""
    combinations: list[list[tuple[DrugLine, Path]]] = [
        [(line, path + ("lines", j)) for j, line in enumerate(phase.lines)]
    ]
    for j, branch in enumerate(phase.branches):
        combinations = [
            combo + [(line, path + ("branches", j, "options", k, "lines", m)) for m, line in enumerate(option.lines)]
            for combo in combinations
            for k, option in enumerate(branch.options)
        ]
    reported: set[Path] = set()
    for combo in combinations:
        given: dict[tuple[str, int], Path] = {}
        for line, line_path in combo:
            for day in _line_days(line):
                key = (line.drug, day)
                if key in given and line_path not in reported:
                    reported.add(line_path)
                    yield (
                        line_path + ("days",),
                        f"{line.drug} is already given on day {day} (by {'.'.join(map(str, given[key]))}); one line per drug and day",
                    )
                given.setdefault(key, line_path)


def dose_levels_of_regimen_drugs(regimen: Regimen, drugs: set[str]) -> Problems:
    """A dose level names a drug the regimen gives."""
    for i, level in enumerate(regimen.dose_levels):
        if level.drug not in drugs:
            yield ("dose_levels", i, "drug"), f"'{level.drug}' is not a drug of this regimen"


def spacing_of_regimen_drugs(regimen: Regimen, drugs: set[str]) -> Problems:
    """A spacing rule names a drug the regimen gives."""
    for i, spacing in enumerate(regimen.spacing):
        if spacing.drug not in drugs:
            yield ("spacing", i, "drug"), f"'{spacing.drug}' is not a drug of this regimen ({', '.join(sorted(drugs))})"


def rule_problems(path: Path, rule: Rule, regimen: Regimen, earlier: list[Rule]) -> Problems:
    """A rule: its drugs, fields that fit its action and check, sound conditions, and it can fire."""
    drugs = {line.drug for line in regimen.all_lines()}
    for k, drug in enumerate(rule.drugs):
        if drug not in drugs:
            yield path + ("drugs", k), f"'{drug}' is not a drug of this regimen ({', '.join(sorted(drugs))})"
    levels = {(level.drug, level.name) for level in regimen.dose_levels}
    if rule.reduce_to_level is not None:
        for drug in rule.drugs:
            if (drug, rule.reduce_to_level) not in levels:
                yield (
                    path + ("reduce_to_level",),
                    f"no dose level '{rule.reduce_to_level}' of {drug} under 'dose_levels'",
                )
    yield from rule_is_sound(path, rule, earlier)


def rule_is_sound(path: Path, rule: Rule, earlier: list[Rule]) -> Problems:
    """A rule's fields fit its action and check, its conditions are sound, and it can fire."""
    yield from rule_fields_fit_action(path, rule)
    for name in ("applies_if_baseline", "when", "recover_when"):
        condition = getattr(rule, name)
        if condition is not None:
            yield from condition_problems(path + (name,), condition)
    yield from rule_can_fire(path, rule, earlier)


def rule_fields_fit_action(path: Path, rule: Rule) -> Problems:
    """Each action takes its own fields and no others; each kind of check allows its own actions."""
    waits = rule.action in WAITING_ACTIONS
    if waits and rule.recover_when is None:
        yield path, f"a '{rule.action}' rule needs 'recover_when': the condition under which treatment goes on"
    if not waits and (
        rule.recover_when is not None or rule.max_delay_days is not None or rule.recover_for_days is not None
    ):
        yield path, "'recover_when', 'recover_for_days' and 'max_delay_days' only apply to hold, interrupt and delay"
    if rule.action != "interrupt" and (
        rule.restart_step is not None or rule.max_interruption_days is not None or rule.max_resolution_days is not None
    ):
        yield path, "'restart_step', 'max_interruption_days' and 'max_resolution_days' only apply to action 'interrupt'"
    if rule.restart_step is not None and (rule.restart_step.like_cycle is None) != (rule.restart_step.like_day is None):
        yield path + ("restart_step",), "give both 'like_cycle' and 'like_day', or neither (the drug's step dose)"
    if rule.at_step_dose and rule.check == "cycle-start":
        yield path + ("at_step_dose",), "'at_step_dose' looks at a dose: it does not fit check 'cycle-start'"
    if (rule.action == "reduce") != ((rule.reduce_percent is None) != (rule.reduce_to_level is None)):
        yield path, "action 'reduce' needs one of 'reduce_percent' or 'reduce_to_level', and only it takes them"
    if (rule.check == "on-day") != (rule.on_day is not None):
        yield path, "'on_day' goes with check 'on-day', and check 'on-day' needs it"
    allowed = (
        ("delay", "discontinue")
        if rule.check == "cycle-start"
        else ("hold", "interrupt", "omit", "reduce", "discontinue", "flag")
    )
    if rule.action not in allowed:
        yield path + ("action",), f"a {rule.check} rule can {' or '.join(allowed)}, not {rule.action}"


def rule_can_fire(path: Path, rule: Rule, earlier: Iterable[Rule]) -> Problems:
    """A rule whose every trigger an earlier rule on the same drugs already catches can never fire."""
    triggers = _grade_triggers(rule.when)
    for other in earlier:
        conditional = other.applies_if_baseline is not None or other.at_step_dose or other.from_cycle
        conditional = conditional or other.action == "flag"  # a flag rule never decides: later rules still run
        if other.check != rule.check or not set(rule.drugs) <= set(other.drugs) or conditional:
            continue
        caught = _grade_triggers(other.when)
        if triggers and all(any(t == term and at <= g for t, at in caught) for term, g in triggers):
            yield (
                path,
                f"can never fire: rule '{other.id}' comes first and fires at a lower grade; put the more severe rule first",
            )
            return


def condition_problems(path: Path, condition: Condition) -> Problems:
    """A condition combines its checks one way ('any' or 'all'), each check sound."""
    if (condition.any is None) == (condition.all is None):
        yield path, "give exactly one of 'any' or 'all'"
        return
    key = "any" if condition.any is not None else "all"
    for k, check in enumerate(condition.checks()):
        yield from check_compares_once(path + (key, k), check)


def check_compares_once(path: Path, check: Check) -> Problems:
    """A check looks at one lab, toxicity or response, with exactly one comparison that fits it."""
    alone = [name for name in ("response_not_in", "marrow_in", "all_of") if getattr(check, name) is not None]
    if alone:
        if len(alone) > 1 or check.lab is not None or check.toxicity is not None or check.comparisons():
            yield (
                path,
                f"a {alone[0]} check stands alone, e.g. {{response_not_in: [CR, CRi]}} or {{marrow_in: [stable]}}",
            )
        for k, member in enumerate(check.all_of or []):
            yield from check_compares_once(path + ("all_of", k), member)
        return
    if (check.lab is None) == (check.toxicity is None):
        yield path, "a check looks at exactly one 'lab', one 'toxicity' or 'response_not_in'"
        return
    comparisons = check.comparisons()
    if len(comparisons) != 1:
        yield (
            path,
            "give exactly one comparison: grade_at_least, grade_at_most, below, at_least, above_uln or at_most_uln",
        )
        return
    (comparison,) = comparisons
    if check.toxicity is not None and not comparison.startswith(("grade", "events")):
        yield path + (comparison,), "a toxicity is checked by grade (grade_at_least, grade_at_most) or events_at_least"
    if check.lab is not None and comparison == "events_at_least":
        yield path + (comparison,), "events_at_least counts toxicity events, not lab values"
    if comparison.endswith("baseline") and getattr(check, comparison) is not True:
        yield path + (comparison,), f"write '{comparison}: true' (the lab is compared to its own baseline)"
    if comparison in ("below", "at_least") and check.lab is not None:
        if check.lab in CHEMISTRY:
            yield path + (comparison,), f"{check.lab} is compared to the ULN: use above_uln or at_most_uln"
        else:
            try:
                parse_lab_value(check.lab, getattr(check, comparison))
            except ValueError as exc:
                yield path + (comparison,), str(exc)
    if comparison.endswith("uln") and check.lab not in CHEMISTRY:
        yield path + (comparison,), f"{check.lab} has no ULN comparison; use below or at_least"


def _probes(edges: list[float], extremes: tuple[float, float]) -> list[float]:
    """Values either side of and on every band edge, and the extremes: where coverage can fail."""
    return sorted({e + d for e in edges for d in (-0.001, 0.0, 0.001)} | set(extremes))


def _grade_triggers(condition: Condition) -> list[tuple[str, int]]:
    """(lab or toxicity, grade) of a condition that fires on any single 'grade_at_least' check."""
    if condition.any is None:
        return []
    triggers = [(c.toxicity or c.lab or "", c.grade_at_least) for c in condition.any if c.grade_at_least is not None]
    return triggers if len(triggers) == len(condition.any) else []


def _line_days(line: DrugLine) -> list[int]:
    taper_days = [d for days, _ in line.taper.steps() for d in days] if line.taper else []
    return list(line.days) + taper_days


def _same_shape(a: DoseAmount, b: DoseAmount) -> bool:
    return (a.amount_unit, a.per_body, a.per_time) == (b.amount_unit, b.per_body, b.per_time)


def _example_unit(amount: DoseAmount) -> str:
    return "'4 mg'" if amount.per_time is None else f"'9 {amount.amount_unit}/{amount.per_time}'"
