"""The package's one pint registry and the reading of quantities as pharmacists type them.

pint does the unit work (names, prefixes, conversions, dimensions); this module only adds what
pint cannot know: `m2`/`m²` as square metres (and `mm3` as cubic millimetres), `×10^6` scale factors written before a unit,
heights written as `5 ft 7 in`, and the split of a dose unit such as `mcg/m2/day` into the amount,
the body-size basis and the time it is given over. pint treats `mg/kg` as dimensionless, so the
basis is read from the written denominators, never from the combined dimension.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from regimencalc.display import format_number, superscript, unit_symbol
from regimencalc.errors import UnitInputError
from regimencalc.protocol.factors import reading
from regimencalc.protocol.limits import MAX_EXPONENT, MAX_NUMBER_DIGITS, MIN_DOSE_CELLS, MIN_DOSE_MCG, limit_text

if TYPE_CHECKING:
    import pint

#: Digits are ASCII only: a number in another script (Arabic-Indic, full-width) is refused, not read.
_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
#: A dose amount and a unit as pint reads it: compiled by `re` on first use, not at import (a warm
#: `schedule` reads the regimen's amounts from the cache, and pint only on a miss; docs/batch.md).
_SCALED = (
    rf"^\s*(?P<number>{_NUMBER})\s*"
    r"(?:[x×*]\s*10\s*(?:\^|\*\*)?\s*(?P<exponent>[-+]?[0-9]+|[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))?"
    r"\s*(?P<unit>.*?)\s*$"
)
_POWER = r"(?<=[A-Za-z])\s*(?:\^?([23])|([²³]))(?![\d.])"
_PAIR = re.compile(rf"\s*({_NUMBER})\s*([A-Za-z'\"]+)\s*")

#: The unit definitions pint reads, shipped beside this module; pint's kept answers are keyed by its bytes (factors.py).
DEFINITIONS = os.path.join(os.path.dirname(__file__), "units.txt")

MASS = "[mass]"
LENGTH = "[length]"
AREA = "[length] ** 2"
TIME = "[time]"
CELLS = "[cell_count]"


def _normalise_unit_text(text: str) -> str:
    """'m2', 'm^2', 'm²' → 'm**2' and 'mm3', 'mm³' → 'mm**3'; Greek mu → micro sign."""
    return re.sub(
        _POWER, lambda m: "**" + (m.group(1) or {"²": "2", "³": "3"}[m.group(2)]), text.strip().replace("μ", "µ")
    )


class _NumpyHidden:
    """A meta-path finder that hides numpy from the one thread importing pint (`import_pint`).

    It is put on `sys.meta_path` once and never removed (removing a finder while another thread
    walks the list could make that thread skip one); outside that import it finds nothing."""

    def __init__(self) -> None:
        self.thread: int | None = None

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if self.thread == threading.get_ident() and name.partition(".")[0] == "numpy":
            raise ModuleNotFoundError(f"numpy is not used with pint here ({name})", name=name)


_PINT_IMPORT = threading.Lock()
_NUMPY_HIDDEN = _NumpyHidden()


def import_pint() -> ModuleType:
    """pint, imported without numpy unless numpy is already loaded: pint imports numpy whenever it is
    installed (≈ 80-100 ms at start-up) though every quantity here is a plain number. Where numpy is
    already loaded (batch, audit) pint gets it as usual. Only the importing thread is affected:
    another thread may import numpy meanwhile (docs/batch.md, start-up)."""
    if "pint" in sys.modules or "numpy" in sys.modules:
        import pint

        return pint
    with _PINT_IMPORT:
        if _NUMPY_HIDDEN not in sys.meta_path:
            sys.meta_path.insert(0, _NUMPY_HIDDEN)
        _NUMPY_HIDDEN.thread = threading.get_ident()
        try:
            import pint
        finally:
            _NUMPY_HIDDEN.thread = None
    return pint


@cache
def registry() -> pint.UnitRegistry:
    """The package's single unit registry, built on first use from `units.txt`."""
    pint = import_pint()

    with open(DEFINITIONS, encoding="utf-8") as handle:
        definitions = handle.read().splitlines()
    ureg: pint.UnitRegistry = pint.UnitRegistry(None, preprocessors=[_normalise_unit_text])
    ureg.load_definitions(definitions)
    return ureg


@cache
def parse_unit(text: str) -> pint.Unit:
    """A unit as written (`mcg`, `ug`, `m2`, `lb`); UnitInputError names it when unknown."""
    try:
        return registry().parse_units(text)
    except Exception as exc:  # pint's parser fails in many ways (TokenError, SyntaxError…): all are unknown units
        raise UnitInputError(f"unknown unit '{text}'") from exc


def dimension_of(unit: pint.Unit) -> str:
    """The dimension of a unit as pint writes it, e.g. '[mass]' or '[length] ** 2'."""
    return str(unit.dimensionality)


def check_written_number(digits: str, exponent: int | None, text: str) -> None:
    """Refuse a number past MAX_NUMBER_DIGITS digits or a power of ten past MAX_EXPONENT: a
    400-digit number or '×10^-400' is a typo, and would overflow or round to zero."""
    if sum(c.isdigit() for c in digits.lstrip("0.")) > MAX_NUMBER_DIGITS:
        raise UnitInputError(f"'{text[:40]}': the number has more digits than {limit_text('MAX_NUMBER_DIGITS')}")
    if exponent is not None and abs(exponent) > MAX_EXPONENT:
        raise UnitInputError(f"'{text[:40]}': the power of ten is beyond {limit_text('MAX_EXPONENT')}; check it")


def _number(digits: str, text: str) -> float:
    check_written_number(digits, None, text)
    return float(digits)


def _split_scaled(text: str) -> tuple[float, str, str]:
    """(value, unit text, the number as written for display, e.g. '0.2 ×10⁶')."""
    match = re.match(_SCALED, text)
    if not match or not match.group("number"):
        raise UnitInputError(f"'{text}' is not a number followed by a unit (e.g. '3 mg/m2')")
    value = _number(match.group("number"), text)
    written = format_number(value)
    if match.group("exponent"):
        exponent = int(match.group("exponent").translate(_SUPERSCRIPT_DIGITS))
        check_written_number("", exponent, text)
        value *= 10**exponent
        written = f"{written} ×10{superscript(exponent)}"
    return value, match.group("unit"), written


@dataclass(frozen=True)
class DoseAmount:
    """A dose as prescribed: amount per basis unit, per time unit ("5 mcg/m2/day").

    `amount_unit` is mass or cells; `per_body` is an area (BSA basis) or a mass (weight basis)
    or None (flat); `per_time` is a time unit for daily or rate doses, or None.
    """

    value: float
    amount_unit: str
    per_body: str | None
    per_time: str | None
    text: str
    written_number: str

    @property
    def body_dimension(self) -> str | None:
        """'[length] ** 2' for per-m², '[mass]' for per-kg, None for flat doses."""
        return None if self.per_body is None else dimension_of(parse_unit(self.per_body))

    @property
    def delivered_unit(self) -> str:
        """The unit of the dose once multiplied by the basis: amount (per time)."""
        return self.amount_unit if self.per_time is None else f"{self.amount_unit} / {self.per_time}"

    def display(self) -> str:
        """The prescription written the same way everywhere: '3 mg/m²', '15 mcg/m²/day'."""
        parts = [unit_symbol(self.amount_unit)]
        parts += [unit_symbol(p) for p in (self.per_body, self.per_time) if p]
        return f"{self.written_number} {'/'.join(parts)}"

    def __str__(self) -> str:
        return self.text


def parse_dose_amount(text: str) -> DoseAmount:
    """Read a prescribed dose such as '3 mg/m2', '15 µg/m²/day', '0.2 x10^6 cells/kg', '300 mcg'.

    >>> d = parse_dose_amount("15 ug/m2/day")
    >>> (d.value, d.amount_unit, d.per_body, d.per_time)
    (15.0, 'microgram', 'meter ** 2', 'day')
    """
    if not isinstance(text, str):
        raise UnitInputError(f"a dose must be written as text with its unit, e.g. '3 mg/m2', not {text!r}")
    value, unit_text, written = _split_scaled(text)
    if not unit_text:
        raise UnitInputError(f"dose '{text}' has no unit; write e.g. '{written} mg/m2'")
    amount_text, *denominators = [p.strip() for p in unit_text.split("/")]
    try:
        amount = parse_unit(amount_text)
        units = [parse_unit(d) for d in denominators]
    except UnitInputError as exc:
        raise UnitInputError(f"dose '{text}': {exc}; write e.g. '3 mg/m2', '5 mcg/kg' or '28 mcg/day'") from None
    if dimension_of(amount) not in (MASS, CELLS):
        raise UnitInputError(f"dose '{text}': '{amount_text}' is not an amount of drug (mass such as mg, or cells)")
    per_body: str | None = None
    per_time: str | None = None
    for denominator, unit in zip(denominators, units, strict=True):
        dimension = dimension_of(unit)
        if dimension in (AREA, MASS) and per_body is None:
            per_body = str(unit)
        elif dimension == TIME and per_time is None:
            per_time = str(unit)
        else:
            raise UnitInputError(f"dose '{text}': unexpected '/{denominator}'; a dose is amount[/m2 or /kg][/day]")
    dose = DoseAmount(value, str(amount), per_body, per_time, text, written)
    refuse_units_outside_the_format(dose, amount_text, denominators)
    return dose


#: The units a dose may be written in (docs/regimen-format.md): the amount, per m² or per kg, per time.
DOSE_AMOUNT_UNITS = ("milligram", "gram", "microgram", "cell")
DOSE_BODY_UNITS = ("meter ** 2", "kilogram")
DOSE_TIME_UNITS = ("day", "hour")


def refuse_units_outside_the_format(dose: DoseAmount, amount_text: str, denominators: list[str]) -> None:
    """Only mg, g, mcg or cells, per m² or per kg, per day or hour: pint alone would read '12 mg/cm2',
    '12 mg/ft2' (printed 'mg/centimeter ** 2'), '12 lb/m2' or a cap of '30 kg' as doses."""
    if dose.amount_unit not in DOSE_AMOUNT_UNITS:
        raise UnitInputError(
            f"dose '{dose.text}': '{amount_text}' is not a dose amount unit (mg, g, mcg/µg/ug or cells); "
            "write the amount in one of them"
        )
    for written in denominators:
        unit = str(parse_unit(written))
        if unit not in DOSE_BODY_UNITS + DOSE_TIME_UNITS:
            raise UnitInputError(
                f"dose '{dose.text}': '/{written}' is not per m2, per kg, per day or per h; "
                "write e.g. '3 mg/m2', '0.05 mg/kg' or '28 mcg/day'"
            )


def refuse_negligible_dose(dose: DoseAmount) -> None:
    """A prescribed amount below MIN_DOSE_MCG or MIN_DOSE_CELLS ('1 x10^-15 mg/m2') computes to a dose
    that prints as 0: refused as a slip of the number or the unit."""
    if dose.amount_unit == "cell":
        small, limit = dose.value < MIN_DOSE_CELLS, f"{limit_text('MIN_DOSE_CELLS')} cells"
    else:
        mcg = registry().Quantity(dose.value, dose.amount_unit).to("microgram").magnitude
        small, limit = mcg < MIN_DOSE_MCG, f"{limit_text('MIN_DOSE_MCG')} mcg"
    if small:
        raise UnitInputError(
            f"dose '{dose.text}' is below {limit} (per m², per kg or per dose): no dose is that small; "
            "check the number and the unit"
        )


def parse_quantity(text: str) -> pint.Quantity:
    """Read a plain quantity ('4 mg', '9 mcg/day', '45 kg', '2.5 x10^8 cells')."""
    if not isinstance(text, str):
        raise UnitInputError(f"'{text}' must be written as text with its unit, e.g. '4 mg'")
    value, unit_text, _ = _split_scaled(text)
    if not unit_text:
        raise UnitInputError(f"'{text}' has no unit")
    return registry().Quantity(value, parse_unit(unit_text))


_BODY_MEASURES = {"height": ("cm", "in", "170cm, 1.7 m or 5 ft 7 in"), "weight": ("kg", "lb", "70kg or 154 lb")}
#: The only two-part measures people write: feet and inches, stones and pounds (larger unit first,
#: the smaller part less than one of the larger unit). Anything else with two numbers is refused.
_COMPOUNDS = {"height": ("foot", "inch", 12, "in", "5 ft 7 in"), "weight": ("stone", "pound", 14, "lb", "11 st 4 lb")}


def parse_body_measure(text: str, what: str) -> float:
    """A height (in cm) or weight (in kg) as typed: '170cm', '1.7 m', '5 ft 7 in', '154 lb', '11 st 4 lb'.

    A bare number is refused: a pound typed as a kilogram is a classic dosing error. Two numbers
    are read only as feet and inches or stones and pounds; '70kg 70kg' or '170cm 10cm' is refused,
    never summed.

    >>> round(parse_body_measure("5 ft 7 in", "height"), 2)
    170.18
    """
    unit, other, examples = _BODY_MEASURES[what]
    text = text.strip()
    if re.fullmatch(_NUMBER, text):
        raise UnitInputError(f"{what} '{text}' has no unit; write it with one, e.g. '{text}{unit}' or '{text} {other}'")
    pairs = _PAIR.findall(text)
    if not pairs or "".join(f"{n}{u}" for n, u in pairs) != re.sub(r"\s+", "", text):
        raise UnitInputError(f"{what} '{text}' is not a number with a unit; write e.g. {examples}")
    parts = []
    for number, unit_text in pairs:
        symbol = body_unit_name({"'": "ft", '"': "in"}.get(unit_text, unit_text))
        try:
            parsed = reading(symbol, unit)
        except UnitInputError:
            raise UnitInputError(f"{what} '{text}': unknown unit '{unit_text}'; write e.g. {examples}") from None
        if parsed.factor is None:
            raise UnitInputError(f"{what} '{text}': '{unit_text}' is not a unit of {what}; write e.g. {examples}")
        parts.append((_number(number, text), parsed.name, parsed.factor))
    if len(parts) > 1:
        _check_compound(parts, text, what)
    return sum(value * factor for value, _, factor in parts)  # pint's `.to(unit)`: its factor, kept


def _check_compound(parts: list[tuple[float, str, float]], text: str, what: str) -> None:
    """Two parts are feet then inches (inches under 12) or stones then pounds (pounds under 14)."""
    larger, smaller, most, symbol, shown = _COMPOUNDS[what]
    if len(parts) != 2 or (parts[0][1], parts[1][1]) != (larger, smaller):
        raise UnitInputError(
            f"{what} '{text}': write one number with its unit (two numbers only as {shown}); nothing is added up"
        )
    if parts[1][0] >= most:
        raise UnitInputError(f"{what} '{text}': the second part must be under {most} {symbol}; write e.g. {shown}")


def body_unit_name(symbol: str) -> str:
    """A height or weight unit in lower case ("70 KG", "170 CM", "154 LBS"): no unit of length or mass
    a body is measured in differs from another by case alone, so the case a user types is not kept."""
    return symbol.lower()
