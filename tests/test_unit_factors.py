"""pint's answers kept (protocol/factors.py): equal to pint bit for bit, kept, read back, never trusted blindly."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from importlib.machinery import PathFinder
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimencalc.errors import UnitInputError
from regimencalc.protocol import factors, units
from regimencalc.protocol.cache import cache_dir, read_entry
from regimencalc.protocol.factors import Reading, factor, reading
from regimencalc.protocol.units import import_pint, parse_body_measure, parse_unit, registry

#: Every pair the warm path converts: typed heights and weights to cm and kg, doses per m² or kg,
#: per hour to per day, caps to the dose's unit, course doses to mg (planner, dose.py, cumulative.py),
#: and lab values (labs.py, for the drug files' rules and observations).
PAIRS = [
    *((unit, "cm") for unit in ("cm", "m", "mm", "in", "ft", "inch", "inches", "foot", "feet", "metre")),
    *((unit, "kg") for unit in ("kg", "g", "lb", "lbs", "st", "pound", "stone", "kilogram")),
    *(("m**2", unit) for unit in ("meter ** 2", "m2", "cm**2")),
    *(("kg", unit) for unit in ("kilogram", "g", "lb")),
    *(("day", unit) for unit in ("hour", "day", "minute")),
    *((unit, "mg") for unit in ("mg", "mcg", "g", "microgram", "milligram", "gram", "ug", "µg")),
    *((cap, target) for cap in ("milligram", "microgram", "gram") for target in ("milligram", "microgram")),
    ("milligram / day", "milligram / day"),
    ("microgram / day", "milligram / day"),
    ("microgram / hour", "microgram / day"),
    *((count, "1/L") for count in ("1/mm3", "1/uL", "1/µL", "1/mL", "1/L")),  # labs.py: counts, haemoglobin, ratios
    *((unit, "g/dL") for unit in ("g/L", "g/dL")),
    *((unit, "mg/dL") for unit in ("mg/dL", "mg/L", "g/L")),
    *((unit, "U/L") for unit in ("U/L", "IU/L", "U/mL")),
    ("umol/L", "mmol/L"),
]
NUMBERS = st.floats(min_value=1e-12, max_value=1e12, allow_nan=False) | st.integers(1, 10**6).map(float)


@pytest.fixture(autouse=True)
def _fresh_answers(tmp_path, monkeypatch):
    """Each test reads the kept answers from its own cache folder, and leaves none in memory."""
    monkeypatch.setenv("REGIMENCALC_CACHE_DIR", str(tmp_path / "cache"))
    factors._kept.cache_clear()
    yield
    factors._kept.cache_clear()
    factors._key.cache_clear()


def _kept_file():
    return cache_dir() / "units" / f"{factors._key()}.json"


def _kept_content():
    """The answers kept, read as the cache reads an entry (its header line checked)."""
    return read_entry("units", factors._key())


def _plant(content: str, key: str | None = None) -> None:
    """An entry whose header is right for `content` (so only the content itself can be wrong)."""
    header = json.dumps({"key": key or factors._key(), "sha256": hashlib.sha256(content.encode()).hexdigest()})
    _kept_file().parent.mkdir(parents=True, exist_ok=True)
    _kept_file().write_text(f"{header}\n{content}", encoding="utf-8")


@given(st.sampled_from(PAIRS), NUMBERS)
def test_pint_converts_by_the_kept_factor_bit_for_bit(pair, value):
    source, target = pair
    by_pint = registry().Quantity(value, parse_unit(source)).to(parse_unit(target)).magnitude
    assert value * factor(source, target) == by_pint
    assert registry().Quantity(value, source).to(target).magnitude == by_pint  # as dose.py wrote it, with text


def _by_pint(parts: list[tuple[float, str]], target: str) -> float:
    """The reading before the factors were kept: each part converted by pint, summed from 0."""
    return sum(registry().Quantity(value, parse_unit(unit)).to(parse_unit(target)).magnitude for value, unit in parts)


@given(st.integers(1, 8), st.integers(0, 1199), st.integers(3, 30), st.integers(0, 1399), NUMBERS)
def test_typed_measures_are_pints_reading(feet, inches, stones, pounds, value):
    inches, pounds, value = inches / 100, pounds / 100, round(value, 4)  # as typed: '5 ft 7.25 in'
    assert parse_body_measure(f"{feet} ft {inches!r} in", "height") == _by_pint([(feet, "ft"), (inches, "in")], "cm")
    assert parse_body_measure(f"{stones} st {pounds!r} lb", "weight") == _by_pint(
        [(stones, "st"), (pounds, "lb")], "kg"
    )
    for unit, target, what in (
        ("m", "cm", "height"),
        ("in", "cm", "height"),
        ("lb", "kg", "weight"),
        ("g", "kg", "weight"),
    ):
        assert parse_body_measure(f"{value!r} {unit}", what) == _by_pint([(value, unit)], target)


def test_a_miss_asks_pint_and_keeps_the_answer():
    assert reading("lb", "kg") == Reading("pound", 0.45359237)  # the definition in units.txt
    assert reading("cm", "kg") == Reading("centimeter", None)  # another dimension: no factor
    assert _kept_content() == [["lb", "kg", "pound", 0.45359237], ["cm", "kg", "centimeter", None]]


def test_a_hit_is_read_from_the_file_without_asking_pint(monkeypatch):
    assert factor("day", "hour") == 24.0
    factors._kept.cache_clear()  # a new process

    def ask(text, target):
        raise AssertionError(f"pint asked for {text} → {target}")

    monkeypatch.setattr(factors, "_ask_pint", ask)
    assert factor("day", "hour") == 24.0
    with pytest.raises(AssertionError, match="pint asked for ft → cm"):
        reading("ft", "cm")


def test_a_conversion_pint_refuses_is_refused_in_its_words_also_when_kept():
    refused = import_pint().errors.DimensionalityError
    for _ in range(2):  # asked of pint, then read from the file
        factors._kept.cache_clear()
        with pytest.raises(refused, match="Cannot convert from 'milligram' .* to 'day'"):
            factor("mg", "day")
    assert reading("mg", "day") == Reading("milligram", None)


def test_an_unknown_unit_is_refused_in_pints_words_and_not_kept():
    for _ in range(2):
        with pytest.raises(UnitInputError, match="height '170 parsecs': unknown unit 'parsecs'"):
            parse_body_measure("170 parsecs", "height")
    assert not _kept_file().exists()


@pytest.mark.parametrize(
    ("what", "text", "message"),
    [
        ("weight", "70 cm", "weight '70 cm': 'cm' is not a unit of weight; write e.g. 70kg or 154 lb"),
        ("height", "5 ft 12 in", "height '5 ft 12 in': the second part must be under 12 in; write e.g. 5 ft 7 in"),
        ("height", "170 cm 10 cm", "height '170 cm 10 cm': write one number with its unit (two numbers only as"),
        ("weight", "4 lb 11 st", "weight '4 lb 11 st': write one number with its unit (two numbers only as"),
    ],
)
def test_refusals_keep_their_words_when_the_answers_are_kept(what, text, message):
    for _ in range(2):  # asked of pint, then read from the file
        factors._kept.cache_clear()
        with pytest.raises(UnitInputError) as caught:
            parse_body_measure(text, what)
        assert message in str(caught.value)


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ("not json", None),
        ('[["lb", "kg", "pound", 1.0]]', "another"),
        ('[["lb", "kg", "pound", -0.45359237]]', None),
        ('[["lb", "kg", "pound", NaN]]', None),
        ('[["lb", "kg", "pound", Infinity]]', None),
        ('[["lb", "kg", "pound", "0.45359237"]]', None),
        ('[["lb", "kg", "pound", 1]]', None),
        ('[["lb", "kg", "pound", true]]', None),
        ('[["lb", "kg", 7, 0.45359237]]', None),
        ('[["lb", "kg", "pound"]]', None),
        ('{"lb": 1.0}', None),
    ],
)
def test_a_corrupt_file_is_ignored_and_rewritten(content, key):
    """A factor of 1 for pounds would dose a 154 lb patient as 154 kg: anything not exactly as written is ignored."""
    _plant(content, key)
    assert parse_body_measure("154 lb", "weight") == 154 * 0.45359237  # 69.85322498 kg, by pint's factor
    assert _kept_content() == [["lb", "kg", "pound", 0.45359237]]


def test_a_file_whose_checksum_differs_is_ignored():
    _plant('[["lb", "kg", "pound", 0.45359237]]')
    _kept_file().write_text(_kept_file().read_text(encoding="utf-8").replace("0.45359237", "1.0"), encoding="utf-8")
    assert parse_body_measure("154 lb", "weight") == 154 * 0.45359237
    assert _kept_content() == [["lb", "kg", "pound", 0.45359237]]


def test_other_definitions_or_another_pint_are_another_file(tmp_path, monkeypatch):
    """An answer is pint's for these definitions and this pint: either changed, the answers are asked again."""
    keys = {factors._key()}
    definitions = tmp_path / "units.txt"
    definitions.write_text(Path(units.DEFINITIONS).read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    monkeypatch.setattr(units, "DEFINITIONS", str(definitions))
    factors._key.cache_clear()
    keys.add(factors._key())
    other_pint = tmp_path / "__init__.py"
    other_pint.write_text("", encoding="utf-8")
    monkeypatch.setattr(PathFinder, "find_spec", lambda name: SimpleNamespace(origin=str(other_pint)))
    factors._key.cache_clear()
    keys.add(factors._key())
    assert len(keys) == 3


def test_an_edit_of_the_code_that_asks_pint_is_another_file(tmp_path, monkeypatch):
    """units.py and factors.py are stamped by size and modification time: an edit is a new file of answers."""
    code = tmp_path / "units.py"
    code.write_text(Path(units.__file__).read_text(encoding="utf-8"), encoding="utf-8")
    assert Path(factors.__file__).name == "factors.py" and Path(units.__file__).name == "units.py"
    assert factors.CODE == (units.__file__, factors.__file__)
    monkeypatch.setattr(factors, "CODE", (str(code), factors.__file__))
    factors._key.cache_clear()
    before = factors._key()
    os.utime(code, ns=(0, 10**18))  # the same bytes, edited at another time
    factors._key.cache_clear()
    edited = factors._key()
    code.write_text(code.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    factors._key.cache_clear()
    assert len({before, edited, factors._key()}) == 3


def test_an_unwritable_cache_costs_time_never_a_result(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("REGIMENCALC_CACHE_DIR", str(blocked))
    assert parse_body_measure("5 ft 7 in", "height") == 5 * 30.48 + 7 * 2.54  # 170.18 cm
    assert factor("day", "hour") == 24.0


def test_no_more_than_the_most_kept(monkeypatch):
    monkeypatch.setattr(factors, "MOST_KEPT", 1)
    assert factor("day", "hour") == 24.0
    assert factor("day", "minute") == 1440.0
    assert _kept_content() == [["day", "hour", "day", 24.0]]


#: Plans every bundled regimen, then makes pint unimportable and plans again: the second plans must
#: need no pint (the regimens and drug files stay loaded; only the units are asked again).
PLAN_WITHOUT_PINT = """
import sys
from regimencalc.planner import plan_typed
from regimencalc.protocol import factors, units
from regimencalc.protocol.bundled import bundled_ids
from regimencalc.protocol.loader import load_regimen
from regimencalc.render.tabular import render_json

regimens = {name: load_regimen(name) for name in sorted(bundled_ids())}
patients = [("170cm", "70kg", "40"), ("5 ft 7 in", "154 lb", None), ("70cm", "8kg", "9 months"), ("1.6 m", "11 st 4 lb", "15")]

def plan_all():
    return [
        render_json(plan_typed(regimen, height, weight, "2026-01-05", age=age, response="CR", accept_unusual=["bsa"]))
        for regimen in regimens.values() for height, weight, age in patients
    ]

before = plan_all()

class Wanted(BaseException):
    pass

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "pint":
            raise Wanted(name)

for name in [m for m in sys.modules if m.partition(".")[0] == "pint"]:
    del sys.modules[name]
units.registry.cache_clear()
units.parse_unit.cache_clear()
factors._kept.cache_clear()
sys.meta_path.insert(0, Refuse())
print(plan_all() == before, len(before))
"""


def test_a_warm_plan_of_every_bundled_regimen_needs_no_pint(tmp_path):
    env = {"REGIMENCALC_CACHE_DIR": str(tmp_path), "PATH": ""}
    for _ in range(2):  # the answers asked of pint, then read from the kept file
        run = subprocess.run([sys.executable, "-c", PLAN_WITHOUT_PINT], capture_output=True, text=True, env=env)
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.stdout.split() == ["True", "32"]  # 8 regimens × 4 patients, the same JSON bytes
