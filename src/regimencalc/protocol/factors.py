"""pint's answers about units, asked once and kept: a warm start converts without importing pint.

pint converts a quantity of multiplicative units by multiplying its number by one factor that
depends only on the two units (`PlainRegistry._convert`: `value * _get_conversion_factor(src, dst)`,
and the number itself when both are the same unit), so for every unit of `units.txt`
`Quantity(v, src).to(dst).magnitude == v * Quantity(1, src).to(dst).magnitude`, bit for bit
(tests/test_unit_factors.py checks it for random numbers and every pair kept). pint stays the one
authority: each answer is pint's, computed on the first miss and then read back. An answer is a
`Reading` of a unit text against a target unit text: pint's name of the unit (`ft` → `foot`) and
the factor, or None where pint says the two are of different dimensions. An unknown unit is not
an answer: `parse_unit` refuses it, with its words, every time.

Kept in the user's cache as one small JSON file (`units/<key>.json`, the key naming the package
version, `units.txt`'s bytes, the code that asks pint — `units.py` and this module — and the pint
installed), read once per process; a miss adds its answer and rewrites the file atomically (two
processes racing may lose an answer, which costs only a later recomputation). A file that fails the
cache's checks, or holds anything but text readings with finite positive factors, is a miss: never
used, rewritten (docs/cache.md).
"""

from __future__ import annotations

import math
import os
import threading
from functools import cache
from typing import NamedTuple

#: The most answers kept: the bundled regimens and the units people type need a few dozen.
MOST_KEPT = 1000
_FOLDER = "units"
#: The code that asks pint and reads the answers: an edit of either is a new file of answers.
CODE = (os.path.join(os.path.dirname(__file__), "units.py"), __file__)
_LOCK = threading.Lock()


class Reading(NamedTuple):
    """A unit text read by pint against a target unit: its name, and what one of it is in the target
    (None when pint says the dimensions differ)."""

    name: str
    factor: float | None


def factor(source: str, target: str) -> float:
    """`Quantity(1, source).to(target).magnitude`: what one `source` is in `target` (both as pint
    reads them); pint's own error when it cannot convert."""
    kept = reading(source, target).factor
    if kept is None:  # of different dimensions: pint refuses the conversion in its own words
        from regimencalc.protocol.units import parse_unit, registry

        return float(registry().Quantity(1, parse_unit(source)).to(parse_unit(target)).magnitude)
    return kept


def reading(text: str, target: str) -> Reading:
    """pint's name of the unit `text` and what one of it is in `target`, from the kept answers, else
    asked of pint and kept; UnitInputError (from `parse_unit`) when pint does not know either unit."""
    answers = _kept()
    found = answers.get((text, target))
    if found is None:
        found = _ask_pint(text, target)
        with _LOCK:
            if len(answers) < MOST_KEPT:
                answers[(text, target)] = found
                _write(answers)
    return found


def _ask_pint(text: str, target: str) -> Reading:
    from regimencalc.protocol.units import parse_unit, registry

    unit, wanted = parse_unit(text), parse_unit(target)
    if unit.dimensionality != wanted.dimensionality:
        return Reading(str(unit), None)
    return Reading(str(unit), float(registry().Quantity(1, unit).to(wanted).magnitude))


@cache
def _kept() -> dict[tuple[str, str], Reading]:
    """The answers kept in the cache, read once per process; empty when the file is missing or not
    exactly of the shape written (each answer [text, target, name, factor or null])."""
    from regimencalc.protocol.cache import read_entry

    content = read_entry(_FOLDER, _key())
    answers: dict[tuple[str, str], Reading] = {}
    if not isinstance(content, list):
        return answers
    for item in content:
        if not (isinstance(item, list) and len(item) == 4 and all(isinstance(t, str) for t in item[:3])):
            return {}
        value = item[3]
        if value is not None and not (type(value) is float and math.isfinite(value) and value > 0):
            return {}
        answers[(item[0], item[1])] = Reading(item[2], value)
    return answers


def _write(answers: dict[tuple[str, str], Reading]) -> None:
    from regimencalc.protocol.cache import write_entry

    write_entry(_FOLDER, _key(), [[text, target, r.name, r.factor] for (text, target), r in answers.items()])


@cache
def _key() -> str:
    """The file's name: the package version (as every cache entry), the unit definitions pint reads
    (`units.txt`), the code that asks pint (`units.py`, this module) and the pint installed (its
    `__init__.py`), each file by path, size and modification time as Python checks its own bytecode,
    pint's without importing it: new definitions, edited code or another pint are a new file."""
    from importlib.machinery import PathFinder

    from regimencalc.protocol.cache import cache_key
    from regimencalc.protocol.units import DEFINITIONS

    pint = PathFinder.find_spec("pint")
    files = [*CODE, pint.origin] if pint is not None and pint.origin is not None else list(CODE)
    stamps = []
    for path in files:
        status = os.stat(path)
        stamps.append(f"{path}:{status.st_size}:{status.st_mtime_ns}")
    with open(DEFINITIONS, "rb") as handle:
        return cache_key("unit-readings-v1", " ".join(stamps).encode() + b"\0" + handle.read())
