"""The patient as the calculator needs them, read from what the user typed, or refused.

Bounds are hard stops: no dose is computed for a value outside them. They are wide on purpose
(a newborn to a very large adult) and are institutional defaults, not clinical facts; see
docs/decisions.md. Combinations (an infant of 170 cm) come with the safety layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from regimencalc.errors import PatientInputError, UnitInputError
from regimencalc.units import parse_body_measure

#: (low, high) hard-stop bounds; institutional defaults (docs/decisions.md).
HEIGHT_CM = (30.0, 250.0)
WEIGHT_KG = (0.5, 350.0)
AGE_YEARS = (0.0, 120.0)
BSA_M2 = (0.1, 3.5)


@dataclass(frozen=True)
class Patient:
    """Height (cm), weight (kg) and optionally age (years) and sex, already checked."""

    height_cm: float
    weight_kg: float
    age_years: float | None = None
    sex: Literal["F", "M"] | None = None


def make_patient(height: str, weight: str, age: str | float | None = None, sex: str | None = None) -> Patient:
    """Read and check the patient values; PatientInputError names the value and the fix."""
    try:
        height_cm = parse_body_measure(height, "height")
        weight_kg = parse_body_measure(weight, "weight")
    except UnitInputError as exc:
        raise PatientInputError(str(exc)) from None
    check_bounds("height", height_cm, HEIGHT_CM, "cm", height)
    check_bounds("weight", weight_kg, WEIGHT_KG, "kg", weight)
    age_years = None if age is None else _age(age)
    if sex is not None and sex not in ("F", "M"):
        raise PatientInputError(f"sex '{sex}' is not F or M")
    return Patient(height_cm, weight_kg, age_years, sex)  # type: ignore[arg-type]


def _age(age: str | float) -> float:
    try:
        years = float(age)
    except ValueError:
        raise PatientInputError(f"age '{age}' is not a number of years (e.g. 45 or 0.75)") from None
    check_bounds("age", years, AGE_YEARS, "years", str(age))
    return years


def check_bounds(what: str, value: float, bounds: tuple[float, float], unit: str, typed: str) -> None:
    """Refuse a value outside its plausible range (NaN and infinities included)."""
    low, high = bounds
    if not math.isfinite(value) or not low <= value <= high:
        raise PatientInputError(
            f"{what} '{typed}' is outside the plausible range {low:g}-{high:g} {unit}; check the value and its unit"
        )
