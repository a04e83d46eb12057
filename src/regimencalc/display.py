"""How numbers and units are written for people: ISMP-safe and the same everywhere.

Doses never carry a trailing zero ("4 mg", not "4.0 mg", which is misread as 40 mg) and always
carry a leading zero ("0.5 mg"). Micrograms are written "mcg" (ISMP: "µg" is misread as "mg").
Very large counts (cells) are written with a power of ten ("4.68 ×10⁶ cells").
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
#: Characters that reorder or hide text on a screen (bidirectional controls), escaped like control characters.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: Doses are rounded to this many significant figures (dosing/dose.py; docs/dosing.md).
SIGNIFICANT_FIGURES = 3

#: Display symbols for the unit names of the registry (see units.txt).
UNIT_SYMBOLS: dict[str, str] = {
    "gram": "g",
    "milligram": "mg",
    "microgram": "mcg",
    "kilogram": "kg",
    "cell": "cells",
    "meter": "m",
    "centimeter": "cm",
    "meter ** 2": "m²",
    "day": "day",
    "hour": "h",
    "minute": "min",
    "week": "week",
    "pound": "lb",
    "inch": "in",
    "foot": "ft",
}


#: Routes written out for people (sheets), from the regimen files' abbreviations.
ROUTE_NAMES: dict[str, str] = {
    "IV": "intravenous",
    "CIV": "continuous IV infusion",
    "PO": "oral",
    "SC": "subcutaneous",
    "IM": "intramuscular",
    "IT": "intrathecal",
}


def unit_symbol(name: str) -> str:
    """The display symbol of a registry unit name ("microgram" → "mcg")."""
    return UNIT_SYMBOLS.get(name, name)


def round_significant(value: float, digits: int, rounding: str = ROUND_HALF_UP) -> Decimal:
    """`value` rounded to `digits` significant figures with the given decimal rounding mode.

    >>> round_significant(5.4545, 3)
    Decimal('5.45')
    >>> round_significant(1818.12, 3)
    Decimal('1.82E+3')
    """
    exact = Decimal(repr(value))
    if exact == 0:
        return Decimal(0)
    exponent = exact.adjusted() - digits + 1
    return exact.quantize(Decimal(1).scaleb(exponent), rounding=rounding)


def format_number(value: float | Decimal, digits: int | None = None) -> str:
    """A number as a person writes it: no trailing zeros, a leading zero, ×10ⁿ past 100 000.

    `digits` rounds to that many significant figures first (for intermediate values in traces).

    >>> format_number(4.0)
    '4'
    >>> format_number(0.5)
    '0.5'
    >>> format_number(14.5454545, 4)
    '14.55'
    >>> format_number(4680000.0)
    '4.68 ×10⁶'
    """
    number = Decimal(repr(value)) if isinstance(value, float) else value
    if digits is not None and number != 0:
        number = round_significant(float(number), digits)
    if number == 0:
        return "0"
    if abs(number) >= 100_000:
        exponent = number.adjusted()
        mantissa = (number.scaleb(-exponent)).normalize()
        return f"{_plain(mantissa)} ×10{superscript(exponent)}"
    return _plain(number.normalize())


def superscript(exponent: int) -> str:
    """An exponent as superscript digits (6 → '⁶', -3 → '⁻³')."""
    return str(exponent).translate(_SUPERSCRIPT)


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_amount(value: float | Decimal, unit: str, digits: int | None = None) -> str:
    """A number and its display unit ("4 mg", "4.68 ×10⁶ cells")."""
    return f"{format_number(value, digits)} {unit}"


def plural(count: int, noun: str) -> str:
    """A count and its noun, singular for one ("1 day", "2 days", "0 cycles")."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def group_thousands(text: str) -> str:
    """A written number with commas between thousands (ISMP: "5,000 units", never "5000 units").

    >>> group_thousands("6923.5")
    '6,923.5'
    >>> group_thousands("4.68 ×10⁶")
    '4.68 ×10⁶'
    """
    whole, dot, fraction = text.partition(".")
    if not whole.lstrip("-").isdigit() or len(whole.lstrip("-")) < 4:
        return text
    return f"{int(whole):,}{dot}{fraction}"


def format_range(low: float, high: float, digits: int | None = None) -> str:
    """A range written with one power of ten, the larger end's ("0.1 – 2.5 ×10⁸", never
    "1 ×10⁷ – 2.5 ×10⁸"), so both ends read on the same scale as the label writes them.

    >>> format_range(10_000_000.0, 250_000_000.0)
    '0.1 – 2.5 ×10⁸'
    >>> format_range(4.5, 9.0)
    '4.5 – 9'
    """
    if abs(high) < 100_000:
        return f"{format_number(low, digits)} – {format_number(high, digits)}"
    exponent = Decimal(repr(float(high))).adjusted()
    scale = Decimal(10) ** exponent
    low_text = format_number(Decimal(repr(float(low))) / scale, digits)
    return f"{low_text} – {format_number(Decimal(repr(float(high))) / scale, digits)} ×10{superscript(exponent)}"


def format_plain(value: float) -> str:
    """A number for machine-readable files (CSV): exact, no trailing zeros, no grouping or powers of ten.

    >>> format_plain(4.0), format_plain(0.5), format_plain(250000000.0)
    ('4', '0.5', '250000000')
    """
    return _plain(Decimal(repr(value)).normalize())


def format_against(value: float, holds: Callable[[float], bool] | None, digits: int, scale: float = 1.0) -> str:
    """`value × scale` to `digits` significant figures, or to more where the number shown, read back,
    would fall on the other side of a band edge than the value: '50.001 kg is > 50 kg', never
    '50 kg is > 50 kg'. `holds` tells whether a value (unscaled) is in the band."""
    shown = format_number(value * scale, digits)
    while holds is not None and digits < 17 and "×" not in shown and holds(float(shown) / scale) != holds(value):
        digits += 1
        shown = format_number(value * scale, digits)
    return shown


def format_fixed_against(value: float, holds: Callable[[float], bool], decimals: int) -> str:
    """`value` with `decimals` decimals, or more where the number shown, read back, would fall on the
    other side of a limit than the value ('BSA 3.0004 m² is outside 0.15-3', never '3.000')."""
    shown = f"{value:.{decimals}f}"
    while decimals < 12 and holds(float(shown)) != holds(value):
        decimals += 1
        shown = f"{value:.{decimals}f}"
    return shown


def format_age(years: float, holds: Callable[[float], bool] | None = None) -> str:
    """An age as people say it: in months under 2 years ("9 months"), else in years ("40 years");
    with `holds` (a band), with the digits that keep it on its side of the band's edge."""
    if years < 2:
        months = format_against(years, holds, 2, scale=12)
        return f"{months} month" if months == "1" else f"{months} months"
    text = format_against(years, holds, 3)
    return f"{text} year" if text == "1" else f"{text} years"


def terminal_safe(text: str) -> str:
    """Text from an input file made safe to print: control characters (ESC, CR, newline, tab, C1)
    and bidirectional overrides are shown escaped ('\\x1b', '\\u202e'), so a regimen name cannot
    retitle the terminal, rewrite a line or reverse a dose, and a message stays on one line.

    >>> terminal_safe("a\\x1b]0;x\\x07b")
    'a\\\\x1b]0;x\\\\x07b'
    """
    if text.isprintable():
        return text
    return "".join(_escaped(c) for c in text)


def terminal_safe_lines(text: str) -> str:
    """`terminal_safe` for each line of a multi-line text (its line breaks kept)."""
    return "\n".join(terminal_safe(line) for line in text.split("\n"))


def _escaped(c: str) -> str:
    if c.isprintable() and c not in _BIDI:
        return c
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
