"""The institutional profile (`--institution FILE` or `REGIMENCALC_INSTITUTION`): what a hospital
decides locally, gathered in one strict file, every value with its local source.

It holds the rounding profile (the content of a `--rounding` file, unchanged), intrathecal doses by
age, premedication choices where the label leaves the agent or dose open, infusion durations and
how daily doses are split, the BSA cap policy and the usual plausibility limits. None of it is a
clinical fact the project asserts: the sheet prints each value used as "local protocol: …" with
the source given here. A U fact of the reference is never a default; it can only come from here.
See docs/institution.md and docs/examples/institution.yaml.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from regimencalc.display import format_number
from regimencalc.protocol.regimen import Age, Amount, DoseSpec, Route, SchemaVersion, StrictModel, Weight
from regimencalc.protocol.units import parse_quantity
from regimencalc.safety.plausibility import USUAL, Limits
from regimencalc.safety.rounding import RoundingProfile

LocalSource = Annotated[str, Field(min_length=1, description="The local document this value is taken from")]
DrugKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9 -]*[a-z0-9]$")]


class IntrathecalDose(StrictModel):
    """The intrathecal dose of one agent for one age band, flat (e.g. {age: '>= 9 years', dose: 12 mg})."""

    age: Age
    dose: Amount

    @field_validator("dose")
    @classmethod
    def _flat(cls, value: Amount) -> Amount:
        if value.per_body is not None or value.per_time is not None:
            raise ValueError(f"'{value.display()}' must be a flat amount per injection, such as '12 mg'")
        return value


class IntrathecalAgent(StrictModel):
    """One intrathecal agent's doses by age; the bands must not overlap."""

    doses: list[IntrathecalDose] = Field(min_length=1)
    source: LocalSource

    def dose_for(self, age_years: float) -> IntrathecalDose | None:
        """The band the age falls in, or None."""
        return next((d for d in self.doses if d.age.holds(age_years)), None)

    @model_validator(mode="after")
    def _no_overlap(self) -> IntrathecalAgent:
        edges = sorted({d.age.value for d in self.doses} | {0.0, 200.0})
        probes = [*edges, *((a + b) / 2 for a, b in zip(edges, edges[1:], strict=False))]
        for age in probes:
            matching = [d.age.text for d in self.doses if d.age.holds(age)]
            if len(matching) > 1:
                raise ValueError(f"age bands {' and '.join(matching)} overlap at {format_number(age)} years")
        return self


class IntrathecalAgents(StrictModel):
    """The agents the hospital gives for a regimen's intrathecal line whose source does not name them."""

    agents: list[DrugKey] = Field(min_length=1)
    source: LocalSource


class PremedicationBand(StrictModel):
    """A premedication dose for the patients a band covers (age and/or weight, as a label writes them)."""

    age: Age | None = None
    weight: Weight | None = None
    dose: DoseSpec

    @model_validator(mode="after")
    def _bounded(self) -> PremedicationBand:
        if self.age is None and self.weight is None:
            raise ValueError("a band needs 'age', 'weight' or both (the default dose is 'dose' of the choice)")
        return self

    def covers(self, age_years: float | None, weight_kg: float) -> bool:
        """Whether the patient is in the band; an age band does not cover a patient whose age is not given."""
        if self.age is not None and (age_years is None or not self.age.holds(age_years)):
            return False
        return self.weight is None or self.weight.holds(weight_kg)


class PremedicationChoice(StrictModel):
    """The agent and dose a hospital gives where the label leaves the choice (inotuzumab's corticosteroid):
    `dose` for every patient, unless one of `bands` (checked in order) covers the patient."""

    agent: DrugKey
    route: Route
    dose: DoseSpec
    bands: list[PremedicationBand] = Field(
        [], description="Doses by age and/or weight; the first band covering the patient replaces 'dose'"
    )
    source: LocalSource

    def dose_for(self, age_years: float | None, weight_kg: float) -> tuple[DoseSpec, PremedicationBand | None]:
        """The dose for a patient and the band that gave it (None: the choice's own `dose`)."""
        band = next((b for b in self.bands if b.covers(age_years, weight_kg)), None)
        return (band.dose, band) if band is not None else (self.dose, None)


class LocalAdministration(StrictModel):
    """How the hospital gives one drug: infusion (or bag) duration and how a daily dose is split."""

    duration: str | None = Field(None, description="Infusion or bag duration, e.g. '30 min', '24 h', '7 days'")
    daily: str | None = Field(None, description="How a daily dose is given, e.g. 'once daily', 'in 3 divided doses'")
    source: LocalSource

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parse_quantity(value).to("minute")
        except Exception:  # pint: not a quantity, or not a duration
            raise ValueError(f"'{value}' is not a duration; write e.g. '30 min', '24 h' or '7 days'") from None
        return value

    @model_validator(mode="after")
    def _something(self) -> LocalAdministration:
        if self.duration is None and self.daily is None:
            raise ValueError("give 'duration', 'daily' or both")
        return self


class BsaCapPolicy(StrictModel):
    """The hospital's BSA cap (flagged on every output: ASCO advises against routine capping)."""

    cap_m2: float = Field(ge=1.0, le=3.0, description="Between 1 and 3 m², as --bsa-cap")
    source: LocalSource


class Limit(StrictModel):
    """A usual plausibility limit the hospital sets instead of the default (docs/safety.md)."""

    min: float = Field(ge=0)
    max: float = Field(gt=0)
    source: LocalSource

    @model_validator(mode="after")
    def _ordered(self) -> Limit:
        if self.min >= self.max:
            raise ValueError(f"min {format_number(self.min)} must be below max {format_number(self.max)}")
        return self


class AuditTolerance(StrictModel):
    """How far an ordered dose may be from the protocol's before `regimencalc audit` reports it (docs/batch.md)."""

    percent: float = Field(gt=0, le=25, description="± per cent of the expected dose (the default is 5)")
    source: LocalSource


class Institution(StrictModel):
    """An institutional profile: every section optional, every value with its local source."""

    schema_version: SchemaVersion
    name: str = Field(min_length=1)
    source: LocalSource
    rounding: RoundingProfile | None = Field(None, description="The content of a --rounding file, unchanged")
    intrathecal: dict[DrugKey, IntrathecalAgent] = Field({}, description="Intrathecal doses by age, keyed by agent")
    intrathecal_agents: dict[str, IntrathecalAgents] = Field(
        {}, description="Keyed 'regimen-id/intrathecal-line-id': the agents where the source names none"
    )
    premedication: dict[DrugKey, PremedicationChoice] = Field(
        {}, description="Keyed by the id of a drug file's premedication line (e.g. inotuzumab-corticosteroid)"
    )
    administration: dict[DrugKey, LocalAdministration] = {}
    bsa_cap: BsaCapPolicy | None = None
    plausibility: dict[Literal["height", "weight", "age", "bmi", "bsa"], Limit] = Field(
        {}, description="Usual limits (height cm, weight kg, age years, BMI kg/m², BSA m²) replacing the defaults"
    )
    audit_tolerance: AuditTolerance | None = None

    @field_validator("intrathecal_agents")
    @classmethod
    def _line_keys(cls, value: dict[str, IntrathecalAgents]) -> dict[str, IntrathecalAgents]:
        for key in value:
            if not re.fullmatch(r"[a-z0-9-]+/[a-z0-9-]+", key):
                raise ValueError(
                    f"'{key}' is not 'regimen-id/intrathecal-line-id'; write e.g. rdc-blinatumomab/cns-prophylaxis"
                )
        return value

    @model_validator(mode="after")
    def _safe_and_known(self) -> Institution:
        from regimencalc.protocol.checks import RegimenProblems
        from regimencalc.safety.intrathecal import intrathecal_problems
        from regimencalc.safety.profile_keys import unknown_premedication_keys

        problems = [*intrathecal_problems(self), *unknown_premedication_keys(self)]
        if problems:
            raise RegimenProblems(problems)
        return self

    def usual_limits(self) -> Limits:
        """The usual plausibility limits: the defaults, with the profile's in their place."""
        return {**USUAL, **{key: (limit.min, limit.max, USUAL[key][2]) for key, limit in self.plausibility.items()}}


def merge_policies(
    institution: Institution, rounding: RoundingProfile | None, bsa_cap: float | None
) -> tuple[RoundingProfile | None, float | None]:
    """The rounding profile and BSA cap to plan with: the profile's, unless given on the command line
    too, which is refused (one place decides each policy)."""
    from regimencalc.errors import RegimencalcError

    if rounding is not None and institution.rounding is not None:
        raise RegimencalcError(
            f"--rounding and the institutional profile '{institution.name}' both give rounding; remove one"
        )
    if bsa_cap is not None and institution.bsa_cap is not None:
        raise RegimencalcError(
            f"--bsa-cap and the institutional profile '{institution.name}' both give a BSA cap; remove one"
        )
    cap = institution.bsa_cap.cap_m2 if institution.bsa_cap is not None else bsa_cap
    return rounding or institution.rounding, cap


def json_schema() -> dict[str, Any]:
    """The JSON Schema of institutional profiles, for editors and for `regimencalc schema --of institution`."""
    schema = Institution.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def load_institution(path: str) -> Institution:
    """Read and validate an institutional profile; InputFileError lists every located problem."""
    from regimencalc.protocol.loader import load_document

    return load_document(path, Institution)
