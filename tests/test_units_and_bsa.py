"""Reading what pharmacists type, and the BSA formulas against published reference values."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from regimencalc.dosing.bsa import BSA_FORMULAS, bsa
from regimencalc.dosing.patient import make_patient
from regimencalc.errors import PatientInputError, UnitInputError
from regimencalc.protocol.units import parse_body_measure, parse_dose_amount


@pytest.mark.parametrize(
    ("text", "cm"),
    [
        ("170cm", 170.0),
        ("1.7 m", 170.0),
        ("5 ft 7 in", 170.18),
        ("5'7\"", 170.18),
        ("67 in", 170.18),
        ("1700 mm", 170.0),
    ],
)
def test_heights(text, cm):
    assert parse_body_measure(text, "height") == pytest.approx(cm)


@pytest.mark.parametrize(("text", "kg"), [("70kg", 70.0), ("154 lb", 69.853225), ("70000 g", 70.0), ("12.5 kg", 12.5)])
def test_weights(text, kg):
    assert parse_body_measure(text, "weight") == pytest.approx(kg)


@pytest.mark.parametrize(
    ("what", "text", "message"),
    [
        ("height", "170", "height '170' has no unit; write it with one, e.g. '170cm' or '170 in'"),
        ("weight", "70", "weight '70' has no unit; write it with one, e.g. '70kg' or '70 lb'"),
        ("weight", "70 cm", "weight '70 cm': 'cm' is not a unit of weight"),
        ("height", "tall", "height 'tall' is not a number with a unit"),
        ("height", "170 parsecs", "unknown unit 'parsecs'"),
    ],
)
def test_refused_measures(what, text, message):
    with pytest.raises(UnitInputError) as caught:
        parse_body_measure(text, what)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("height", "weight", "fragment"),
    [
        ("1700cm", "70kg", "height '1700cm' is impossible (outside 20-300 cm)"),
        ("170cm", "700kg", "weight '700kg' is impossible (outside 0.3-600 kg)"),
        ("170cm", "0kg", "is impossible"),
        ("170", "70kg", "has no unit"),
    ],
)
def test_patient_hard_stops(height, weight, fragment):
    with pytest.raises(PatientInputError, match=re.escape(fragment)):
        make_patient(height, weight)


@pytest.mark.parametrize(
    ("text", "value", "amount", "per_body", "per_time"),
    [
        ("3 mg/m2", 3.0, "milligram", "meter ** 2", None),
        ("3 mg/m²", 3.0, "milligram", "meter ** 2", None),
        ("15 µg/m²/day", 15.0, "microgram", "meter ** 2", "day"),
        ("28 ug/day", 28.0, "microgram", None, "day"),
        ("300 mcg", 300.0, "microgram", None, None),
        ("1 g/m2", 1.0, "gram", "meter ** 2", None),
        ("0.05 mg/kg", 0.05, "milligram", "kilogram", None),
        ("0.2 x10^6 cells/kg", 200000.0, "cell", "kilogram", None),
        ("2.5 ×10⁸ cells", 2.5e8, "cell", None, None),
    ],
)
def test_dose_amounts(text, value, amount, per_body, per_time):
    parsed = parse_dose_amount(text)
    assert (parsed.value, parsed.amount_unit, parsed.per_body, parsed.per_time) == (
        pytest.approx(value),
        amount,
        per_body,
        per_time,
    )


def test_dose_display_uses_mcg_and_superscripts():
    assert parse_dose_amount("15 µg/m2/day").display() == "15 mcg/m²/day"
    assert parse_dose_amount("0.2 x10^6 cells/kg").display() == "0.2 ×10⁶ cells/kg"


# pharmaverse/admiral test expectations, reproduced in the clinical reference §4.
@pytest.mark.parametrize(
    ("height", "weight", "expected"),
    [
        (170, 75, {"mosteller": 1.882, "dubois": 1.864, "haycock": 1.895, "gehan-george": 1.897, "boyd": 1.905}),
        (185, 90, {"mosteller": 2.151, "dubois": 2.141, "haycock": 2.161, "gehan-george": 2.160, "boyd": 2.158}),
    ],
)
def test_bsa_reference_values(height, weight, expected):
    assert {key: round(bsa(height, weight, key), 3) for key in BSA_FORMULAS} == expected


def test_bsa_is_never_rounded_before_it_multiplies_a_dose():
    assert bsa(170, 70) == pytest.approx(1.8181186, abs=1e-7)


def test_bsa_command_all_formulas(run_cli):
    code, out, _ = run_cli("bsa", "--height", "170cm", "--weight", "75kg", "--all")
    assert code == 0
    for name, value in [
        ("Mosteller", "1.882"),
        ("DuBois", "1.864"),
        ("Haycock", "1.895"),
        ("Gehan", "1.897"),
        ("Boyd", "1.905"),
    ]:
        assert any(line.startswith(name) and f" {value} m²" in line for line in out.splitlines())


def test_doctests_of_the_package():
    import doctest

    import regimencalc.display
    import regimencalc.dosing.bsa
    import regimencalc.dosing.dates
    import regimencalc.protocol.days
    import regimencalc.protocol.labs
    import regimencalc.protocol.units

    modules = (
        regimencalc.dosing.dates,
        regimencalc.protocol.days,
        regimencalc.display,
        regimencalc.dosing.bsa,
        regimencalc.protocol.labs,
        regimencalc.protocol.units,
    )
    for module in modules:
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def _imported_after(code: str) -> str:
    """What a fresh interpreter has loaded of pint and numpy after `code`, and pint's view of numpy."""
    probe = (
        f"{code}\n"
        "import sys\n"
        "print(sorted(m for m in ('pint', 'numpy') if m in sys.modules), sys.modules['pint'].compat.HAS_NUMPY)"
    )
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()


def test_pint_is_imported_without_numpy_unless_numpy_is_already_loaded():
    # numpy is installed (the test extra has it): pint would import it; the schedule path does not need it
    quantity = "from regimencalc.protocol.units import parse_quantity\nparse_quantity('70kg')"
    assert _imported_after(quantity) == "['pint'] False"
    assert _imported_after(f"import numpy\n{quantity}") == "['numpy', 'pint'] True"
    # the import is unhidden afterwards: numpy still imports in the same thread
    assert _imported_after(f"{quantity}\nimport numpy") == "['numpy', 'pint'] False"
