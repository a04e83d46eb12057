"""The patient as the calculator needs them, read from what the user typed, or refused.

Impossible values are refused outright and unusual ones (alone or together) unless confirmed with
--accept-unusual; see plausibility.py and docs/safety.md.
"""

from __future__ import annotations

import re
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
    height_cm = parse_measure(height, "height")
    weight_kg = parse_measure(weight, "weight")
    return checked_patient(height_cm, weight_kg, height, weight, age, sex, accept, usual)


def parse_measure(text: str, what: str) -> float:
    """A height (cm) or weight (kg) as typed, or PatientInputError naming it (units.parse_body_measure)."""
    try:
        return parse_body_measure(text, what)
    except UnitInputError as exc:
        raise PatientInputError(str(exc)) from None


def checked_patient(
    height_cm: float,
    weight_kg: float,
    height: str,
    weight: str,
    age: str | float | None = None,
    sex: str | None = None,
    accept: frozenset[str] = frozenset(),
    usual: Limits = USUAL,
) -> Patient:
    """The checks of `make_patient` on a height and weight already read (`height` and `weight` as
    typed, for the messages); a cohort file with the unit in its column name comes in here."""
    check_absolute("height", height_cm, height)
    check_absolute("weight", weight_kg, weight)
    age_years = None if age is None else parse_age(age)
    if sex is not None and sex not in ("F", "M"):
        raise PatientInputError(f"sex '{sex}' is not F or M")
    confirmed = confirm(unusual_patient(height_cm, weight_kg, age_years, usual), accept)
    return Patient(height_cm, weight_kg, age_years, sex, accept, confirmed)  # type: ignore[arg-type]


#: Below these, BSA-based doses can overdose infants: reference §5 (Cancer Council Australia consensus, P).
SMALL_CHILD_KG = 10.0
SMALL_CHILD_M2 = 0.6


def is_small_child(weight_kg: float, bsa_m2: float) -> bool:
    """Below 10 kg or 0.6 m²: doses per m² can overdose (flagged on courses with a dose per m²).
    Written with `|` so that it holds for numbers and, element by element, for numpy columns (batch/)."""
    return (weight_kg < SMALL_CHILD_KG) | (bsa_m2 < SMALL_CHILD_M2)


def outside_age_range(age_years: float, low: float | None, high: float | None) -> bool:
    """An age outside an eligibility range read in completed years, as labels and protocols write
    them: "up to 25 years" includes a patient aged 25.5 (outside from the 26th birthday). Holds for numbers
    and numpy columns alike (a NaN age is inside)."""
    below = age_years < low if low is not None else False
    above = age_years >= high + 1 if high is not None else False
    return below | above


def parse_age(age: str | float) -> float:
    """Age in years from a number of years or a number with a unit: '45', '45 years', '9 months',
    '6 weeks', '10 days' (infants are dosed: their age is often said in months)."""
    match = re.fullmatch(_AGE, str(age).strip())
    if match is None:
        raise PatientInputError(f"age '{age}' is not an age; write e.g. 45, 45 years, 9 months or 6 weeks") from None
    years = float(match["number"]) / _AGE_UNITS[(match["unit"] or "y").lower()[:2]]
    check_absolute("age", years, str(age))
    return years


#: A number and an optional unit of age; years when none is given. Compiled by `re` when an age is
#: first read, not at import: a plain `schedule` line reads none (docs/batch.md, start-up).
_AGE = r"(?i)(?P<number>-?\d+(?:\.\d+)?)\s*(?P<unit>years?|yrs?|y|months?|mo|weeks?|wks?|w|days?|d)?"
#: Units of age per year, by their first two letters (a year is 365.25 days).
_AGE_UNITS = {
    "ye": 1.0,
    "yr": 1.0,
    "y": 1.0,
    "mo": 12.0,
    "we": 365.25 / 7,
    "wk": 365.25 / 7,
    "w": 365.25 / 7,
    "da": 365.25,
    "d": 365.25,
}
