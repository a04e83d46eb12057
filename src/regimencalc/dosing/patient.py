"""The patient as the calculator needs them, read from what the user typed, or refused.

Impossible values are refused outright and unusual ones (alone or together) unless confirmed with
--accept-unusual; see plausibility.py and docs/safety.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from regimencalc.errors import PatientInputError, UnitInputError
from regimencalc.protocol.units import parse_body_measure
from regimencalc.safety.plausibility import USUAL, Limits, check_absolute, check_keys, confirm, unusual_patient


@dataclass(frozen=True)
class Patient:
    """Height (cm), weight (kg) and optionally age (years) and sex, already checked.

    `accepted` are the --accept-unusual keys given; `confirmed` the unusual values they confirmed.
    """

    height_cm: float
    weight_kg: float
    age_years: float | None = None
    sex: Literal["F", "M"] | None = None
    accepted: frozenset[str] = frozenset()
    confirmed: tuple[str, ...] = ()


def make_patient(
    height: str,
    weight: str,
    age: str | float | None = None,
    sex: str | None = None,
    accept: frozenset[str] = frozenset(),
    usual: Limits = USUAL,
) -> Patient:
    """Read and check the patient values against the `usual` limits; PatientInputError names the value and the fix."""
    check_keys(accept)
    try:
        height_cm = parse_body_measure(height, "height")
        weight_kg = parse_body_measure(weight, "weight")
    except UnitInputError as exc:
        raise PatientInputError(str(exc)) from None
    check_absolute("height", height_cm, height)
    check_absolute("weight", weight_kg, weight)
    age_years = None if age is None else _age(age)
    if sex is not None and sex not in ("F", "M"):
        raise PatientInputError(f"sex '{sex}' is not F or M")
    confirmed = confirm(unusual_patient(height_cm, weight_kg, age_years, usual), accept)
    return Patient(height_cm, weight_kg, age_years, sex, accept, confirmed)  # type: ignore[arg-type]


def _age(age: str | float) -> float:
    try:
        years = float(age)
    except ValueError:
        raise PatientInputError(f"age '{age}' is not a number of years (e.g. 45 or 0.75)") from None
    check_absolute("age", years, str(age))
    return years
