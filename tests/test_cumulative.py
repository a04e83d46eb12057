"""Cumulative doses: prior exposure + this course, lifetime limits, doxorubicin equivalents.

Hand arithmetic, adult 170 cm / 70 kg (BSA 1.81812 m²): RDC-blinatumomab gives idarubicin 14.5 mg
= 7.975 mg/m², printed 8 (× 5 = 40 mg/m² doxorubicin equivalents: the printed total times the
ratio, so the sheet multiplies out by hand). Ratios and thresholds: reference §6 (V);
idarubicin lifetime 150 mg/m²: reference §2.6 (P).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from regimencalc.dosing.patient import make_patient
from regimencalc.errors import InputFileError, PatientInputError
from regimencalc.planner import plan
from regimencalc.protocol.loader import load_regimen, parse_document
from regimencalc.safety.prior import Prior

START = dt.date(2026, 1, 5)


def course(regimen_id: str, prior_lines: str | None, accept: frozenset[str] = frozenset()):
    prior = parse_document(f"schema_version: 1\nprior:\n{prior_lines}", "prior.yaml", Prior) if prior_lines else None
    return plan(load_regimen(regimen_id), make_patient("170cm", "70kg", 40, accept=accept), START, prior=prior)


def flags(planned, kind: str) -> list[str]:
    return [f.text for f in planned.flags if f.kind == kind]


def test_idarubicin_lifetime_limit_is_a_hard_stop_unless_confirmed():
    within = course("rdc-blinatumomab", "  - {drug: idarubicin, dose: 142 mg/m2}\n")  # 142 + 7.975 = 149.98
    (row,) = [c for c in within.cumulative if c.drug == "idarubicin"]
    assert (row.prior_mg_per_m2, row.course_mg_per_m2, row.total_mg_per_m2) == (142.0, 8.0, 150.0)
    assert not flags(within, "cumulative-limit")
    with pytest.raises(
        PatientInputError, match=r"idarubicin: cumulative 153 mg/m² \(prior 145 \+ this course 8\) passes 150 mg/m²"
    ):
        course("rdc-blinatumomab", "  - {drug: idarubicin, dose: 145 mg/m2}\n")
    confirmed = course("rdc-blinatumomab", "  - {drug: idarubicin, dose: 145 mg/m2}\n", frozenset({"cumulative"}))
    assert any("confirmed with --accept-unusual cumulative" in text for text in flags(confirmed, "cumulative-limit"))


def test_doxorubicin_equivalents_add_up_across_drugs():
    planned = course(
        "rdc-blinatumomab", "  - {drug: daunorubicin, dose: 200 mg/m2}\n  - {drug: daunorubicin, dose: 0 mg/m2}\n"
    )
    rows = {c.drug: c for c in planned.cumulative}
    assert rows["daunorubicin"].doxorubicin_equivalent_mg_per_m2 == 120.0  # 200 × 0.6
    assert rows["idarubicin"].doxorubicin_equivalent_mg_per_m2 == 40.0  # 7.975 → 8.0 (0.1 mg/m²) × 5
    assert flags(planned, "cumulative-threshold") == [
        "cumulative anthracyclines 160 mg/m² doxorubicin equivalents (≥ 100): cardiomyopathy surveillance is reasonable"
    ]


@pytest.mark.parametrize(
    ("doxorubicin", "level"), [("99.9", None), ("100", "reasonable"), ("249.9", "reasonable"), ("250", "recommended")]
)
def test_surveillance_thresholds(doxorubicin, level):
    planned = course("blinatumomab", f"  - {{drug: doxorubicin, dose: {doxorubicin} mg/m2}}\n")
    found = flags(planned, "cumulative-threshold")
    assert found[0].endswith(f"surveillance is {level}") if level else not found, found


def test_mitoxantrone_ms_limit_is_only_a_flag_and_liposomal_counts_as_an_institutional_choice():
    planned = course("clag-lipo-mitoxantrone", "  - {drug: mitoxantrone, dose: 150 mg/m2}\n")
    assert any(
        "passes 140 mg/m², the US label lifetime limit for multiple sclerosis" in t
        for t in flags(planned, "cumulative-limit")
    )
    assert any("no ratio is published for liposomal mitoxantrone" in t for t in flags(planned, "institutional-default"))
    rows = {c.drug: c for c in planned.cumulative}
    # Lipo-MIT 32.7 mg × 2 cycles = 65.4 mg = 35.97 → 36.0 mg/m² → × 10 = 360 mg/m² equivalents
    assert rows["liposomal mitoxantrone"].course_mg_per_m2 == 36.0
    assert rows["liposomal mitoxantrone"].doxorubicin_equivalent_mg_per_m2 == 360.0


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("{drug: doxorubicine, dose: 100 mg/m2}", "no cumulative rule for 'doxorubicine'"),
        ("{drug: doxorubicin, dose: 100 mg}", "must be cumulative mg/m²"),
        ("{drug: doxorubicin, dose: 100}", "100 has no unit"),
        ("{drug: doxorubicin}", "required field 'dose' is missing"),
    ],
)
def test_bad_prior_files_are_refused_with_their_place(line, fragment):
    with pytest.raises(InputFileError) as caught:
        parse_document(f"schema_version: 1\nprior:\n  - {line}\n", "prior.yaml", Prior)
    (problem,) = caught.value.problems
    assert problem.line == 3 and fragment in problem.message


def test_cli_prior_unknown_drug_is_one_line(run_cli, tmp_path: Path):
    prior = tmp_path / "prior.yaml"
    prior.write_text("schema_version: 1\nprior:\n  - {drug: adriamycin, dose: 100 mg/m2}\n")
    code, out, err = run_cli(
        "schedule", "vicp", "--height", "170cm", "--weight", "70kg", "--start", "2026-01-05", "--prior", str(prior)
    )
    assert code == 1 and out == "" and err.count("\n") == 1 and "no cumulative rule for 'adriamycin'" in err
