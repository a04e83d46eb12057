"""regimencalc batch: the compiled path plans exactly what `schedule` plans, row for row.

The equality properties plan random patients twice, through `planner.plan_typed` (what `schedule`
runs) and through the compiled, column-wise path, and require the same administrations: ids,
dates, doses, units, statuses and flag kinds.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from conftest import cold_then_warm
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from regimencalc.batch.cache import load_compiled
from regimencalc.batch.checks import passes_all
from regimencalc.batch.cohort import Cohort, Columns, Options, course_rows
from regimencalc.batch.evaluate import exact_round, round_to_significant
from regimencalc.errors import RegimencalcError
from regimencalc.planner import plan_typed
from regimencalc.protocol.cache import cache_dir
from regimencalc.protocol.loader import load_regimen

COMPILED = ("rdc-blinatumomab", "vicp", "clag-lipo-mitoxantrone")

patients = st.fixed_dictionaries(
    {
        "height": st.floats(140, 200).map(lambda v: round(v, 1)),
        "weight": st.floats(36, 130).map(lambda v: round(v, 1)),
        "age": st.one_of(st.none(), st.integers(1, 90).map(str)),
        "start": st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)).map(dt.date.isoformat),
        "response": st.sampled_from([None, "CR", "CRi", "PR", "NR"]),
        "sex": st.sampled_from([None, "F", "M"]),
    }
)


def _table(rows: list[dict[str, object]]) -> pa.Table:
    return pa.table(
        {
            "id": [f"P{i}" for i in range(len(rows))],
            "height_cm": [str(r["height"]) for r in rows],
            "weight_kg": [str(r["weight"]) for r in rows],
            "start": [r["start"] for r in rows],
            "age": [r["age"] for r in rows],
            "response": [r["response"] for r in rows],
            "sex": [r["sex"] for r in rows],
        }
    )


def _expected(
    regimen_id: str, rows: list[dict[str, object]], accept: tuple[str, ...], formula: str = "mosteller"
) -> tuple[list, list]:
    regimen = load_regimen(regimen_id)
    planned, refused = [], []
    for i, r in enumerate(rows):
        try:
            course = plan_typed(
                regimen,
                f"{r['height']}cm",
                f"{r['weight']}kg",
                str(r["start"]),
                age=r["age"],
                response=r["response"],
                sex=r["sex"],
                accept_unusual=accept,
                bsa_formula=formula,
            )
        except RegimencalcError as exc:
            refused.append((i + 1, f"P{i}", str(exc)))
            continue
        planned += course_rows(f"P{i}", course).to_pylist()
    return planned, refused


@pytest.mark.parametrize("regimen_id", [*COMPILED, "blinatumomab"])
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(patients, min_size=1, max_size=12),
    accept=st.sampled_from([(), ("bmi", "weight-for-age")]),
    formula=st.sampled_from(["mosteller", "dubois", "haycock", "gehan-george", "boyd"]),
)
def test_batch_plans_what_schedule_plans(
    regimen_id: str, rows: list[dict[str, object]], accept: tuple[str, ...], formula: str
):
    table = _table(rows)
    cohort = Cohort(load_compiled(regimen_id), regimen_id, Options(formula, frozenset(accept)))
    chunk = cohort.plan_chunk(table, Columns.of(table.column_names), 1)
    planned, refused = _expected(regimen_id, rows, accept, formula)
    got = sorted(chunk.administrations.to_pylist(), key=lambda r: (int(r["patient_id"][1:]), r["date"], r["id"]))
    want = sorted(planned, key=lambda r: (int(r["patient_id"][1:]), r["date"], r["id"]))
    assert got == want
    assert [tuple(e.values()) for e in chunk.errors.to_pylist()] == refused


def test_the_bundled_regimens_that_compile_and_why_the_others_do_not():
    reasons = {r: load_compiled(r).not_compiled for r in ("blinatumomab", "tisagenlecleucel", "inotuzumab-ozogamicin")}
    assert reasons == {
        "blinatumomab": "blinatumomab: a banded or tapered dose",
        "tisagenlecleucel": "tisagenlecleucel: a banded or tapered dose",
        "inotuzumab-ozogamicin": "inotuzumab-ozogamicin/c4/d1/inotuzumab-ozogamicin/IV is discontinued without observations",
    }
    assert all(load_compiled(r).not_compiled is None for r in COMPILED)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.floats(1e-3, 1e9, allow_nan=False),
        # decimal ties: n.nn5 × 10^k, where binary floats land on either side of the half
        st.tuples(st.integers(1000, 9999), st.integers(-4, 6)).map(
            lambda t: float(Decimal(t[0] * 10 + 5).scaleb(t[1] - 4))
        ),
    ),
    st.sampled_from([np.inf, 4.0, 28.0, 100.0]),
)
def test_column_rounding_is_the_planners_decimal_rounding(raw: float, cap: float):
    rounded = round_to_significant(np.array([raw]), cap)[0]
    if raw <= cap:  # a dose above its cap is the cap itself (line_doses), never rounded
        assert rounded == exact_round(raw, cap)


@settings(max_examples=400, deadline=None)
@given(
    height=st.one_of(
        st.floats(10, 320), st.sampled_from([20.0, 40.0, 90.0, 95.0, 100.0, 110.0, 135.0, 170.0, 230.0, 300.0])
    ),
    weight=st.one_of(
        st.floats(0.1, 650), st.sampled_from([0.3, 1.0, 16.0, 22.0, 25.0, 40.0, 90.0, 140.0, 250.0, 600.0])
    ),
    age=st.one_of(st.none(), st.floats(0, 140), st.sampled_from([0.0, 1.0, 2.0, 5.0, 10.0, 14.0, 18.0, 110.0, 130.0])),
)
def test_column_plausibility_is_the_one_patient_checks(height: float, weight: float, age: float | None):
    from regimencalc.dosing.bsa import bsa
    from regimencalc.errors import PatientInputError
    from regimencalc.safety.plausibility import check_absolute, unusual_bsa, unusual_patient

    body = bsa(height, weight)
    try:
        check_absolute("height", height, "")
        check_absolute("weight", weight, "")
        if age is not None:
            check_absolute("age", age, "")
        clean = not unusual_patient(height, weight, age) and unusual_bsa(body, "Mosteller") is None
    except PatientInputError:
        clean = False
    column = passes_all(
        np.array([height]), np.array([weight]), np.array([np.nan if age is None else age]), np.array([body])
    )
    assert bool(column[0]) == clean


def test_hand_checked_rows_for_the_sample_patient():
    # 170 cm, 70 kg: BSA √(170 × 70 / 3600) = 1.81812 m²; idarubicin 8 × 1.81812 = 14.545 → 14.5 mg;
    # vindesine 3 × 1.81812 = 5.45 mg > the 4 mg cap → 4 mg; dexamethasone 9 × 1.81812 = 16.36 → 16.4 mg/day.
    table = pa.table({"id": ["A"], "height": ["170cm"], "weight": ["70 kg"], "start": ["2026-01-05"], "age": ["40"]})
    chunk = Cohort(load_compiled("rdc-blinatumomab"), "rdc-blinatumomab", Options()).plan_chunk(
        table, Columns.of(table.column_names), 1
    )
    rows = chunk.administrations.to_pylist()
    assert [(r["drug"], r["date"], r["dose_value"], r["dose_unit"], r["flags"]) for r in rows[:3]] == [
        ("idarubicin", dt.date(2026, 1, 5), 14.5, "mg", ""),
        (
            "vindesine",
            dt.date(2026, 1, 5),
            4.0,
            "mg",
            "cap-applied; route-label",
        ),  # vinca: FATAL IF GIVEN BY OTHER ROUTES
        ("dexamethasone", dt.date(2026, 1, 5), 16.4, "mg", ""),
    ]
    assert len(rows) == 23  # 1 + 1 + 7 dexamethasone + 7 + 7 blinatumomab (day-22 default arm: 2W)
    assert rows[-1][("rate_value")] == 28.0 and rows[-1]["rate_unit"] == "mcg/day"


def test_a_bare_number_under_a_unitless_column_is_refused_with_its_row():
    table = pa.table(
        {
            "id": ["A", "B", "C"],
            "height": ["170cm", "170", "170cm"],
            "weight_kg": ["70", "70", "70kg"],
            "start": ["2026-01-05"] * 3,
        }
    )
    chunk = Cohort(load_compiled("vicp"), "vicp", Options()).plan_chunk(table, Columns.of(table.column_names), 1)
    assert chunk.errors.to_pylist() == [
        {
            "row": 2,
            "patient_id": "B",
            "reason": "height '170' has no unit; write it with one, e.g. '170cm' or '170 in'",
        },
        {"row": 3, "patient_id": "C", "reason": "weight_kg '70kg' is not a number; the unit is in the column name"},
    ]
    assert set(chunk.administrations.column("patient_id").to_pylist()) == {"A"}


def test_a_missing_column_is_refused_before_any_row():
    with pytest.raises(RegimencalcError, match="no 'start' column"):
        Columns.of(["id", "height_cm", "weight_kg"])


def test_a_corrupt_or_foreign_cache_entry_is_rebuilt_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv("REGIMENCALC_CACHE_DIR", str(tmp_path))
    first = load_compiled("vicp")
    entries = list((cache_dir() / "compiled").glob("*.json"))
    assert len(entries) == 1
    for entry in entries:
        entry.write_text("{not json", encoding="utf-8")
    assert load_compiled("vicp") == first
    for entry in (cache_dir() / "compiled").glob("*.json"):
        header, content = entry.read_text(encoding="utf-8").split("\n", 1)
        document = json.loads(header)
        document["key"] = "another"
        entry.write_text(f"{json.dumps(document)}\n{content}", encoding="utf-8")
    assert load_compiled("vicp") == first


def test_a_cache_hit_imports_neither_pint_nor_ruamel_nor_pydantic(tmp_path):
    code = (
        "import sys\n"
        "from regimencalc.batch.cache import load_compiled\n"
        "load_compiled('rdc-blinatumomab')\n"
        "print(sorted(m for m in ('pint', 'pydantic', 'ruamel.yaml') if m in sys.modules))"
    )
    cold, warm = cold_then_warm(code, tmp_path)
    assert cold.stdout.strip() == "['pint', 'pydantic', 'ruamel.yaml']"
    assert warm.stdout.strip() == "[]"


def test_batch_command_counts_one_patient_in_the_singular(tmp_path, run_cli):
    patients = tmp_path / "patients.csv"
    patients.write_text("id,height_cm,weight_kg,start,age\nA,170,70,2026-01-05,40\n", encoding="utf-8")
    out = tmp_path / "doses.csv"
    code, _, err = run_cli("batch", "rdc-blinatumomab", "--patients", str(patients), "-o", str(out))
    assert code == 0
    assert err.startswith(f"regimencalc: 1 patient, 23 administrations to {out}; 0 rows refused (")


def test_batch_command_writes_rows_and_refused_rows(tmp_path, run_cli):
    patients = tmp_path / "patients.csv"
    patients.write_text(
        "id,height_cm,weight_kg,start,age\nA,170,70,2026-01-05,40\nB,170,700,2026-01-05,40\n", encoding="utf-8"
    )
    out = tmp_path / "doses.csv"
    code, _, err = run_cli("batch", "rdc-blinatumomab", "--patients", str(patients), "-o", str(out))
    assert code == 1
    assert "2 patients, 23 administrations" in err and "1 row refused" in err
    rows = pacsv.read_csv(out).to_pylist()
    assert len(rows) == 23 and {r["patient_id"] for r in rows} == {"A"}
    refused = pacsv.read_csv(tmp_path / "doses.csv.errors.csv").to_pylist()
    assert refused == [
        {
            "row": 2,
            "patient_id": "B",
            "reason": "weight '700kg' is impossible (outside 0.3-600 kg); check the value and its unit",
        }
    ]


def test_parquet_in_jsonl_out_and_rows_numbered_across_chunks(tmp_path, run_cli, monkeypatch):
    import pyarrow.parquet as pq

    from regimencalc.batch import tables

    monkeypatch.setattr(tables, "CHUNK_ROWS", 2)
    patients = tmp_path / "patients.parquet"
    pq.write_table(
        pa.table(
            {
                "id": ["A", "B", "C", "D", "E"],
                "height_cm": [170.0, 150.0, 170.0, 190.0, 170.0],
                "weight_kg": [70.0, 40.0, 70.0, 110.0, 700.0],
                "start": [dt.date(2026, 1, 5)] * 5,
            }
        ),
        patients,
    )
    out = tmp_path / "doses.jsonl"
    code, _, err = run_cli("batch", "vicp", "--patients", str(patients), "-o", str(out))
    assert code == 1 and "5 patients, 60 administrations" in err  # 15 VICP administrations × 4 patients
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["patient_id"] for line in lines[::15]] == ["A", "B", "C", "D"]
    assert lines[0]["date"] == "2026-01-05"
    refused = pacsv.read_csv(tmp_path / "doses.jsonl.errors.csv").to_pylist()
    assert [(r["row"], r["patient_id"]) for r in refused] == [(5, "E")]  # the 5th row, in the third chunk


def test_a_spreadsheet_csv_with_a_byte_order_mark_and_capitalised_headers_is_read(tmp_path, run_cli):
    patients = tmp_path / "patients.csv"
    patients.write_bytes(b"\xef\xbb\xbfID,Height_cm,Weight_KG,Start\r\nA, 170 ,70,2026-01-05\r\n")
    code, _, err = run_cli("batch", "vicp", "--patients", str(patients), "-o", str(tmp_path / "out.csv"))
    assert code == 0, err
    assert {r["patient_id"] for r in pacsv.read_csv(tmp_path / "out.csv").to_pylist()} == {"A"}


def test_a_warm_schedule_reads_the_validated_regimen_without_ruamel_and_prints_the_same_bytes(tmp_path):
    code = (
        "import sys\n"
        "from regimencalc.cli import main\n"
        "try:\n    main(['schedule', 'rdc-blinatumomab', '--height', '170cm', '--weight', '70kg', '--start', '2026-01-05',"
        " '--format', 'json'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('ruamel.yaml',) if m in sys.modules), file=sys.stderr)"
    )
    cold, warm = cold_then_warm(code, tmp_path)
    assert cold.stderr.strip() == "['ruamel.yaml']" and warm.stderr.strip() == "[]"
    assert warm.stdout == cold.stdout and '"regimencalc.course"' in warm.stdout


@settings(max_examples=10, deadline=None)
@given(rows=st.lists(patients, min_size=1, max_size=8), overdosed=st.integers(0, 1000))
def test_an_audit_of_the_plans_own_orders_finds_only_the_overdose_put_in(rows: list[dict[str, object]], overdosed: int):
    from regimencalc.batch.audit import Audit, OrderColumns

    table = _table(rows)
    chunk = Cohort(load_compiled("rdc-blinatumomab"), "rdc-blinatumomab", Options()).plan_chunk(
        table, Columns.of(table.column_names), 1
    )
    values = {r["id"]: r for r in table.to_pylist()}
    orders = [
        {
            "patient": a["patient_id"],
            "regimen": "rdc-blinatumomab",
            **{k: values[a["patient_id"]][k] for k in ("height_cm", "weight_kg", "start", "age", "response")},
            "cycle": str(a["cycle"]),
            "day": str(a["day"]),
            "drug": a["drug"],
            "dose": f"{a['dose_value']!r} {a['dose_unit']}",
        }
        for a in chunk.administrations.to_pylist()
    ]
    assume(orders)  # every patient refused: nothing to audit
    target = overdosed % len(orders)
    value, unit = orders[target]["dose"].split()
    orders[target]["dose"] = f"{float(value) * 1.07!r} {unit}"
    result = Audit().check(pa.Table.from_pylist(orders), OrderColumns.of(list(orders[0])), 1)
    flagged = [(r["row"], r["verdict"], r["deviation_percent"]) for r in result.to_pylist() if r["verdict"] != "ok"]
    assert flagged == [(target + 1, "overdose", 7.0)]
