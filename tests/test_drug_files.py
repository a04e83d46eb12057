"""Drug files: one per drug, validated like regimen files, found by the drug's name."""

from __future__ import annotations

import pytest

from regimencalc.errors import InputFileError
from regimencalc.protocol.bundled import bundled_drug_dir
from regimencalc.protocol.drugs import DrugFile
from regimencalc.protocol.loader import load_drug_file, parse_document
from regimencalc.protocol.plain import file_stem


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


# Each fact cites the reference's own sources for it (reference §2.1, §2.2, §2.5 and section 10); a fact
# the reference does not verify says so in its citation (house rules: never presented as verified).
@pytest.mark.parametrize(
    ("drug", "line", "cited"),
    [
        ("blinatumomab", "dexamethasone-adult", ["[L-BLIN-MIMS]", "[L-BLIN-DRUGS]"]),
        ("blinatumomab", "dexamethasone-child", ["[L-BLIN-MIMS]", "[L-BLIN-DRUGS]"]),
        ("blinatumomab", "supervision-restart", ["[L-BLIN-MIMS]", "[L-BLIN-DRUGS]"]),
        ("blinatumomab", "admission-cycle-1", ["[L-BLIN-MIMS]", "[L-BLIN-DRUGS]"]),
        ("blinatumomab", "admission-cycle-2", ["[L-BLIN-MIMS]", "[L-BLIN-DRUGS]"]),
        ("blinatumomab", "constant-rate", ["[L-BLIN-ONA]", "[L-BLIN-DRUGS]", "[L-BLIN-120]"]),
        ("blinatumomab", "bags", ["[L-BLIN-ONA]", "[L-BLIN-DRUGS]", "[L-BLIN-120]"]),
        ("blinatumomab", "seven-day-bag-under-22-kg", ["[L-BLIN-ONA]", "[L-BLIN-DRUGS]", "[L-BLIN-120]"]),
        ("inotuzumab ozogamicin", "next-cycle-waits-after-low-baseline", ["[L-INO-DRUGS]", "[L-INO-SK]"]),
        ("inotuzumab ozogamicin", "infusion-reaction-interrupt-and-treat", ["[L-INO-PRO-IE]"]),
        ("vincristine", "intravenous-only", ["NOT VERIFIED", "status U"]),
        ("vindesine", "intravenous-only", ["NOT VERIFIED", "status U"]),
        ("vindesine", "intravenous-bolus", ["[L-VDS-UK]", "IV bolus"]),
    ],
)
def test_drug_file_lines_cite_the_references_sources(drug, line, cited):
    drug_file = load_drug_file(drug)
    assert drug_file is not None
    lines = [*drug_file.rules, *drug_file.events, *drug_file.admissions, *drug_file.administration]
    found = next(x for x in lines if x.id == line)
    citation = drug_file.sources[found.source].citation
    assert all(key in citation for key in cited), citation


def test_no_drug_file_line_without_a_reference_source():
    # vincristine's minibag instruction and vindesine's "rapid" bolus are in no reference entry (§2.5)
    texts = [n.text for stem in ("vincristine", "vindesine") for n in load_drug_file(stem).administration]
    assert not any("minibag" in t or "rapid" in t for t in texts)
