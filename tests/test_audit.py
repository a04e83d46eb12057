"""regimencalc audit: orders generated from the plan pass; a 7 % overdose is reported on its row only."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from regimencalc.batch.audit import Audit, OrderColumns
from regimencalc.batch.cache import load_compiled
from regimencalc.batch.cohort import Cohort, Columns, Options
from regimencalc.errors import RegimencalcError

PATIENTS = {"P1": ("170", "70", "2026-01-05", "40"), "P2": ("150", "40", "2026-02-02", "30")}


def _planned_orders() -> list[dict[str, object]]:
    """Orders exactly as planned for two RDC patients (23 administrations each)."""
    table = pa.table(
        {
            "id": list(PATIENTS),
            "height_cm": [v[0] for v in PATIENTS.values()],
            "weight_kg": [v[1] for v in PATIENTS.values()],
            "start": [v[2] for v in PATIENTS.values()],
            "age": [v[3] for v in PATIENTS.values()],
        }
    )
    chunk = Cohort(load_compiled("rdc-blinatumomab"), "rdc-blinatumomab", Options()).plan_chunk(
        table, Columns.of(table.column_names), 1
    )
    return [
        {
            "patient": a["patient_id"],
            "regimen": "rdc-blinatumomab",
            "height_cm": PATIENTS[a["patient_id"]][0],
            "weight_kg": PATIENTS[a["patient_id"]][1],
            "start": PATIENTS[a["patient_id"]][2],
            "age": PATIENTS[a["patient_id"]][3],
            "cycle": str(a["cycle"]),
            "day": str(a["day"]),
            "drug": a["drug"],
            "dose": f"{a['dose_value']:g} {a['dose_unit']}",
        }
        for a in chunk.administrations.to_pylist()
    ]


def _audit(orders: list[dict[str, object]], tolerance: float = 5.0) -> tuple[Audit, list[dict[str, object]]]:
    table = pa.Table.from_pylist(orders)
    audit = Audit(tolerance)
    result = audit.check(table, OrderColumns.of(table.column_names), 1)
    return audit, result.to_pylist()


def test_orders_generated_from_the_plan_have_no_deviation_and_full_dose_intensity():
    orders = _planned_orders()
    audit, rows = _audit(orders)
    assert len(rows) == 46 and dict(audit.verdicts) == {"ok": 46}
    assert {r["deviation_percent"] for r in rows} == {0.0}
    assert {r["relative_dose_intensity"] for r in audit.intensity().to_pylist()} == {1.0}


def test_a_7_percent_overdose_is_reported_on_its_row_and_nowhere_else():
    orders = _planned_orders()
    # row 3 is P1's dexamethasone on day 1: 9 mg/m² × 1.81812 m² = 16.36 → 16.4 mg; ordered 16.4 × 1.07 = 17.548 mg
    assert (orders[2]["drug"], orders[2]["dose"]) == ("dexamethasone", "16.4 mg")
    orders[2]["dose"] = "17.548 mg"
    audit, rows = _audit(orders)
    flagged = [r for r in rows if r["verdict"] != "ok"]
    assert [(r["row"], r["verdict"], r["deviation_percent"], r["tolerance_percent"]) for r in flagged] == [
        (3, "overdose", 7.0, 5.0)
    ]
    assert dict(audit.verdicts) == {"ok": 45, "overdose": 1}


def test_units_are_converted_and_a_missing_dose_lowers_the_dose_intensity():
    orders = _planned_orders()
    assert orders[0]["dose"] == "14.5 mg"  # P1 idarubicin: 8 mg/m² × 1.81812 m² = 14.545 → 14.5 mg
    orders[0]["dose"] = "0.0145 g"
    dexamethasone = [o for o in orders if o["patient"] == "P1" and o["drug"] == "dexamethasone"]
    assert len(dexamethasone) == 7
    orders.remove(dexamethasone[-1])
    audit, rows = _audit(orders)
    assert rows[0]["verdict"] == "ok" and rows[0]["ordered_value"] == pytest.approx(14.5)
    rdi = {(r["patient"], r["drug"]): r["relative_dose_intensity"] for r in audit.intensity().to_pylist()}
    # 6 of 7 doses of 16.4 mg over the same 21 days (days 1-21 planned, first to last order): 6/7 = 0.8571
    assert rdi[("P1", "dexamethasone")] == 0.8571
    assert rdi[("P1", "idarubicin")] == 1.0


def test_orders_the_protocol_does_not_hold_and_refused_patients_are_reported_with_the_reason():
    orders = _planned_orders()[:2]
    orders[0] = {**orders[0], "day": "2"}
    orders.append({**orders[1], "patient": "P3", "weight_kg": "700"})
    orders.append({**orders[1], "dose": "four mg"})
    _, rows = _audit(orders)
    assert [(r["verdict"], r["reason"]) for r in rows] == [
        ("not in protocol", ""),
        ("ok", ""),
        ("patient refused", "weight '700kg' is impossible (outside 0.3-600 kg); check the value and its unit"),
        ("unreadable dose", "the dose is not a number followed by its unit (e.g. 14.5 mg)"),
    ]


def test_audit_command_prints_the_summary_and_writes_the_result(tmp_path, run_cli):
    orders = _planned_orders()
    orders[2]["dose"] = "17.548 mg"
    path = tmp_path / "orders.csv"
    pacsv.write_csv(pa.Table.from_pylist(orders), path)
    out = tmp_path / "audit.csv"
    code, stdout, _ = run_cli("audit", str(path), "-o", str(out))
    assert code == 0
    assert "audit of 46 orders, tolerance ±5 % (default)" in stdout
    assert "row 3: P1 dexamethasone c1 d1: ordered 17.548 mg, expected 16.4 mg: +7.0 % overdose" in stdout
    assert len(pacsv.read_csv(out).to_pylist()) == 46
    assert (tmp_path / "audit.csv.rdi.csv").is_file()
    code, stdout, _ = run_cli("audit", str(path), "--tolerance", "8")
    assert "tolerance ±8 % (--tolerance)" in stdout and "overdose" not in stdout


def test_the_institutional_profile_sets_the_tolerance(tmp_path, run_cli):
    orders = _planned_orders()
    orders[2]["dose"] = "17.056 mg"  # 16.4 × 1.04: inside ±5 %, outside the profile's ±3 %
    path = tmp_path / "orders.csv"
    pacsv.write_csv(pa.Table.from_pylist(orders), path)
    profile = tmp_path / "local.yaml"
    profile.write_text(
        "schema_version: 1\nname: Test hospital\nsource: local policy 12\n"
        "audit_tolerance: {percent: 3, source: pharmacy SOP 7}\n",
        encoding="utf-8",
    )
    code, stdout, _ = run_cli("audit", str(path), "--institution", str(profile))
    assert code == 0
    assert "tolerance ±3 % (Test hospital: pharmacy SOP 7)" in stdout
    assert "+4.0 % overdose" in stdout


def test_orders_by_date_with_the_dose_unit_in_the_column_name_and_an_unknown_regimen():
    planned = _planned_orders()
    orders = [
        {
            "patient": o["patient"],
            "regimen": o["regimen"],
            "height": f"{o['height_cm']} cm",
            "weight": f"{o['weight_kg']} kg",
            "start": o["start"],
            "date": "2026-01-05",
            "drug": "idarubicin",
            "dose_mg": "14.5",
        }
        for o in planned[:1]
    ]
    orders.append({**orders[0], "regimen": "no-such-regimen"})
    _, rows = _audit(orders)
    assert rows[0]["verdict"] == "ok" and rows[0]["ordered_unit"] == "mg" and rows[0]["cycle"] == 1
    assert rows[1]["verdict"] == "patient refused"
    assert rows[1]["reason"].startswith("no regimen 'no-such-regimen': not a bundled id")


def test_a_delay_lowers_the_dose_intensity_by_the_days_it_adds():
    orders = [{**o, "date": "2026-01-05"} for o in _planned_orders() if o["patient"] == "P1"]
    # P1 starts 2026-01-05; the last planned dose is day 21 (2026-01-25): P = 21 days. Given 7 days late
    # from day 8 on, the last order is 2026-02-01: D = 28 days, every dose given: RDI = 21/28 = 0.75.
    for order in orders:
        day = int(order["day"])
        order["date"] = (dt.date(2026, 1, 5) + dt.timedelta(days=day - 1 + (7 if day >= 8 else 0))).isoformat()
    audit, rows = _audit(orders)
    assert {r["verdict"] for r in rows} == {"ok"}
    rdi = {
        r["drug"]: (r["planned_days"], r["delivered_days"], r["relative_dose_intensity"])
        for r in audit.intensity().to_pylist()
    }
    assert rdi["blinatumomab"] == (21, 28, 0.75)
    assert rdi["idarubicin"] == (21, 28, 0.75)


def test_an_orders_file_without_the_patients_start_is_refused_before_any_row():
    with pytest.raises(RegimencalcError, match="^orders file: no 'start' column"):
        OrderColumns.of(["patient", "regimen", "height_cm", "weight_kg", "cycle", "day", "drug", "dose"])
