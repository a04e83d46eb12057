"""Drug files: one per drug, validated like regimen files, found by the drug's name."""

from __future__ import annotations

import pytest

from regimencalc.errors import InputFileError
from regimencalc.protocol.drugs import DrugFile, file_stem
from regimencalc.protocol.loader import bundled_drug_dir, load_drug_file, parse_document


def test_every_bundled_drug_file_loads_under_its_own_name():
    stems = sorted(p.stem for p in bundled_drug_dir().glob("*.yaml"))
    assert stems == ["blinatumomab", "inotuzumab-ozogamicin", "vincristine", "vindesine"]
    for stem in stems:
        loaded = load_drug_file(stem.replace("-", " "))
        assert loaded is not None and file_stem(loaded.drug) == stem


def test_a_drug_without_a_file_has_none():
    assert load_drug_file("cytarabine") is None


def test_a_drug_file_is_strict_with_located_errors():
    text = "schema_version: 1\ndrug: blinatumomab\nsources: {}\nrule: []\n"
    with pytest.raises(InputFileError) as caught:
        parse_document(text, "blinatumomab.yaml", DrugFile)
    lines = str(caught.value).splitlines()
    assert any(line.startswith("blinatumomab.yaml:4:1: rule:") for line in lines), lines
    assert any(line.startswith("blinatumomab.yaml:3:10: sources:") for line in lines), lines
