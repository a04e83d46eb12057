"""The validated regimen and drug files as the planner reads them: one plain tree, cold or warm.

A warm cache hit reads the tree back with `json` alone (no pydantic, ruamel or pint); an entry that
is corrupt, of another shape or for another key is never trusted but validated again and rewritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import cold_then_warm
from hypothesis import given, settings
from hypothesis import strategies as st

from regimencalc.dosing.patient import make_patient
from regimencalc.errors import RegimencalcError
from regimencalc.planner import plan
from regimencalc.protocol import drugs, loader, plain, regimen, supportive, tagged
from regimencalc.protocol.bundled import bundled_dir, bundled_drug_dir, bundled_ids, regimen_file
from regimencalc.protocol.loader import (
    VALIDATED,
    load_drug_file,
    load_regimen,
    parse_document,
    parse_regimen,
    read_text,
)
from regimencalc.protocol.tagged import CLASSES, from_tagged, to_tagged
from regimencalc.render.tabular import render_json
from regimencalc.safety.plausibility import unusual_bsa, unusual_patient

DRUGS = sorted(path.stem.replace("-", " ") for path in bundled_drug_dir().glob("*.yaml"))
#: Every pydantic model of a regimen or drug file.
MODELS = list(
    dict.fromkeys(
        value
        for module in (regimen, drugs, supportive)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, regimen.StrictModel) and value is not regimen.StrictModel
    )
)


def _validated(regimen_id: str) -> regimen.Regimen:
    """The regimen's pydantic model, validated from its file (never from the cache)."""
    path = regimen_file(regimen_id)
    assert path is not None
    return parse_document(read_text(path), str(path), regimen.Regimen)


def test_every_model_inherits_a_plain_class_holding_its_fields_in_its_order():
    assert len(MODELS) == 25
    for model in MODELS:
        assert issubclass(model, plain.Plain), model.__name__
        cls = plain.plain_class(model)
        assert cls.FIELDS == tuple(model.model_fields), model.__name__
        assert CLASSES[cls.__name__] is cls


def test_the_loader_hands_the_planner_the_plain_tree_cold_and_warm(tmp_path, monkeypatch):
    monkeypatch.setenv("REGIMENCALC_CACHE_DIR", str(tmp_path))
    cold = load_regimen("vicp")
    warm = load_regimen("vicp")
    assert type(cold) is type(warm) is plain.Regimen
    assert warm == cold == plain.plain_tree(_validated("vicp"))
    assert type(warm.phases[0].lines[0]) is plain.DrugLine
    assert type(load_drug_file("vincristine")) is plain.DrugFile
    assert type(parse_regimen(read_text(regimen_file("vicp")), "vicp.yaml")) is plain.Regimen
    with pytest.raises(AttributeError, match="Regimen is frozen: 'id' cannot be set"):
        warm.id = "other"  # type: ignore[misc]


def test_a_plain_instance_compares_and_hashes_like_its_frozen_model():
    model = _validated("rdc-blinatumomab").phases[0].lines[0].dose
    assert model is not None
    kept = plain.plain_tree(model)
    assert kept == plain.plain_tree(model) and hash(kept) == hash(plain.plain_tree(model))
    assert kept != model  # another class, as two models of different classes are never equal
    assert {kept: 1}[plain.plain_tree(model)] == 1


def test_tagged_json_gives_back_tuples_and_dicts_with_any_keys():
    value = {1: (2, "a"), "b": [None, True, 1.5, {"c": ()}]}
    assert from_tagged(json.loads(json.dumps(to_tagged(value)))) == value
    with pytest.raises(TypeError, match="object is not kept in the cache"):
        to_tagged(object())


def _rewritten(entry: Path, change: Callable[[dict], object]) -> None:
    """Change the content of a kept entry and give it the checksum of the new content, so only the
    reader's own checks can refuse it."""
    header, content = entry.read_text(encoding="utf-8").split("\n", 1)
    text = json.dumps(change(json.loads(content)))
    document = {**json.loads(header), "sha256": hashlib.sha256(text.encode()).hexdigest()}
    entry.write_text(f"{json.dumps(document)}\n{text}", encoding="utf-8")


def _without_phases(content: dict) -> dict:
    del content["phases"]
    return content


def _first_leaf(tag: str, field: str, value: object) -> Callable[[dict], object]:
    """A change of the first `tag` leaf's `field` to `value` (well-formed JSON, a wrong type)."""

    def change(content: object) -> object:
        found = []

        def walk(node: object) -> None:
            if isinstance(node, dict):
                if node.get("$") == tag and not found:
                    found.append(node)
                for item in node.values():
                    walk(item)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(content)
        assert found, tag
        found[0][field] = value
        return content

    return change


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "a dose given as text": lambda entry: _rewritten(entry, _first_leaf("DoseAmount", "value", "8")),
    "a dose of null": lambda entry: _rewritten(entry, _first_leaf("DoseAmount", "value", None)),
    "a dose of true": lambda entry: _rewritten(entry, _first_leaf("DoseAmount", "value", True)),
    "a unit that is a number": lambda entry: _rewritten(entry, _first_leaf("DoseAmount", "amount_unit", 1)),
    "another regimen": lambda entry: _rewritten(entry, lambda c: to_tagged(load_regimen("rdc-blinatumomab"))),
    "not JSON": lambda entry: entry.write_bytes(b"\x00garbage"),
    "a checksum mismatch": lambda entry: entry.write_text(
        entry.read_text(encoding="utf-8").replace('"vicp"', '"vicq"'), encoding="utf-8"
    ),
    "another key": lambda entry: entry.write_text(
        entry.read_text(encoding="utf-8").replace('{"key": "', '{"key": "0', 1), encoding="utf-8"
    ),
    "an unknown tag": lambda entry: _rewritten(entry, lambda c: {**c, "$": "Pickled"}),
    "a missing field": lambda entry: _rewritten(entry, _without_phases),
    "an extra field": lambda entry: _rewritten(entry, lambda c: {**c, "extra": 1}),
    "an untagged mapping": lambda entry: _rewritten(entry, lambda c: {**c, "phases": [{"id": "x"}]}),
    "a tuple of another shape": lambda entry: _rewritten(entry, lambda c: {**c, "phases": {"$": "tuple"}}),
    "a tree of another kind": lambda entry: _rewritten(entry, lambda c: to_tagged(load_drug_file("vincristine"))),
}


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_a_kept_entry_that_is_corrupt_or_of_another_shape_is_validated_again_and_rewritten(
    corruption, tmp_path, monkeypatch
):
    monkeypatch.setenv("REGIMENCALC_CACHE_DIR", str(tmp_path))
    first = load_regimen("vicp")
    (entry,) = (path for path in (tmp_path / VALIDATED).glob("*.json") if '"vicp"' in path.read_text("utf-8"))
    written = entry.read_bytes()
    CORRUPTIONS[corruption](entry)
    assert entry.read_bytes() != written
    assert load_regimen("vicp") == first
    assert entry.read_bytes() == written


@pytest.mark.parametrize("named", ["absolute", "roundabout"])
def test_another_regimen_under_a_bundled_files_key_is_a_miss_however_the_file_is_named(named, tmp_path, monkeypatch):
    """The bundled file asked for by its path, not its id, is still checked against its id."""
    monkeypatch.setenv("REGIMENCALC_CACHE_DIR", str(tmp_path))
    path = bundled_dir() / "vicp.yaml"
    reference = str(path) if named == "absolute" else str(path.parent / ".." / "regimens" / "vicp.yaml")
    first = load_regimen(reference)
    assert first.id == "vicp"
    (entry,) = (path for path in (tmp_path / VALIDATED).glob("*.json") if '"vicp"' in path.read_text("utf-8"))
    written = entry.read_bytes()
    CORRUPTIONS["another regimen"](entry)
    assert load_regimen(reference) == first
    assert entry.read_bytes() == written


def test_an_edit_of_the_code_that_validates_is_a_new_key_never_a_stale_hit(tmp_path, monkeypatch):
    monkeypatch.setenv("REGIMENCALC_CACHE_DIR", str(tmp_path))
    load_regimen("vicp")
    stamp = tagged.code_stamp()
    assert stamp is not None and "regimen.py:" in stamp and "plain.py:" in stamp and "display.py:" in stamp

    def edited(path: str) -> SimpleNamespace:  # checks.py saved again, one nanosecond later
        status = os.stat(path)
        return SimpleNamespace(st_size=status.st_size, st_mtime_ns=status.st_mtime_ns + path.endswith("checks.py"))

    monkeypatch.setattr(tagged, "os", SimpleNamespace(path=os.path, scandir=os.scandir, stat=edited))
    assert tagged.code_stamp() != stamp
    assert load_regimen("vicp") == plain.plain_tree(_validated("vicp"))
    assert len([p for p in (tmp_path / VALIDATED).glob("*.json") if '"vicp"' in p.read_text("utf-8")]) == 2


def test_a_warm_load_imports_none_of_pint_pydantic_ruamel(tmp_path):
    code = (
        "import sys\n"
        "from regimencalc.protocol.loader import load_drug_file, load_regimen\n"
        "regimen = load_regimen('rdc-blinatumomab')\n"
        "files = [load_drug_file(drug) for drug in sorted({line.drug for line in regimen.all_lines()})]\n"
        "print(type(regimen).__name__, [type(f).__name__ + ' ' + f.drug for f in files if f is not None])\n"
        "print(sorted(m for m in ('pint', 'pydantic', 'ruamel.yaml') if m in sys.modules))"
    )
    cold, warm = cold_then_warm(code, tmp_path)
    files = "Regimen ['DrugFile blinatumomab', 'DrugFile vindesine']"
    assert cold.stdout.splitlines() == [files, "['pint', 'pydantic', 'ruamel.yaml']"]
    assert warm.stdout.splitlines() == [files, "[]"]


@pytest.mark.parametrize("regimen_id", bundled_ids())
def test_every_bundled_regimen_and_drug_file_is_read_back_from_the_cache_without_validating(regimen_id, monkeypatch):
    cold = load_regimen(regimen_id), [load_drug_file(drug) for drug in DRUGS]

    def not_validated(kind: type) -> None:
        raise AssertionError(f"{kind.__name__} validated again: it was not kept")

    monkeypatch.setattr(loader, "_model", not_validated)
    assert (load_regimen(regimen_id), [load_drug_file(drug) for drug in DRUGS]) == cold


@pytest.mark.parametrize("drug", DRUGS)
def test_a_drug_file_read_back_from_the_cache_equals_the_one_just_validated(drug):
    path = bundled_drug_dir() / f"{plain.file_stem(drug)}.yaml"
    validated = plain.plain_tree(parse_document(read_text(path), str(path), drugs.DrugFile))
    load_drug_file(drug)  # kept
    assert load_drug_file(drug) == validated


patients = st.tuples(
    st.floats(min_value=60, max_value=210),
    st.floats(min_value=5, max_value=200),
    st.one_of(st.none(), st.floats(min_value=0.1, max_value=90)),
).filter(lambda p: not unusual_patient(p[0], p[1], p[2]) and unusual_bsa((p[0] * p[1] / 3600) ** 0.5, "") is None)


def _course_json(regimen_tree: object, patient: tuple[float, float, float | None], response: str | None) -> str:
    height, weight, age = patient
    try:
        person = make_patient(f"{height!r} cm", f"{weight!r} kg", age)
        return render_json(plan(regimen_tree, person, dt.date(2026, 1, 5), response=response))  # type: ignore[arg-type]
    except RegimencalcError as refused:
        return f"refused: {refused}"


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(bundled_ids()), patients, st.sampled_from([None, "CR", "CRi", "PR", "NR"]))
def test_the_tree_read_back_from_the_cache_plans_the_course_the_validated_model_plans(regimen_id, patient, response):
    load_regimen(regimen_id)  # kept, if the run has not kept it yet
    assert _course_json(load_regimen(regimen_id), patient, response) == _course_json(
        _validated(regimen_id), patient, response
    )
