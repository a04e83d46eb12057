"""Is this patient plausible? Hard stops for typing errors, before any dose is computed.

Two tiers. Values outside the **absolute** limits are refused outright (no override): they are
typing errors, not patients. Values outside the **usual** limits, alone or in combination (an
infant of 170 cm, a BMI of 90), are refused unless the user confirms them with
`--accept-unusual KEY`; a confirmed value is printed as a flag on every output.

All limits are institutional defaults chosen to be generous (beyond the extremes of growth
charts), not clinical facts; they are listed in docs/safety.md.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from regimencalc.display import format_age, format_fixed_against
from regimencalc.errors import PatientInputError

#: Absolute limits: outside them a value is a typing error (no override).
ABSOLUTE = {"height": (20.0, 300.0, "cm"), "weight": (0.3, 600.0, "kg"), "age": (0.0, 130.0, "years")}
Limits = dict[str, tuple[float, float, str]]
#: Usual limits: outside them the value needs --accept-unusual KEY (an institutional profile may replace them).
USUAL: Limits = {
    "height": (40.0, 230.0, "cm"),
    "weight": (1.0, 250.0, "kg"),
    "age": (0.0, 110.0, "years"),
    "bmi": (12.0, 50.0, "kg/m²"),
    "bsa": (0.15, 3.0, "m²"),
}
#: Small children (under 2 years, or under 100 cm when the age is not given) are lean: BMI from 10.
#: From 12 to 50 otherwise, so that a pound typed as a kilogram (×2.2: 154 kg at 170 cm, BMI 53) or
#: a kilogram typed as a pound (÷2.2: 70 lb at 170 cm, BMI 11) is caught in most adults.
SMALL_CHILD_BMI = (2.0, 100.0, 10.0)
#: Children: (younger than this many years, at most this height in cm, at most this weight in kg).
CHILD_LIMITS = ((1.0, 95.0, 16.0), (2.0, 110.0, 22.0), (5.0, 135.0, 40.0), (10.0, 170.0, 90.0), (14.0, 200.0, 140.0))
#: Adults (18 years or more): at least this height (cm) and weight (kg).
ADULT_MINIMUM = (18.0, 90.0, 25.0)
KEYS = ("height", "weight", "age", "bmi", "bsa", "height-for-age", "weight-for-age", "cumulative")


class Unusual(NamedTuple):
    """A value outside the usual limits, and the words that say so."""

    key: str
    text: str


def check_absolute(what: str, value: float, typed: str) -> None:
    """Refuse NaN, infinities and values outside the absolute limits: typing errors, no override."""
    low, high, unit = ABSOLUTE[what]
    if not math.isfinite(value) or not low <= value <= high:
        raise PatientInputError(
            f"{what} '{typed}' is impossible (outside {low:g}-{high:g} {unit}); check the value and its unit"
        )


def unusual_patient(
    height_cm: float, weight_kg: float, age_years: float | None, usual: Limits = USUAL
) -> list[Unusual]:
    """Every usual limit the patient's values, alone or together, fall outside (`usual`: the limits used,
    the defaults or an institutional profile's)."""
    found = [
        _outside("height", height_cm, f"height {height_cm:g} cm", usual),
        _outside("weight", weight_kg, f"weight {weight_kg:g} kg", usual),
        _bmi(height_cm, weight_kg, age_years, usual),
    ]
    if age_years is not None:
        found.append(_outside("age", age_years, f"age {age_years:g} years", usual))
        found += _for_age(height_cm, weight_kg, age_years)
    return [u for u in found if u is not None]


def unusual_bsa(bsa_m2: float, formula: str, usual: Limits = USUAL) -> Unusual | None:
    """The BSA, if it falls outside the usual limits."""
    low, high, _ = usual["bsa"]
    shown = format_fixed_against(bsa_m2, lambda v: low <= v <= high, 3)
    return _outside("bsa", bsa_m2, f"BSA {shown} m² ({formula})", usual)


def confirm(unusual: list[Unusual], accepted: frozenset[str]) -> tuple[str, ...]:
    """The texts of the confirmed unusual values; PatientInputError for the first one not confirmed."""
    for item in unusual:
        if item.key not in accepted:
            raise PatientInputError(
                f"{item.text}; check the value and its unit, or confirm it with --accept-unusual {item.key}"
            )
    return tuple(f"{u.text}: confirmed with --accept-unusual {u.key}" for u in unusual)


def check_keys(keys: frozenset[str]) -> None:
    """Refuse an --accept-unusual key that does not exist (a typo must not silently confirm nothing)."""
    unknown = sorted(keys - set(KEYS))
    if unknown:
        raise PatientInputError(f"--accept-unusual {unknown[0]} is not a key; use one of {', '.join(KEYS)}")


def _outside(key: str, value: float, text: str, usual: Limits) -> Unusual | None:
    low, high, unit = usual[key]
    if low <= value <= high:
        return None
    return Unusual(key, f"{text} is outside the usual range {low:g}-{high:g} {unit}")


def _bmi(height_cm: float, weight_kg: float, age_years: float | None, usual: Limits) -> Unusual | None:
    bmi = weight_kg / (height_cm / 100) ** 2
    younger_than, shorter_than, small_low = SMALL_CHILD_BMI
    small = age_years < younger_than if age_years is not None else height_cm < shorter_than
    low, high, unit = usual["bmi"]
    low = small_low if small else low
    if low <= bmi <= high:
        return None
    shown = format_fixed_against(bmi, lambda v: low <= v <= high, 1)
    return Unusual("bmi", f"BMI {shown} kg/m² is outside the usual range {low:g}-{high:g} {unit}")


def _for_age(height_cm: float, weight_kg: float, age: float) -> list[Unusual]:
    found = []
    for younger_than, max_height, max_weight in CHILD_LIMITS:
        if age < younger_than:
            young = format_age(age, lambda a, edge=younger_than: a < edge)
            if height_cm > max_height:
                found.append(
                    Unusual(
                        "height-for-age",
                        f"height {height_cm:g} cm at age {young} is above {max_height:g} cm, the most expected before {format_age(younger_than)}",
                    )
                )
            if weight_kg > max_weight:
                found.append(
                    Unusual(
                        "weight-for-age",
                        f"weight {weight_kg:g} kg at age {young} is above {max_weight:g} kg, the most expected before {format_age(younger_than)}",
                    )
                )
            return found
    adult, min_height, min_weight = ADULT_MINIMUM
    if age >= adult and height_cm < min_height:
        found.append(
            Unusual(
                "height-for-age",
                f"height {height_cm:g} cm at age {format_age(age, lambda a: a >= adult)} is below {min_height:g} cm, the least expected for an adult",
            )
        )
    if age >= adult and weight_kg < min_weight:
        found.append(
            Unusual(
                "weight-for-age",
                f"weight {weight_kg:g} kg at age {format_age(age, lambda a: a >= adult)} is below {min_weight:g} kg, the least expected for an adult",
            )
        )
    return found


def parse_bsa_cap(text: str) -> float:
    """A BSA cap as typed ('2m2', '2.0 m²'), refused unless it is an area between 1 and 3 m²."""
    from regimencalc.errors import UnitInputError
    from regimencalc.protocol.units import import_pint, parse_quantity

    pint = import_pint()

    try:
        value = float(parse_quantity(text).to("m**2").magnitude)
    except (UnitInputError, pint.errors.DimensionalityError):
        raise PatientInputError(f"--bsa-cap '{text}' is not an area; write e.g. 2m2") from None
    if not 1.0 <= value <= 3.0:
        raise PatientInputError(f"--bsa-cap '{text}' should be between 1 and 3 m²")
    return value
