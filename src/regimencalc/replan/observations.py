"""What happened to the patient: dated observations that drive re-planning.

An observations file (docs/observations.md) is read by the same strict loader as regimen files.
Each entry is dated (an ISO date, or a cycle and day of the planned course) and may carry lab
values with their units, toxicity grades, a response assessment and what was actually given.
Lab values are parsed into exact Decimals here, so a bad unit is refused before anything is planned.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import Field, PlainValidator, WithJsonSchema, field_validator, model_validator

from regimencalc.protocol.labs import CHEMISTRY, COUNTS, LabName, Measured, parse_lab_value
from regimencalc.protocol.limits import EARLIEST_DATE, LATEST_DATE, MAX_CYCLE_LENGTH_DAYS, MAX_CYCLES, limit_text
from regimencalc.protocol.regimen import Marrow, Response, SchemaVersion, StrictModel
from regimencalc.protocol.units import parse_body_measure

_TERM = re.compile(r"[a-z][a-z0-9 -]*[a-z0-9]")


def _date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            date = dt.date.fromisoformat(value) if len(value) == 10 else _bad_date(value)
        except ValueError:
            _bad_date(value)
        if not EARLIEST_DATE <= date <= LATEST_DATE:
            raise ValueError(
                f"{value!r} is outside {limit_text('EARLIEST_DATE')} to {limit_text('LATEST_DATE')}; check the year"
            )
        return date
    _bad_date(value)
    raise AssertionError  # unreachable: _bad_date raises


def _bad_date(value: object) -> dt.date:
    raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-20")


IsoDate = Annotated[
    dt.date,
    PlainValidator(_date),
    WithJsonSchema({"type": "string", "format": "date"}),
]


def _labs(value: object) -> dict[str, Measured]:
    if not isinstance(value, dict):
        raise ValueError("labs are a mapping of lab name to value, e.g. {anc: 0.8 x10^9/L}")
    known = (*COUNTS, "hemoglobin", *CHEMISTRY)
    parsed = {}
    for lab, text in value.items():
        if lab not in known:
            raise ValueError(f"unknown lab '{lab}'; use one of {', '.join(known)}")
        parsed[lab] = text if isinstance(text, Measured) else parse_lab_value(lab, text)
    return parsed


Labs = Annotated[
    dict[LabName, Measured],
    PlainValidator(_labs),
    WithJsonSchema({"type": "object", "additionalProperties": {"type": "string"}}),
]


class Limits(StrictModel):
    """The lab's normal limits and the patient's pre-treatment values, needed for some grades."""

    uln: Labs = {}
    lln: Labs = {}
    baseline: Labs = {}


class Given(StrictModel):
    """A dose actually given when it differs from the plan (amount as given, e.g. '10 mg')."""

    drug: str
    dose: str | None = None


class Observation(StrictModel):
    """One dated entry: labs, toxicity grades, a response, what was (not) given."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")] | None = None
    date: IsoDate | None = None
    cycle: int | None = Field(None, ge=1, le=MAX_CYCLES)
    day: int | None = Field(None, ge=0, le=MAX_CYCLE_LENGTH_DAYS)
    labs: Labs = {}
    toxicities: dict[str, Annotated[int, Field(ge=0, le=5)]] = {}
    events: dict[str, Annotated[int, Field(ge=1)]] = Field(
        {}, description="How many times a toxicity happened on this date, e.g. {seizure: 2}"
    )
    response: Response | None = None
    marrow: Marrow | None = Field(
        None, description="Marrow disease on the latest assessment: stable, improved or progressed"
    )
    mrd: Literal["positive", "negative"] | None = None
    given: list[Given] = []
    not_given: list[str] = []
    started_cycle: int | None = Field(
        None, ge=2, description="This cycle actually started (day 1) on this entry's date"
    )
    weight: str | None = Field(None, description="Weight measured on this date, e.g. '63kg'")
    note: str | None = None

    @field_validator("weight")
    @classmethod
    def _weight(cls, value: str | None) -> str | None:
        if value is not None:
            parse_body_measure(value, "weight")
        return value

    def weight_kg(self) -> float | None:
        """The weight measured on this date, in kg."""
        return None if self.weight is None else parse_body_measure(self.weight, "weight")

    @field_validator("toxicities", "events")
    @classmethod
    def _terms(cls, value: dict[str, int]) -> dict[str, int]:
        for term in value:
            if not _TERM.fullmatch(term):
                raise ValueError(
                    f"toxicity term '{term}' must be lower case words, e.g. 'crs', 'neutropenia', 'seizure'"
                )
        return value

    @model_validator(mode="after")
    def _dated_once(self) -> Observation:
        by_date = self.date is not None
        by_day = self.cycle is not None or self.day is not None
        if by_date == by_day or (by_day and (self.cycle is None or self.day is None)):
            raise ValueError("date the entry once: either 'date: YYYY-MM-DD' or both 'cycle' and 'day'")
        return self


class Observations(StrictModel):
    """An observations file."""

    schema_version: SchemaVersion
    ctcae_version: Literal["4.03", "5.0"] | None = None
    limits: Limits = Limits()
    entries: list[Observation] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Observations:
        ids = [e.id for e in self.entries if e.id]
        twice = [i for n, i in enumerate(ids) if i in ids[:n]]
        if twice:
            raise ValueError(f"entry id '{twice[0]}' is used twice; ids must be unique")
        return self

    @model_validator(mode="after")
    def _limits_above_zero(self) -> Observations:
        from regimencalc.protocol.checks import RegimenProblems

        problems = [
            (("limits", key, lab), f"'{value.text}' must be more than 0: lab values are divided by it")
            for key in ("uln", "lln", "baseline")
            for lab, value in getattr(self.limits, key).items()
            if value.value <= 0
        ]
        if problems:
            raise RegimenProblems(problems)
        return self

    def entry_id(self, index: int) -> str:
        """The id of an entry: its own, or 'entry-N' (1-based) when it has none."""
        return self.entries[index].id or f"entry-{index + 1}"


def load_observations(path: str) -> Observations:
    """Read and validate an observations file; InputFileError lists every located problem."""
    from regimencalc.protocol.loader import load_document

    return load_document(path, Observations)
