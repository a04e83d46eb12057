"""The plausibility rules of safety/plausibility.py over whole columns: which patients pass them all.

`passes_all` is True exactly where the one-patient checks (`check_absolute`, `unusual_patient`,
`unusual_bsa`) find nothing, built from the same constants; a patient it does not pass is checked
one by one by those functions, which give the refusal (or the confirmed flag) in their own words.
tests/test_batch.py checks the agreement with random patients at and around every limit.
"""

from __future__ import annotations

import numpy as np

from regimencalc.safety.plausibility import ABSOLUTE, ADULT_MINIMUM, CHILD_LIMITS, SMALL_CHILD_BMI, USUAL, Limits


def passes_all(
    height_cm: np.ndarray, weight_kg: np.ndarray, age_years: np.ndarray, bsa_m2: np.ndarray, usual: Limits = USUAL
) -> np.ndarray:
    """Patients inside every absolute and usual limit, alone and together (age NaN: not given)."""
    ok = _within(height_cm, ABSOLUTE["height"]) & _within(weight_kg, ABSOLUTE["weight"])
    ok &= _within(height_cm, usual["height"]) & _within(weight_kg, usual["weight"]) & _within(bsa_m2, usual["bsa"])
    bmi = weight_kg / (height_cm / 100) ** 2
    younger_than, shorter_than, small_low = SMALL_CHILD_BMI
    has_age = ~np.isnan(age_years)
    small = np.where(has_age, age_years < younger_than, height_cm < shorter_than)
    low, high, _ = usual["bmi"]
    ok &= (bmi >= np.where(small, small_low, low)) & (bmi <= high)
    aged = has_age & _within(age_years, ABSOLUTE["age"]) & _within(age_years, usual["age"])
    fits = np.ones(len(age_years), bool)
    bracketed = np.zeros(len(age_years), bool)
    for child_under, max_height, max_weight in CHILD_LIMITS:
        here = has_age & ~bracketed & (age_years < child_under)
        fits &= ~here | ((height_cm <= max_height) & (weight_kg <= max_weight))
        bracketed |= here
    adult, min_height, min_weight = ADULT_MINIMUM
    grown = has_age & ~bracketed & (age_years >= adult)
    fits &= ~grown | ((height_cm >= min_height) & (weight_kg >= min_weight))
    return ok & np.where(has_age, aged & fits, True)


def _within(values: np.ndarray, limits: tuple[float, float, str]) -> np.ndarray:
    low, high, _ = limits
    return np.isfinite(values) & (values >= low) & (values <= high)
