"""Doses of a compiled line for many patients at once: floats in numpy arrays, exactly the planner's.

The planner rounds a dose to 3 significant figures half up on the decimal the float prints as
(`display.round_significant`). Here the rounding is done with floats, and every value where the
float result could differ from the decimal one (a digit at a tie, a power of ten, a value that
rounding would push past its cap) is rounded again one by one by `round_significant` itself, so
the two paths agree to the last bit (tests/test_batch.py checks it with random patients).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP

import numpy as np

from regimencalc.batch.compiled import Line
from regimencalc.display import SIGNIFICANT_FIGURES, round_significant

#: How close to a rounding tie (in units of the last kept digit) a float result is checked by decimals.
_TIE_MARGIN = 1e-6
_OPERATORS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


def line_doses(line: Line, bsa_m2: np.ndarray, weight_kg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dose, capped) for each patient: value × basis [× per day] → cap → 3 significant figures."""
    measure = bsa_m2 if line.basis == "bsa" else weight_kg if line.basis == "weight" else None
    raw = np.full(len(bsa_m2), line.value) if measure is None else line.value * measure
    if line.per_day is not None:
        raw = raw * line.per_day
    cap = np.inf if line.cap is None else line.cap
    capped = raw > cap
    rounded = round_to_significant(raw, cap)
    return np.where(capped, cap, rounded), capped


def round_to_significant(raw: np.ndarray, cap: float) -> np.ndarray:
    """`raw` rounded half up to 3 significant figures, down where rounding up would pass `cap`."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exponent = np.floor(np.log10(raw))
        shift = (SIGNIFICANT_FIGURES - 1) - exponent
        up = shift >= 0
        power = 10.0 ** np.abs(np.where(np.isfinite(shift), shift, 0))
        scaled = np.where(up, raw * power, raw / power)
        whole = np.floor(scaled + 0.5)
        result = np.where(up, whole / power, whole * power)
        unsure = (
            ~np.isfinite(scaled)
            | (scaled < 10 ** (SIGNIFICANT_FIGURES - 1))
            | (scaled >= 10**SIGNIFICANT_FIGURES)
            | (np.abs(scaled - np.floor(scaled) - 0.5) < _TIE_MARGIN)
            | (np.abs(power) > 1e22)
            | ((result > cap) & (raw <= cap))
        )
    for i in np.flatnonzero(unsure):
        result[i] = exact_round(float(raw[i]), cap)
    return result


def exact_round(raw: float, cap: float) -> float:
    """One dose rounded as the planner rounds it (dosing.dose.compute_dose, one value)."""
    rounded = float(round_significant(raw, SIGNIFICANT_FIGURES, ROUND_HALF_UP))
    if rounded > cap:
        rounded = float(round_significant(raw, SIGNIFICANT_FIGURES, ROUND_FLOOR))
    return rounded


def weight_flag_mask(operator: str, value: float, weight_kg: np.ndarray) -> np.ndarray:
    """Which patients a weight flag ('< 45 kg') holds for, edges as `Threshold.holds` reads them."""
    return _OPERATORS[operator](weight_kg, value)
