"""The regimen file as a validated model: what a protocol says, with where each number came from.

The model is strict (unknown fields and lax coercions are errors) and frozen. Field-level
checks (a unit that cannot be read, a day range that runs backwards) are pydantic validators;
checks that need the whole regimen (a source key that is not declared, a dose unit that does
not fit its basis, a day outside its cycle) are collected by `regimen_problems` so that every
problem is reported at once, each with its place in the file. No I/O happens here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from regimencalc.days import format_days, parse_days
from regimencalc.display import format_number
from regimencalc.labs import CHEMISTRY, LabName, parse_lab_value
from regimencalc.units import AREA, MASS, DoseAmount, parse_body_measure, parse_dose_amount, parse_quantity, parse_unit

Route = Literal["IV", "CIV", "PO", "SC", "IM", "IT"]
Basis = Literal["bsa", "weight", "flat"]
Response = Literal["CR", "CRi", "PR", "NR"]
RESPONSES: tuple[str, ...] = get_args(Response)
FlagKind = Literal[
    "seed-vs-label",
    "institutional-default",
    "interpretation",
    "drug-identity",
    "reconstructed",
    "off-label",
]
SourceKind = Literal["seed", "label", "reference"]

BASIS_UNITS: dict[str, str] = {
    "bsa": "per m² (e.g. 'mg/m2')",
    "weight": "per kg (e.g. 'mg/kg')",
    "flat": "flat (e.g. 'mg')",
}
_BASIS_DIMENSION: dict[str, str | None] = {"bsa": AREA, "weight": MASS, "flat": None}

Path = tuple[str | int, ...]


class RegimenProblems(Exception):
    """Raised (not a ValueError, so pydantic lets it through) when whole-regimen checks fail."""

    def __init__(self, problems: list[tuple[Path, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in problems))


def _dose_amount(value: object) -> DoseAmount:
    if isinstance(value, DoseAmount):
        return value
    return parse_dose_amount(value)  # type: ignore[arg-type]


def _day_set(value: object) -> tuple[int, ...]:
    if isinstance(value, tuple):
        return value
    return parse_days(value)


Amount = Annotated[
    DoseAmount,
    PlainValidator(_dose_amount),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "description": "A number and a unit: amount (mg, g, mcg/µg/ug, cells) optionally per m² or per kg and per day",
            "examples": ["3 mg/m2", "15 mcg/m2/day", "300 mcg", "0.2 x10^6 cells/kg"],
        }
    ),
]
DaySet = Annotated[
    tuple[int, ...],
    PlainValidator(_day_set),
    PlainSerializer(format_days, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": r"^\s*\d+(\s*[-–]\s*\d+)?(\s*,\s*\d+(\s*[-–]\s*\d+)?)*\s*$"},
                {"type": "array", "items": {"type": "integer", "minimum": 0}},
            ],
            "description": "Days of the cycle: '1', '0-5' (day 0 is the day before day 1), '1,8,15,22', '1-3, 15-17'",
        }
    ),
]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
SourceKey = Annotated[str, Field(min_length=1)]


@dataclass(frozen=True)
class Threshold:
    """A band edge as a label writes it: '< 45 kg', '>= 45 kg', '<= 50 kg', '< 1 year', '< 12 months'."""

    operator: str
    value: float
    unit: str
    text: str

    def holds(self, measured: float) -> bool:
        """Whether a value falls in the band; edges exactly as written (45 kg is '>= 45 kg')."""
        return {
            "<": measured < self.value,
            "<=": measured <= self.value,
            ">": measured > self.value,
            ">=": measured >= self.value,
        }[self.operator]

    def __str__(self) -> str:
        symbol = {"<=": "≤", ">=": "≥"}.get(self.operator, self.operator)
        return f"{symbol} {format_number(self.value)} {self.unit}"


_CONDITION = re.compile(r"^\s*(<=|>=|<|>|≤|≥)\s*(.+)$")


def _condition(value: object, what: str, example: str) -> tuple[str, str]:
    match = _CONDITION.match(value) if isinstance(value, str) else None
    if not isinstance(value, str) or not match:
        raise ValueError(f"{value!r} is not {what} condition; write e.g. {example}")
    return {"≤": "<=", "≥": ">="}.get(match.group(1), match.group(1)), match.group(2)


def _weight_condition(value: object) -> Threshold:
    if isinstance(value, Threshold):
        return value
    operator, amount = _condition(value, "a weight", "'< 45 kg' or '>= 45 kg'")
    return Threshold(operator, parse_body_measure(amount, "weight"), "kg", str(value))


def _age_condition(value: object) -> Threshold:
    if isinstance(value, Threshold):
        return value
    operator, amount = _condition(value, "an age", "'< 1 year' or '>= 12 months'")
    try:
        years = float(parse_quantity(amount).to("year").magnitude)
    except Exception:  # pint: not a duration, or not a quantity at all
        raise ValueError(f"{value!r}: '{amount}' is not an age; write e.g. '< 1 year' or '>= 12 months'") from None
    return Threshold(operator, years, "years", str(value))


def _threshold_schema(examples: list[str]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": r"^\s*(<=|>=|<|>|≤|≥)\s*\d", "examples": examples})


_AS_WRITTEN = PlainSerializer(lambda c: c.text, return_type=str)
Weight = Annotated[
    Threshold, PlainValidator(_weight_condition), _AS_WRITTEN, _threshold_schema(["< 45 kg", ">= 45 kg"])
]
Age = Annotated[Threshold, PlainValidator(_age_condition), _AS_WRITTEN, _threshold_schema(["< 1 year", ">= 12 months"])]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Source(_Strict):
    """A document numbers are taken from; regimen lines cite it by its key."""

    kind: SourceKind
    citation: str
    doi: str | None = None
    trial: str | None = None
    note: str | None = Field(None, description="Provenance note in the project's seeds/ folder")


class Flag(_Strict):
    """Something a pharmacist must see on every output: seed vs label, an institutional choice…"""

    kind: FlagKind
    text: str
    source: SourceKey | None = None


class WeightFlag(Flag):
    """A flag raised only for patients whose weight meets the condition."""

    weight: Weight


class DoseSpec(_Strict):
    """A prescribed dose: amount per basis, optional range maximum, optional per-dose cap."""

    basis: Basis
    amount: Amount
    amount_max: Amount | None = Field(None, description="Upper end when the source gives a dose range")
    cap: Amount | None = Field(
        None, description="Per-dose maximum, in the dose's amount unit (e.g. '4 mg', '9 mcg/day')"
    )
    cap_source: SourceKey | None = None


class Band(_Strict):
    """One band of a banded dose, by weight, age or both (blinatumomab ≥ 45 kg fixed, < 45 kg per m²)."""

    weight: Weight | None = None
    age: Age | None = None
    label: str
    dose: DoseSpec

    def holds(self, weight_kg: float, age_years: float | None) -> bool:
        """Whether a patient falls in the band; an age band needs the age (the caller refuses without it)."""
        weight_ok = self.weight is None or self.weight.holds(weight_kg)
        age_ok = self.age is None or (age_years is not None and self.age.holds(age_years))
        return weight_ok and age_ok


class Taper(_Strict):
    """Steps after the line's own days: `amounts[i]` is given for `step_days` days from `start_day`."""

    start_day: int = Field(ge=0)
    step_days: int = Field(ge=1)
    amounts: list[Amount] = Field(min_length=1)

    def steps(self) -> list[tuple[tuple[int, ...], DoseAmount]]:
        """(days, amount) for each taper step."""
        return [
            (tuple(range(self.start_day + i * self.step_days, self.start_day + (i + 1) * self.step_days)), amount)
            for i, amount in enumerate(self.amounts)
        ]


class DrugLine(_Strict):
    """One drug of a cycle: what, how, which days, how much, and where the numbers came from."""

    drug: Annotated[str, Field(pattern=r"^[a-z][a-z0-9 -]*[a-z0-9]$", description="Generic name, lower case")]
    route: Route
    days: DaySet
    dose: DoseSpec | None = None
    bands: list[Band] | None = Field(None, min_length=2)
    taper: Taper | None = None
    source: SourceKey
    note: str | None = None
    flags: list[Flag] = []
    weight_flags: list[WeightFlag] = []


class BranchOption(_Strict):
    """One arm of a response branch and the lines it adds."""

    id: Identifier
    name: str
    when: list[Response] = Field(min_length=1)
    lines: list[DrugLine] = []
    note: str | None = None


class Branch(_Strict):
    """A choice made on a response assessment (seed 003: no CR/CRi at day 22 → 2 more weeks)."""

    id: Identifier
    name: str
    decided_on_day: int = Field(ge=0)
    default: Identifier | None = Field(None, description="Option used when no response is given")
    options: list[BranchOption] = Field(min_length=2)
    source: SourceKey


class Phase(_Strict):
    """A run of identical cycles: length, count (fixed or maximum), lines and branches."""

    id: Identifier
    name: str
    cycles: int | None = Field(None, ge=1)
    max_cycles: int | None = Field(None, ge=1)
    length_days: int = Field(ge=1)
    lines: list[DrugLine] = []
    branches: list[Branch] = []
    source: SourceKey
    note: str | None = None

    def all_lines(self) -> list[DrugLine]:
        """Every line of the phase, the lines of every branch arm included."""
        return [*self.lines, *(line for b in self.branches for o in b.options for line in o.lines)]

    @property
    def cycle_count(self) -> int:
        """How many cycles the phase plans (its fixed count or its maximum)."""
        return self.cycles if self.cycles is not None else self.max_cycles  # type: ignore[return-value]


class AgeRange(_Strict):
    """Eligible ages in years, inclusive."""

    min: float | None = Field(None, ge=0)
    max: float | None = Field(None, ge=0)


class Eligibility(_Strict):
    """Who the regimen was written for."""

    age_years: AgeRange | None = None
    text: str
    source: SourceKey


class Check(_Strict):
    """One thing a rule looks at: a lab (grade, value or multiple of ULN) or a toxicity grade.

    The latest observation on or before the day checked is used.
    """

    lab: LabName | None = None
    toxicity: Annotated[str, Field(pattern=r"^[a-z][a-z0-9 -]*[a-z0-9]$")] | None = None
    response_not_in: list[Response] | None = Field(
        None, min_length=1, description="The latest response is none of these"
    )
    grade_at_least: int | None = Field(None, ge=0, le=5)
    grade_at_most: int | None = Field(None, ge=0, le=5)
    below: str | None = Field(None, description="Lab value threshold, e.g. '1 x10^9/L' (strictly below)")
    at_least: str | None = Field(None, description="Lab value threshold, e.g. '1 x10^9/L' (at or above)")
    above_uln: float | None = Field(None, gt=0, description="Strictly above this multiple of ULN")
    at_most_uln: float | None = Field(None, gt=0, description="At or below this multiple of ULN")
    events_at_least: int | None = Field(
        None, ge=1, description="Toxicity recorded (grade ≥ 1) on at least this many days"
    )

    def comparisons(self) -> list[str]:
        """The comparison fields that are set."""
        fields = ("grade_at_least", "grade_at_most", "below", "at_least", "above_uln", "at_most_uln", "events_at_least")
        return [f for f in fields if getattr(self, f) is not None]


class Condition(_Strict):
    """Checks combined: `any` (at least one holds) or `all` (every one holds)."""

    any: list[Check] | None = Field(None, min_length=1)
    all: list[Check] | None = Field(None, min_length=1)

    def checks(self) -> list[Check]:
        """The checks, whichever way they are combined."""
        return self.any or self.all or []


RuleAction = Literal["hold", "interrupt", "delay", "omit", "reduce", "discontinue"]
WAITING_ACTIONS = ("hold", "interrupt", "delay")


class RestartStep(_Strict):
    """After an interruption, give the dose planned on cycle `like_cycle` day `like_day` for `days` days."""

    like_cycle: int = Field(ge=1)
    like_day: int = Field(ge=0)
    days: int = Field(ge=1)


class Rule(_Strict):
    """A toxicity- or lab-triggered change, checked before each dose of its drugs or at each cycle start."""

    id: Identifier
    name: str
    drugs: list[str] = Field(min_length=1)
    check: Literal["before-each-dose", "cycle-start", "on-day"] = "before-each-dose"
    on_day: int | None = Field(
        None, ge=0, description="For 'on-day': the cycle day checked; the action applies from it on"
    )
    from_cycle: int | None = Field(None, ge=1, description="Only checked from this cycle on")
    applies_if_baseline: Condition | None = Field(
        None, description="Checked against the baseline values of the observations; without a baseline the rule applies"
    )
    when: Condition
    action: RuleAction
    recover_when: Condition | None = Field(
        None, description="For 'hold', 'interrupt' and 'delay': what must hold to go on"
    )
    recover_for_days: int | None = Field(
        None, ge=1, description="The recovery must last this many days before going on"
    )
    restart_step: RestartStep | None = Field(None, description="For 'interrupt': restart at a step dose")
    max_interruption_days: int | None = Field(
        None, ge=1, description="For 'interrupt': what a longer interruption does is 'on_long_interruption'"
    )
    on_long_interruption: Literal["new-cycle", "discontinue"] = Field(
        "new-cycle", description="new-cycle: the cycle's remaining doses are omitted and a new cycle is flagged"
    )
    reduce_percent: float | None = Field(None, gt=0, lt=100)
    reduce_to_level: str | None = Field(None, description="For 'reduce': a dose level named under 'dose_levels'")
    max_delay_days: int | None = Field(None, ge=1)
    on_max_delay: Literal["flag", "discontinue"] = "flag"
    ctcae_version: Literal["4.03", "5.0"] | None = None
    source: SourceKey
    flags: list[Flag] = []


class DoseLevel(_Strict):
    """A named dose level of a drug as a percentage of the planned dose ('-1': 75 %)."""

    drug: str
    name: str
    percent: float = Field(gt=0, lt=100)
    source: SourceKey


class Spacing(_Strict):
    """A minimum number of days between two doses of a drug (inotuzumab: at least 6)."""

    drug: str
    min_days: int = Field(ge=1)
    source: SourceKey


class Regimen(_Strict):
    """A whole regimen file."""

    schema_version: Literal[1]
    id: Identifier
    name: str
    version: str
    indication: str
    eligibility: Eligibility | None = None
    sources: dict[str, Source] = Field(min_length=1)
    flags: list[Flag] = []
    notes: list[str] = []
    ctcae_version: Literal["4.03", "5.0"] | None = Field(None, description="CTCAE version the rules grade by")
    phases: list[Phase] = Field(min_length=1)
    rules: list[Rule] = []
    spacing: list[Spacing] = []
    dose_levels: list[DoseLevel] = []

    @model_validator(mode="after")
    def _whole_regimen_checks(self) -> Regimen:
        problems = regimen_problems(self)
        if problems:
            raise RegimenProblems(problems)
        return self

    def all_lines(self) -> list[DrugLine]:
        """Every line of every phase, branch arms included, in file order."""
        return [line for phase in self.phases for line in phase.all_lines()]

    @property
    def total_cycles(self) -> int:
        """Cycles planned when the user does not limit them."""
        return sum(p.cycle_count for p in self.phases)


def regimen_problems(regimen: Regimen) -> list[tuple[Path, str]]:
    """Every whole-regimen problem, each with the path of the field to fix."""
    checker = _Checker(set(regimen.sources))
    checker.source(("eligibility", "source"), regimen.eligibility.source if regimen.eligibility else None)
    age = regimen.eligibility.age_years if regimen.eligibility else None
    if age and age.min is not None and age.max is not None and age.min > age.max:
        checker.add(("eligibility", "age_years"), f"min {age.min} is above max {age.max}")
    for i, flag in enumerate(regimen.flags):
        checker.source(("flags", i, "source"), flag.source)
    checker.unique("phases", [p.id for p in regimen.phases], "phase id")
    for i, phase in enumerate(regimen.phases):
        checker.phase(("phases", i), phase)
    drugs = {line.drug for line in regimen.all_lines()}
    checker.unique("rules", [r.id for r in regimen.rules], "rule id")
    levels = {(level.drug, level.name) for level in regimen.dose_levels}
    for i, level in enumerate(regimen.dose_levels):
        checker.source(("dose_levels", i, "source"), level.source)
        if level.drug not in drugs:
            checker.add(("dose_levels", i, "drug"), f"'{level.drug}' is not a drug of this regimen")
    for i, rule in enumerate(regimen.rules):
        checker.rule(("rules", i), rule, drugs, levels)
        checker.shadowed(("rules", i), rule, regimen.rules[:i])
    for i, spacing in enumerate(regimen.spacing):
        checker.source(("spacing", i, "source"), spacing.source)
        if spacing.drug not in drugs:
            checker.add(
                ("spacing", i, "drug"), f"'{spacing.drug}' is not a drug of this regimen ({', '.join(sorted(drugs))})"
            )
    return checker.problems


def _probes(edges: list[float], extremes: tuple[float, float]) -> list[float]:
    """Values either side of and on every band edge, and the extremes: where coverage can fail."""
    return sorted({e + d for e in edges for d in (-0.001, 0.0, 0.001)} | set(extremes))


def _grade_triggers(condition: Condition) -> list[tuple[str, int]]:
    """(lab or toxicity, grade) of a condition that fires on any single 'grade_at_least' check."""
    if condition.any is None:
        return []
    triggers = [(c.toxicity or c.lab or "", c.grade_at_least) for c in condition.any if c.grade_at_least is not None]
    return triggers if len(triggers) == len(condition.any) else []


class _Checker:
    def __init__(self, sources: set[str]) -> None:
        self.sources = sources
        self.problems: list[tuple[Path, str]] = []

    def add(self, path: Path, message: str) -> None:
        self.problems.append((path, message))

    def source(self, path: Path, key: str | None) -> None:
        if key is not None and key not in self.sources:
            known = ", ".join(sorted(self.sources))
            self.add(path, f"source '{key}' is not declared under 'sources' (declared: {known})")

    def unique(self, path: str | Path, ids: list[str], what: str) -> None:
        seen = [i for n, i in enumerate(ids) if i in ids[:n]]
        if seen:
            self.add(
                path if isinstance(path, tuple) else (path,), f"{what} '{seen[0]}' is used twice; ids must be unique"
            )

    def phase(self, path: Path, phase: Phase) -> None:
        self.source(path + ("source",), phase.source)
        if (phase.cycles is None) == (phase.max_cycles is None):
            self.add(path, "give exactly one of 'cycles' (a fixed count) or 'max_cycles' (up to a count)")
        for j, line in enumerate(phase.lines):
            self.line(path + ("lines", j), line, phase.length_days)
        self.unique(path + ("branches",), [b.id for b in phase.branches], "branch id")
        for j, branch in enumerate(phase.branches):
            self.branch(path + ("branches", j), branch, phase)
        arms: list[list[tuple[list[DrugLine], Path]]] = [
            [(o.lines, ("branches", j, "options", k)) for k, o in enumerate(b.options)]
            for j, b in enumerate(phase.branches)
        ]
        self.no_double_dosing(path, phase.lines, arms)

    def rule(self, path: Path, rule: Rule, drugs: set[str], levels: set[tuple[str, str]]) -> None:
        self.source(path + ("source",), rule.source)
        for k, flag in enumerate(rule.flags):
            self.source(path + ("flags", k, "source"), flag.source)
        for k, drug in enumerate(rule.drugs):
            if drug not in drugs:
                self.add(path + ("drugs", k), f"'{drug}' is not a drug of this regimen ({', '.join(sorted(drugs))})")
        waits = rule.action in WAITING_ACTIONS
        if waits and rule.recover_when is None:
            self.add(path, f"a '{rule.action}' rule needs 'recover_when': the condition under which treatment goes on")
        if not waits and (
            rule.recover_when is not None or rule.max_delay_days is not None or rule.recover_for_days is not None
        ):
            self.add(
                path, "'recover_when', 'recover_for_days' and 'max_delay_days' only apply to hold, interrupt and delay"
            )
        if rule.action != "interrupt" and (rule.restart_step is not None or rule.max_interruption_days is not None):
            self.add(path, "'restart_step' and 'max_interruption_days' only apply to action 'interrupt'")
        if (rule.action == "reduce") != ((rule.reduce_percent is None) != (rule.reduce_to_level is None)):
            self.add(path, "action 'reduce' needs one of 'reduce_percent' or 'reduce_to_level', and only it takes them")
        if (rule.check == "on-day") != (rule.on_day is not None):
            self.add(path, "'on_day' goes with check 'on-day', and check 'on-day' needs it")
        allowed = (
            ("delay", "discontinue")
            if rule.check == "cycle-start"
            else ("hold", "interrupt", "omit", "reduce", "discontinue")
        )
        if rule.action not in allowed:
            self.add(path + ("action",), f"a {rule.check} rule can {' or '.join(allowed)}, not {rule.action}")
        if rule.reduce_to_level is not None:
            for drug in rule.drugs:
                if (drug, rule.reduce_to_level) not in levels:
                    self.add(
                        path + ("reduce_to_level",),
                        f"no dose level '{rule.reduce_to_level}' of {drug} under 'dose_levels'",
                    )
        for name in ("applies_if_baseline", "when", "recover_when"):
            condition = getattr(rule, name)
            if condition is not None:
                self.condition(path + (name,), condition)

    def shadowed(self, path: Path, rule: Rule, earlier: list[Rule]) -> None:
        """A rule whose every trigger an earlier rule on the same drugs already catches can never fire."""
        triggers = _grade_triggers(rule.when)
        for other in earlier:
            if other.check != rule.check or not set(rule.drugs) <= set(other.drugs) or other.applies_if_baseline:
                continue
            caught = _grade_triggers(other.when)
            if triggers and all(any(t == term and at <= g for t, at in caught) for term, g in triggers):
                self.add(
                    path,
                    f"can never fire: rule '{other.id}' comes first and fires at a lower grade; put the more severe rule first",
                )
                return

    def condition(self, path: Path, condition: Condition) -> None:
        if (condition.any is None) == (condition.all is None):
            self.add(path, "give exactly one of 'any' or 'all'")
            return
        key = "any" if condition.any is not None else "all"
        for k, check in enumerate(condition.checks()):
            self.check(path + (key, k), check)

    def check(self, path: Path, check: Check) -> None:
        if check.response_not_in is not None:
            if check.lab is not None or check.toxicity is not None or check.comparisons():
                self.add(path, "a response check stands alone: {response_not_in: [CR, CRi]}")
            return
        if (check.lab is None) == (check.toxicity is None):
            self.add(path, "a check looks at exactly one 'lab', one 'toxicity' or 'response_not_in'")
            return
        comparisons = check.comparisons()
        if len(comparisons) != 1:
            self.add(
                path,
                "give exactly one comparison: grade_at_least, grade_at_most, below, at_least, above_uln or at_most_uln",
            )
            return
        (comparison,) = comparisons
        if check.toxicity is not None and not comparison.startswith(("grade", "events")):
            self.add(
                path + (comparison,),
                "a toxicity is checked by grade (grade_at_least, grade_at_most) or events_at_least",
            )
        if check.lab is not None and comparison == "events_at_least":
            self.add(path + (comparison,), "events_at_least counts toxicity events, not lab values")
        if comparison in ("below", "at_least") and check.lab is not None:
            if check.lab in CHEMISTRY:
                self.add(path + (comparison,), f"{check.lab} is compared to the ULN: use above_uln or at_most_uln")
            else:
                try:
                    parse_lab_value(check.lab, getattr(check, comparison))
                except ValueError as exc:
                    self.add(path + (comparison,), str(exc))
        if comparison.endswith("uln") and check.lab not in CHEMISTRY:
            self.add(path + (comparison,), f"{check.lab} has no ULN comparison; use below or at_least")

    def branch(self, path: Path, branch: Branch, phase: Phase) -> None:
        self.source(path + ("source",), branch.source)
        if branch.decided_on_day > phase.length_days:
            self.add(
                path + ("decided_on_day",),
                f"day {branch.decided_on_day} is after the last day of the {phase.length_days}-day cycle",
            )
        ids = [o.id for o in branch.options]
        self.unique(path + ("options",), ids, "option id")
        if branch.default is not None and branch.default not in ids:
            self.add(path + ("default",), f"default '{branch.default}' is not one of the options ({', '.join(ids)})")
        answered = [r for o in branch.options for r in o.when]
        twice = sorted({r for r in answered if answered.count(r) > 1})
        if twice:
            self.add(
                path + ("options",), f"response {twice[0]} is claimed by two options; each response picks one option"
            )
        missing = [r for r in RESPONSES if r not in answered]
        if missing:
            self.add(
                path + ("options",),
                f"no option for response {', '.join(missing)}; every response ({', '.join(RESPONSES)}) needs an option",
            )
        for k, option in enumerate(branch.options):
            for m, line in enumerate(option.lines):
                line_path = path + ("options", k, "lines", m)
                self.line(line_path, line, phase.length_days)
                if line.days[0] < branch.decided_on_day:
                    self.add(
                        line_path + ("days",),
                        f"day {line.days[0]} comes before the decision on day {branch.decided_on_day}",
                    )

    def line(self, path: Path, line: DrugLine, length_days: int) -> None:
        self.source(path + ("source",), line.source)
        for k, flag in enumerate(line.flags):
            self.source(path + ("flags", k, "source"), flag.source)
        for k, flag in enumerate(line.weight_flags):
            self.source(path + ("weight_flags", k, "source"), flag.source)
        self.days(path + ("days",), line.days, length_days)
        if (line.dose is None) == (line.bands is None):
            self.add(path, "give exactly one of 'dose' or 'bands'")
        if line.dose is not None:
            self.dose(path + ("dose",), line.dose, line.route)
        for k, band in enumerate(line.bands or []):
            self.dose(path + ("bands", k, "dose"), band.dose, line.route)
        if line.bands:
            self.bands(path + ("bands",), line.bands)
        if line.taper is not None:
            self.taper(path + ("taper",), line, line.taper, length_days)

    def days(self, path: Path, days: tuple[int, ...], length_days: int) -> None:
        if days[-1] > length_days:
            self.add(
                path,
                f"day {days[-1]} is outside the {length_days}-day cycle (days 0-{length_days}); lengthen 'length_days' or fix the day",
            )

    def dose(self, path: Path, dose: DoseSpec, route: str) -> None:
        self.source(path + ("cap_source",), dose.cap_source)
        self.amount_fits(path + ("amount",), dose.amount, dose.basis, route)
        if dose.amount_max is not None:
            self.amount_fits(path + ("amount_max",), dose.amount_max, dose.basis, route)
            if _same_shape(dose.amount, dose.amount_max) and dose.amount_max.value <= dose.amount.value:
                self.add(path + ("amount_max",), f"'{dose.amount_max}' is not above the minimum '{dose.amount}'")
        if dose.cap is not None:
            expected = dose.amount.delivered_unit
            cap = dose.cap
            if (
                cap.per_body is not None
                or parse_unit(cap.delivered_unit).dimensionality != parse_unit(expected).dimensionality
            ):
                self.add(
                    path + ("cap",),
                    f"cap '{cap}' must be an amount like the computed dose ({_example_unit(dose.amount)}), not per m² or per kg",
                )

    def amount_fits(self, path: Path, amount: DoseAmount, basis: str, route: str) -> None:
        if amount.body_dimension != _BASIS_DIMENSION[basis]:
            self.add(
                path,
                f"unit of '{amount}' does not fit basis '{basis}': a {basis} dose is {BASIS_UNITS[basis]}; fix the unit or the basis",
            )
        if route == "CIV" and amount.per_time is None:
            self.add(path, f"a continuous infusion (CIV) dose is a daily amount; write e.g. '{amount}/day'")
        if route != "CIV" and amount.per_time is not None and amount.per_time != "day":
            self.add(
                path,
                f"'{amount}': only continuous infusions may be dosed per {amount.per_time}; use '/day' or route CIV",
            )

    def bands(self, path: Path, bands: list[Band]) -> None:
        for k, band in enumerate(bands):
            if band.weight is None and band.age is None:
                self.add(path + (k,), "a band needs a 'weight' or an 'age' condition")
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
                    self.add(path, f"{where} falls in {what}; bands must cover every patient exactly once")
                    return

    def taper(self, path: Path, line: DrugLine, taper: Taper, length_days: int) -> None:
        if line.dose is None:
            self.add(path, "a taper needs a single 'dose' (not 'bands') to step down from")
            return
        taper_days = [d for days, _ in taper.steps() for d in days]
        overlap = sorted(set(taper_days) & set(line.days))
        if overlap:
            self.add(
                path + ("start_day",),
                f"taper day {overlap[0]} is also one of the line's days; start the taper after day {line.days[-1]}",
            )
        self.days(path + ("amounts",), tuple(taper_days), length_days)
        for k, amount in enumerate(taper.amounts):
            if not _same_shape(amount, line.dose.amount):
                self.add(
                    path + ("amounts", k),
                    f"taper amount '{amount}' must have the unit of the dose '{line.dose.amount}'",
                )

    def no_double_dosing(self, path: Path, base: list[DrugLine], arms: list[list[tuple[list[DrugLine], Path]]]) -> None:
        combinations: list[list[tuple[DrugLine, Path]]] = [[(line, path + ("lines", j)) for j, line in enumerate(base)]]
        for branch_arms in arms:
            combinations = [
                combo + [(line, path + arm_path + ("lines", m)) for m, line in enumerate(lines)]
                for combo in combinations
                for lines, arm_path in branch_arms
            ]
        reported: set[Path] = set()
        for combo in combinations:
            given: dict[tuple[str, int], Path] = {}
            for line, line_path in combo:
                for day in _line_days(line):
                    key = (line.drug, day)
                    if key in given and line_path not in reported:
                        reported.add(line_path)
                        self.add(
                            line_path + ("days",),
                            f"{line.drug} is already given on day {day} (by {'.'.join(map(str, given[key]))}); one line per drug and day",
                        )
                    given.setdefault(key, line_path)


def _line_days(line: DrugLine) -> list[int]:
    taper_days = [d for days, _ in line.taper.steps() for d in days] if line.taper else []
    return list(line.days) + taper_days


def _same_shape(a: DoseAmount, b: DoseAmount) -> bool:
    return (a.amount_unit, a.per_body, a.per_time) == (b.amount_unit, b.per_body, b.per_time)


def _example_unit(amount: DoseAmount) -> str:
    return "'4 mg'" if amount.per_time is None else f"'9 {amount.amount_unit}/{amount.per_time}'"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of regimen files, for editors and for `regimencalc schema`."""
    schema = Regimen.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
