"""Laboratory values read exactly, as clinicians write them.

Counts are held in ×10⁹/L, haemoglobin in g/dL, chemistry in the unit written, all as Decimal:
a grade must never change because 1.5 ×10⁹/L went through a float and became 1499.999/mm³.
pint gives the conversion factor between units; factors between decimal units are decimal by
definition, so the float pint returns is rounded to 12 significant figures to recover it exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from regimencalc.errors import UnitInputError
from regimencalc.protocol.factors import reading
from regimencalc.protocol.units import check_written_number, parse_unit

LabName = Literal["wbc", "anc", "platelets", "hemoglobin", "bilirubin", "ast", "alt", "creatinine"]
COUNTS: tuple[str, ...] = ("wbc", "anc", "platelets")
CHEMISTRY: tuple[str, ...] = ("bilirubin", "ast", "alt", "creatinine")
LAB_NAMES: dict[str, str] = {
    "wbc": "white blood cells",
    "anc": "neutrophils (ANC)",
    "platelets": "platelets",
    "hemoglobin": "haemoglobin",
    "bilirubin": "total bilirubin",
    "ast": "AST",
    "alt": "ALT",
    "creatinine": "creatinine",
}

#: A lab value: compiled by `re` when one is first read, not at import (a plain `schedule` reads none).
_VALUE = (
    r"^\s*(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*"
    r"(?:[x×*]\s*10\s*(?:\^|\*\*)?\s*(?P<exponent>[-+]?[0-9]+|[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))?"
    r"\s*(?P<unit>.*?)\s*$"
)
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_PER_LITRE_EXAMPLES = "'0.8 x10^9/L', '800 /uL', '800/mm3' or '0.8 G/L'"


@dataclass(frozen=True)
class Measured:
    """An exact lab value in a named unit ('1.5' '×10⁹/L')."""

    value: Decimal
    unit: str
    text: str

    def __str__(self) -> str:
        return f"{self.value.normalize():f} {self.unit}"


def _split(text: str) -> tuple[Decimal, str]:
    match = re.match(_VALUE, text) if isinstance(text, str) else None
    if not match:
        raise UnitInputError(f"'{text}' is not a number with a unit")
    exponent = match.group("exponent")
    power = int(exponent.translate(_SUPERSCRIPT_DIGITS)) if exponent else None
    check_written_number(match.group("number"), power, text)
    value = Decimal(match.group("number"))
    if power is not None:
        value = value.scaleb(power)
    return value, match.group("unit")


def exact_factor(source: str, target: str) -> Decimal:
    """The exact decimal factor converting `source` to `target` units; UnitInputError if they differ in kind."""
    factor = reading(source, target).factor  # pint's, kept (factors.py)
    if factor is None:
        raise UnitInputError(f"'{source}' cannot be converted to '{target}'")
    return Decimal(f"{factor:.12g}")


def parse_count(text: str) -> Measured:
    """A blood count in ×10⁹/L: '0.8 x10^9/L', '0.8 ×10⁹/L', '800 /uL', '800/mm3', '0.8 G/L'.

    >>> str(parse_count("1500/mm3"))
    '1.5 ×10⁹/L'
    """
    value, unit = _split(text)
    unit = unit.replace(" ", "")
    if unit in ("G/L", "Giga/L"):
        unit, value = "/L", value.scaleb(9)
    if not unit.startswith("/"):
        raise UnitInputError(f"count '{text}' needs a per-volume unit, e.g. {_PER_LITRE_EXAMPLES}")
    try:
        per_litre = value * exact_factor(f"1{unit}", "1/L")
    except UnitInputError:
        raise UnitInputError(
            f"count '{text}': '{unit}' is not a per-volume unit; write e.g. {_PER_LITRE_EXAMPLES}"
        ) from None
    return Measured(per_litre.scaleb(-9), "×10⁹/L", text)


def parse_hemoglobin(text: str) -> Measured:
    """Haemoglobin in g/dL, from g/dL or g/L.

    >>> str(parse_hemoglobin("95 g/L"))
    '9.5 g/dL'
    """
    value, unit = _split(text)
    unit = unit.replace(" ", "")
    if unit not in ("g/dL", "g/L"):
        raise UnitInputError(f"haemoglobin '{text}' must be in g/dL or g/L, e.g. '9.5 g/dL'")
    return Measured(value * exact_factor(unit, "g/dL"), "g/dL", text)


def parse_chemistry(text: str) -> Measured:
    """A chemistry value in the unit written (mg/dL, umol/L, U/L), checked to be a known unit."""
    value, unit = _split(text)
    if not unit:
        raise UnitInputError(f"'{text}' has no unit; write e.g. '1.2 mg/dL', '21 umol/L' or '45 U/L'")
    try:
        parse_unit(unit)
    except UnitInputError:
        raise UnitInputError(
            f"'{text}': unknown unit '{unit}'; write e.g. '1.2 mg/dL', '21 umol/L' or '45 U/L'"
        ) from None
    return Measured(value, unit, text)


def ratio(value: Measured, reference: Measured) -> Decimal:
    """value ÷ reference (ULN or baseline), exactly, after converting the reference to value's unit."""
    try:
        factor = exact_factor(reference.unit, value.unit)
    except UnitInputError:
        raise UnitInputError(
            f"'{value.text}' and '{reference.text}' are not in comparable units; give both in the same kind of unit"
        ) from None
    return value.value / (reference.value * factor)


def parse_lab_value(lab: str, text: object) -> Measured:
    """A lab value read by its kind: counts in ×10⁹/L, haemoglobin in g/dL, chemistry as written."""
    if not isinstance(text, str):
        raise UnitInputError(f"{lab} {text!r} has no unit; write e.g. '0.8 x10^9/L', '9.5 g/dL' or '45 U/L'")
    if lab in COUNTS:
        return parse_count(text)
    if lab == "hemoglobin":
        return parse_hemoglobin(text)
    return parse_chemistry(text)
