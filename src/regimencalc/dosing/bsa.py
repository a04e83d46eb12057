"""Body-surface-area formulas, each with the paper it comes from.

H is height in cm, W weight in kg; results in m². Inputs are used unrounded and the result is
never rounded here: rounding to 3 decimals is for display only (reference §4, §9).
Reference values (170 cm, 75 kg) from pharmaverse/admiral's tests, reproduced in the
clinical reference: Mosteller 1.882, DuBois 1.864, Haycock 1.895, Gehan-George 1.897, Boyd 1.905.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple


class BsaFormula(NamedTuple):
    """A named BSA formula: its key, its citation, its equation as a person checks it."""

    key: str
    name: str
    citation: str
    equation: str
    compute: Callable[[float, float], float]


def _mosteller(h: float, w: float) -> float:
    """Mosteller 1987.

    >>> round(_mosteller(170, 75), 3)
    1.882
    """
    return math.sqrt(h * w / 3600)


def _power_law(a: float, weight_exponent: float, height_exponent: float) -> Callable[[float, float], float]:
    """a × W^weight_exponent × H^height_exponent: the shape of DuBois, Haycock and Gehan-George."""

    def compute(h: float, w: float) -> float:
        return a * w**weight_exponent * h**height_exponent

    return compute


def _boyd(h: float, w: float) -> float:
    """Boyd's grams form: the kg re-parameterisation with 0.0333 moves the 3rd decimal.

    >>> round(_boyd(170, 75), 3)
    1.905
    """
    grams = w * 1000
    return 0.0003207 * h**0.3 * grams ** (0.7285 - 0.0188 * math.log10(grams))


BSA_FORMULAS: dict[str, BsaFormula] = {
    f.key: f
    for f in (
        BsaFormula(
            "mosteller",
            "Mosteller",
            "Mosteller RD. N Engl J Med 1987;317:1098",
            "√(H × W / 3600)",
            _mosteller,
        ),
        BsaFormula(
            "dubois",
            "DuBois & DuBois",
            "DuBois D, DuBois EF. Arch Intern Med 1916;17:863",
            "0.007184 × W^0.425 × H^0.725",
            _power_law(0.007184, 0.425, 0.725),
        ),
        BsaFormula(
            "haycock",
            "Haycock",
            "Haycock GB et al. J Pediatr 1978;93:62",
            "0.024265 × W^0.5378 × H^0.3964",
            _power_law(0.024265, 0.5378, 0.3964),
        ),
        BsaFormula(
            "gehan-george",
            "Gehan & George",
            "Gehan EA, George SL. Cancer Chemother Rep 1970;54:225",
            "0.0235 × W^0.51456 × H^0.42246",
            _power_law(0.0235, 0.51456, 0.42246),
        ),
        BsaFormula(
            "boyd",
            "Boyd",
            "Boyd E. The growth of the surface area of the human body. Univ. Minnesota Press 1935",
            "0.0003207 × H^0.3 × Wg^(0.7285 − 0.0188 × log10 Wg), Wg = weight in grams",
            _boyd,
        ),
    )
}

DEFAULT_BSA_FORMULA = "mosteller"


def bsa(height_cm: float, weight_kg: float, formula: str = DEFAULT_BSA_FORMULA) -> float:
    """Body-surface area in m², unrounded, by the named formula.

    >>> round(bsa(170, 70), 3)
    1.818
    """
    return BSA_FORMULAS[formula].compute(height_cm, weight_kg)
