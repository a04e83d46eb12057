"""Broken regimen files: each failure mode is reported with its file, line, column and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from regimencalc.errors import InputFileError
from regimencalc.protocol.loader import load_regimen, parse_regimen

BROKEN = Path(__file__).parent / "fixtures" / "broken"

CASES = [
    ("bad_unit", 20, 36, "phases[0].lines[0].dose.amount", "unknown unit 'xx'"),
    ("unit_not_fitting_basis", 20, 36, "phases[0].lines[0].dose.amount", "'3 mg/kg' does not fit basis 'bsa'"),
    ("day_out_of_cycle", 19, 15, "phases[0].lines[0].days", "day 29 is outside the 28-day cycle"),
    ("duplicate_key", 19, 9, "", 'duplicate key "route"'),
    ("unknown_field", 22, 9, "phases[0].lines[0].colour", "unknown field 'colour'"),
    ("no_as_route", 18, 16, "phases[0].lines[0].route", "'NO' is not allowed; use one of 'IV', 'CIV'"),
    ("missing_source", 17, 9, "phases[0].lines[0].source", "required field 'source' is missing"),
    ("undeclared_source", 21, 17, "phases[0].lines[0].source", "source 'seed-999' is not declared"),
    ("bare_number_dose", 20, 36, "phases[0].lines[0].dose.amount", "must be written as text with its unit"),
    ("version_not_text", 4, 10, "version", 'quote it, e.g. version: "1.0"'),
    ("cap_per_m2", 20, 50, "phases[0].lines[0].dose.cap", "not per m² or per kg"),
    ("backwards_range", 19, 15, "phases[0].lines[0].days", "runs backwards"),
]


@pytest.mark.parametrize(("name", "line", "column", "path", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_each_broken_file_names_its_place_and_fix(name, line, column, path, fragment):
    file = BROKEN / f"{name}.yaml"
    with pytest.raises(InputFileError) as caught:
        load_regimen(file)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.column, problem.path) == (str(file), line, column, path)
    assert fragment in problem.message
    assert str(problem).startswith(f"{file}:{line}:{column}: ")


def test_every_broken_fixture_has_a_case():
    assert sorted(p.stem for p in BROKEN.glob("*.yaml")) == sorted(c[0] for c in CASES)


def test_validate_reports_every_file_with_line_and_column(run_cli):
    code, out, err = run_cli("validate", str(BROKEN), str(BROKEN.parent / "minimal.yaml"))
    assert code == 1
    for name, line, column, _, fragment in CASES:
        assert f"{BROKEN / name}.yaml:{line}:{column}: " in out
        assert fragment in out
    assert f"{BROKEN.parent / 'minimal.yaml'}: ok" in out
    assert "12 of 13 files have problems" in err


def test_yaml_1_2_keeps_no_and_sexagesimal_as_text():
    text = (BROKEN.parent / "minimal.yaml").read_text().replace('version: "1"', "version: 1:30")
    assert parse_regimen(text, "x.yaml").version == "1:30"


def test_all_problems_of_a_file_are_reported_together():
    text = (BROKEN.parent / "minimal.yaml").read_text()
    text = text.replace("route: IV", "route: NO").replace('version: "1"', "version: 2")
    with pytest.raises(InputFileError) as caught:
        parse_regimen(text, "two.yaml")
    assert [p.path for p in caught.value.problems] == ["version", "phases[0].lines[0].route"]


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("route: IV", "route: CIV", "a continuous infusion (CIV) dose is a daily amount"),
        ("cycles: 1", "cycles: 1\n    max_cycles: 2", "give exactly one of 'cycles'"),
        (
            "dose: {basis: bsa, amount: 3 mg/m2, cap: 4 mg}",
            "dose: {basis: flat, amount: 3 cm}",
            "not an amount of drug",
        ),
        ('days: "1"', 'days: "1,1"', "day 1 is listed twice"),
    ],
)
def test_more_semantic_errors(old, new, fragment):
    text = (BROKEN.parent / "minimal.yaml").read_text().replace(old, new)
    with pytest.raises(InputFileError) as caught:
        parse_regimen(text, "x.yaml")
    assert any(fragment in p.message for p in caught.value.problems), caught.value.problems


def test_double_dosing_of_a_drug_on_one_day_is_refused():
    text = (BROKEN.parent / "minimal.yaml").read_text()
    line = text[text.index("      - drug: vindesine") :]
    with pytest.raises(InputFileError) as caught:
        parse_regimen(text + line.replace('days: "1"', 'days: "1-3"'), "x.yaml")
    (problem,) = caught.value.problems
    assert problem.path == "phases[0].lines[1].days" and "vindesine is already given on day 1" in problem.message


def test_unknown_regimen_id_lists_the_bundled_ones():
    from regimencalc.errors import UnknownRegimenError

    with pytest.raises(UnknownRegimenError, match="no regimen 'nope': not a bundled id .*rdc-blinatumomab"):
        load_regimen("nope")


def test_empty_file_and_non_mapping(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(InputFileError, match="the file is empty"):
        load_regimen(empty)
    with pytest.raises(InputFileError, match="expected a mapping of fields"):
        parse_regimen("- a\n- b\n", "list.yaml")


def test_yaml_warnings_never_reach_stderr():
    # found by the loader fuzz run: a duplicated anchor line made ruamel print a warning on stderr
    # before its error, breaking the one-line promise
    import warnings

    from regimencalc.protocol.bundled import bundled_drug_dir
    from regimencalc.protocol.drugs import DrugFile
    from regimencalc.protocol.loader import parse_document

    text = (bundled_drug_dir() / "inotuzumab-ozogamicin.yaml").read_text()
    line = "    flags: &counts-28-days\n"
    with warnings.catch_warnings(record=True) as caught, pytest.raises(InputFileError) as refused:
        warnings.simplefilter("always")
        parse_document(text.replace(line, line + line, 1), "twice.yaml", DrugFile)
    assert caught == []
    (problem,) = refused.value.problems
    # the first of the two 'flags:' lines is now empty, which is refused first (a duplicate anchor alone: tests/hostile)
    first = text.splitlines().index(line.rstrip("\n")) + 1  # 1-based
    assert (problem.line, problem.message) == (
        first,
        "an empty value (null) is not allowed: it would silently mean 'not given'; write the value or remove the key",
    )


def test_a_bare_number_for_an_amount_asks_for_its_unit():
    text = (BROKEN.parent / "minimal.yaml").read_text().replace("cap: 4 mg}", "cap: 4}")
    with pytest.raises(InputFileError) as caught:
        parse_regimen(text, "x.yaml")
    assert any(
        "must be written as text with its unit, e.g. '3 mg/m2', not 4" in p.message for p in caught.value.problems
    )


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!custom", "!!str"])
def test_explicit_yaml_tags_are_refused_at_their_place(tag):
    # found by the loader fuzz run (bench/fuzz_loader.py): a '!!python/object' tag crashed ruamel with a TypeError
    text = (BROKEN.parent / "minimal.yaml").read_text().replace("name: Minimal valid regimen", f"name: {tag} Minimal")
    with pytest.raises(InputFileError) as caught:
        parse_regimen(text, "tagged.yaml")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (3, 7) and "is not allowed; remove it" in problem.message


def test_a_bundled_id_is_a_plain_name_never_a_path_into_the_package(tmp_path, monkeypatch):
    from regimencalc.errors import UnknownRegimenError
    from regimencalc.protocol.bundled import bundled_dir, regimen_file

    monkeypatch.chdir(tmp_path)  # no such file here: only the package folder could answer
    assert regimen_file("vicp") == str(bundled_dir() / "vicp.yaml")
    assert regimen_file("../drugs/blinatumomab") is None  # a drug file is not a regimen
    with pytest.raises(UnknownRegimenError, match="no regimen '../drugs/blinatumomab': not a bundled id"):
        load_regimen("../drugs/blinatumomab")
