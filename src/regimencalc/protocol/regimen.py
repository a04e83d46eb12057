"""The regimen file as a validated model: what a protocol says, with where each number came from.

The model is strict (unknown fields and lax coercions are errors) and frozen. Field-level
checks (a unit that cannot be read, a day range that runs backwards) are pydantic validators;
checks that need the whole regimen (a source key that is not declared, a dose unit that does
not fit its basis, a day outside its cycle) live in `checks`, run when a regimen is validated, so
that every problem is reported at once, each with its place in the file. No I/O happens here.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from regimencalc.protocol import plain
from regimencalc.protocol.days import format_days, parse_days
from regimencalc.protocol.labs import LabName
from regimencalc.protocol.limits import MAX_CYCLE_LENGTH_DAYS, MAX_CYCLES, limit_text
from regimencalc.protocol.plain import Basis, Marrow, Response, Route, Threshold
from regimencalc.protocol.units import (
    AREA,
    MASS,
    DoseAmount,
    parse_body_measure,
    parse_dose_amount,
    parse_quantity,
    refuse_negligible_dose,
)

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
BASIS_DIMENSION: dict[str, str | None] = {"bsa": AREA, "weight": MASS, "flat": None}


def _dose_amount(value: object) -> DoseAmount:
    if isinstance(value, DoseAmount):
        return value
    amount = parse_dose_amount(value)  # type: ignore[arg-type]
    if amount.value <= 0:
        raise ValueError(f"dose '{value}' is not more than 0; write the amount the source gives")
    refuse_negligible_dose(amount)
    return amount


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


def _not_a_bool(value: object) -> object:
    if isinstance(value, bool):  # Literal[1] would take True (True == 1)
        raise ValueError(f"{value!r} is not the number 1; write schema_version: 1")
    return value


#: The version of an input file's format: the number 1 (never `true`, which equals 1 in Python).
SchemaVersion = Annotated[Literal[1], BeforeValidator(_not_a_bool)]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
SourceKey = Annotated[str, Field(min_length=1)]


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


class StrictModel(BaseModel):
    """Every input file's models: unknown fields and lax coercions are errors, results are frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Source(StrictModel, plain.Source):
    """A document numbers are taken from; regimen lines cite it by its key."""

    kind: SourceKind
    citation: str
    doi: str | None = None
    trial: str | None = None
    note: str | None = Field(None, description="Provenance note in the project's seeds/ folder")


class Flag(StrictModel, plain.Flag):
    """Something a pharmacist must see on every output: seed vs label, an institutional choice…"""

    kind: FlagKind
    text: str
    source: SourceKey | None = None


class WeightFlag(Flag, plain.WeightFlag):
    """A flag raised only for patients whose weight meets the condition."""

    weight: Weight


class DoseSpec(StrictModel, plain.DoseSpec):
    """A prescribed dose: amount per basis, optional range maximum, optional per-dose cap."""

    basis: Basis
    amount: Amount
    amount_max: Amount | None = Field(None, description="Upper end when the source gives a dose range")
    cap: Amount | None = Field(
        None, description="Per-dose maximum, in the dose's amount unit (e.g. '4 mg', '9 mcg/day')"
    )
    cap_source: SourceKey | None = None


class Band(StrictModel, plain.Band):
    """One band of a banded dose, by weight, age or both (blinatumomab ≥ 45 kg fixed, < 45 kg per m²)."""

    weight: Weight | None = None
    age: Age | None = None
    label: str
    dose: DoseSpec


class Taper(StrictModel, plain.Taper):
    """Steps after the line's own days: `amounts[i]` is given for `step_days` days from `start_day`."""

    start_day: int = Field(ge=0, le=MAX_CYCLE_LENGTH_DAYS)
    step_days: int = Field(ge=1, le=MAX_CYCLE_LENGTH_DAYS)
    amounts: list[Amount] = Field(min_length=1)

    @model_validator(mode="after")
    def _within_a_cycle(self) -> Taper:
        last = self.start_day + len(self.amounts) * self.step_days - 1
        if last > MAX_CYCLE_LENGTH_DAYS:
            raise ValueError(f"the taper runs to day {last}, past {limit_text('MAX_CYCLE_LENGTH_DAYS')}")
        return self


class DrugLine(StrictModel, plain.DrugLine):
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


class BranchOption(StrictModel, plain.BranchOption):
    """One arm of a response branch and the lines it adds."""

    id: Identifier
    name: str
    when: list[Response] = Field(min_length=1)
    lines: list[DrugLine] = []
    note: str | None = None


class Branch(StrictModel, plain.Branch):
    """A choice made on a response assessment (seed 003: no CR/CRi at day 22 → 2 more weeks)."""

    id: Identifier
    name: str
    decided_on_day: int = Field(ge=0, le=MAX_CYCLE_LENGTH_DAYS)
    default: Identifier | None = Field(None, description="Option used when no response is given")
    options: list[BranchOption] = Field(min_length=2)
    source: SourceKey


class Phase(StrictModel, plain.Phase):
    """A run of identical cycles: length, count (fixed or maximum), lines and branches."""

    id: Identifier
    name: str
    cycles: int | None = Field(None, ge=1, le=MAX_CYCLES)
    max_cycles: int | None = Field(None, ge=1, le=MAX_CYCLES)
    length_days: int = Field(ge=1, le=MAX_CYCLE_LENGTH_DAYS)
    lines: list[DrugLine] = []
    branches: list[Branch] = []
    source: SourceKey
    note: str | None = None


class AgeRange(StrictModel, plain.AgeRange):
    """Eligible ages in years, inclusive."""

    min: float | None = Field(None, ge=0)
    max: float | None = Field(None, ge=0)


class Eligibility(StrictModel, plain.Eligibility):
    """Who the regimen was written for."""

    age_years: AgeRange | None = None
    text: str
    source: SourceKey


class Check(StrictModel, plain.Check):
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
        None,
        ge=1,
        le=MAX_CYCLE_LENGTH_DAYS,
        description="Events of the toxicity counted (an entry's 'events' count, else 1 per entry) reach this",
    )
    below_baseline: bool | None = Field(None, description="Lab value below its baseline (observations' limits)")
    at_least_baseline: bool | None = Field(None, description="Lab value back to at least its baseline")
    marrow_in: list[Marrow] | None = Field(
        None, min_length=1, description="The latest recorded marrow assessment is one of these"
    )
    all_of: list[Check] | None = Field(None, min_length=2, description="A group of checks that must all hold")


class Condition(StrictModel, plain.Condition):
    """Checks combined: `any` (at least one holds) or `all` (every one holds)."""

    any: list[Check] | None = Field(None, min_length=1)
    all: list[Check] | None = Field(None, min_length=1)


RuleAction = Literal["hold", "interrupt", "delay", "omit", "reduce", "discontinue", "flag"]
WAITING_ACTIONS = ("hold", "interrupt", "delay")


class RestartStep(StrictModel, plain.RestartStep):
    """After an interruption, give a lower dose for `days` days: the dose planned on cycle `like_cycle` day
    `like_day`, or without them the drug's step dose (its first planned dose of the course)."""

    like_cycle: int | None = Field(None, ge=1, le=MAX_CYCLES)
    like_day: int | None = Field(None, ge=0, le=MAX_CYCLE_LENGTH_DAYS)
    days: int = Field(ge=1, le=MAX_CYCLE_LENGTH_DAYS)


class Rule(StrictModel, plain.Rule):
    """A toxicity- or lab-triggered change, checked before each dose of its drugs or at each cycle start."""

    id: Identifier
    name: str
    drugs: list[str] = Field(min_length=1)
    check: Literal["before-each-dose", "cycle-start", "on-day"] = "before-each-dose"
    on_day: int | None = Field(
        None,
        ge=0,
        le=MAX_CYCLE_LENGTH_DAYS,
        description="For 'on-day': the cycle day checked; the action applies from it on",
    )
    from_cycle: int | None = Field(None, ge=1, le=MAX_CYCLES, description="Only checked from this cycle on")
    applies_if_baseline: Condition | None = Field(
        None, description="Checked against the baseline values of the observations; without a baseline the rule applies"
    )
    when: Condition
    action: RuleAction
    recover_when: Condition | None = Field(
        None, description="For 'hold', 'interrupt' and 'delay': what must hold to go on"
    )
    recover_for_days: int | None = Field(
        None, ge=1, le=MAX_CYCLE_LENGTH_DAYS, description="The recovery must last this many days before going on"
    )
    restart_step: RestartStep | None = Field(None, description="For 'interrupt': restart at a step dose")
    max_interruption_days: int | None = Field(
        None,
        ge=1,
        le=MAX_CYCLE_LENGTH_DAYS,
        description="For 'interrupt': what a longer interruption does is 'on_long_interruption'",
    )
    on_long_interruption: Literal["new-cycle", "discontinue"] = Field(
        "new-cycle",
        description="new-cycle: the cycle's remaining doses are omitted and a new cycle is inserted from the restart",
    )
    max_resolution_days: int | None = Field(
        None, ge=1, description="For 'interrupt': discontinue when the recovery took longer than this to be first seen"
    )
    at_step_dose: bool = Field(
        False, description="Fires only when the drug was at its step dose (its first, lower dose) when it happened"
    )
    reduce_percent: float | None = Field(None, gt=0, lt=100)
    reduce_to_level: str | None = Field(None, description="For 'reduce': a dose level named under 'dose_levels'")
    max_delay_days: int | None = Field(None, ge=1, le=MAX_CYCLE_LENGTH_DAYS)
    on_max_delay: Literal["flag", "discontinue"] = "flag"
    ctcae_version: Literal["4.03", "5.0"] | None = None
    source: SourceKey
    flags: list[Flag] = []


class DoseLevel(StrictModel, plain.DoseLevel):
    """A named dose level of a drug as a percentage of the planned dose ('-1': 75 %)."""

    drug: str
    name: str
    percent: float = Field(gt=0, lt=100)
    source: SourceKey


class Spacing(StrictModel, plain.Spacing):
    """A minimum number of days between two doses of a drug (inotuzumab: at least 6), and how far a dose
    may be given from its planned day and still be that dose (inotuzumab: 2 days)."""

    drug: str
    min_days: int = Field(ge=1, le=MAX_CYCLE_LENGTH_DAYS)
    window_days: int | None = Field(
        None, ge=1, le=MAX_CYCLE_LENGTH_DAYS, description="A dose given this many days off its plan is that dose"
    )
    source: SourceKey


class RuleException(StrictModel, plain.RuleException):
    """A drug file's rule that does not apply in this regimen, and why (with a source)."""

    rule: Identifier
    reason: str
    source: SourceKey


class Intrathecal(StrictModel, plain.Intrathecal):
    """Intrathecal therapy the regimen's source gives with it (CNS prophylaxis or treatment).

    Doses by age are never bundled (reference: not verified); they come from the institutional
    profile, and without one each agent is planned as "dose per local protocol" and flagged. `days`
    (of every cycle of `phase`) only where the source states them; otherwise the line is undated and
    `when` says when it is given.
    """

    id: Identifier
    name: str
    agents: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9 -]*[a-z0-9]$")]] = Field(
        [], description="The agents given, when the source names them (empty: per local protocol)"
    )
    count: str | None = Field(None, description="How many injections the source states, e.g. '8-12'")
    phase: Identifier | None = Field(None, description="With `days`: the phase whose cycles carry the injections")
    days: DaySet | None = None
    when: str = Field(description="When it is given, in the source's words")
    source: SourceKey
    flags: list[Flag] = []

    @model_validator(mode="after")
    def _days_need_a_phase(self) -> Intrathecal:
        if self.days is not None and self.phase is None:
            raise ValueError("intrathecal days need the phase whose cycles they are in: add 'phase'")
        return self


class Regimen(StrictModel, plain.Regimen):
    """A whole regimen file."""

    schema_version: SchemaVersion
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
    rule_exceptions: list[RuleException] = Field(
        [], description="Rules of the drug files (src/regimencalc/drugs/) that do not apply here"
    )
    spacing: list[Spacing] = []
    dose_levels: list[DoseLevel] = []
    intrathecal: list[Intrathecal] = []

    @model_validator(mode="after")
    def _whole_regimen_checks(self) -> Regimen:
        # The checks read this model's classes, so they are imported when a regimen is validated.
        from regimencalc.protocol.checks import RegimenProblems, regimen_problems

        problems = regimen_problems(self)
        if problems:
            raise RegimenProblems(problems)
        return self


def json_schema() -> dict[str, Any]:
    """The JSON Schema of regimen files, for editors and for `regimencalc schema`."""
    schema = Regimen.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
