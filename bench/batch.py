"""Cohort dosing throughput: compiled, column-wise doses in-process, and `regimencalc batch` end to end.

Run it from an environment with regimencalc[batch] installed:  python bench/batch.py [patients]

Prints, with `python -c pass` measured in the same run as the baseline:
- in-process compute: dose lines per second for N RDC-blinatumomab patients (≈ 23 lines each),
  from a patients table in memory to the administrations table (checks, BSA, doses, dates, flags);
- the peers' workload: N patients × 5 lines (the first five administrations of VICP's cycle 1
  day 1 are 5 lines; here a 5-line slice of the same compiled path), beside the peers' 0.30 s / 1.3 s / 13 s;
- end-to-end wall time and peak memory (max RSS) of `regimencalc batch` writing Parquet and CSV;
- `regimencalc audit` of the orders the plan gives (every administration of every patient), end to end.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from regimencalc.batch.cache import load_compiled
from regimencalc.batch.cohort import Cohort, Columns, Options
from regimencalc.batch.compiled import CompiledRegimen, Schedule


def patients_table(count: int, seed: int = 13) -> pa.Table:
    """Plausible adults (BMI 18-35), starts over a year, ages 15-65 (the RDC eligibility)."""
    rng = random.Random(seed)
    heights = [round(rng.uniform(150, 195), 1) for _ in range(count)]
    weights = [round(rng.uniform(18.5, 35) * (h / 100) ** 2, 1) for h in heights]
    return pa.table(
        {
            "id": [f"P{i:06d}" for i in range(count)],
            "height_cm": [str(h) for h in heights],
            "weight_kg": [str(w) for w in weights],
            "start": [f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for _ in range(count)],
            "age": [str(rng.randint(15, 65)) for _ in range(count)],
        }
    )


def five_lines(compiled: CompiledRegimen) -> CompiledRegimen:
    """The same regimen cut to its first five slots: the peers' 5 dose lines per patient."""
    s = compiled.schedules[""]
    cut = Schedule(None, s.line[:5], s.ids[:5], s.cycle[:5], s.day[:5], s.offset[:5], s.extra_flags[:5])
    return CompiledRegimen(**{**compiled.__dict__, "schedules": {"": cut}})


def compute(compiled: CompiledRegimen, table: pa.Table) -> tuple[float, int]:
    cohort = Cohort(compiled, compiled.id, Options())
    columns = Columns.of(table.column_names)
    start = time.perf_counter()
    lines = 0
    for batch in table.to_batches(max_chunksize=20_000):
        chunk = cohort.plan_chunk(batch, columns, 1)
        lines += chunk.administrations.num_rows
    return time.perf_counter() - start, lines


def wall(args: list[str]) -> tuple[float, float]:
    """Wall seconds and the command's peak RSS in MB, measured by a small wrapper process (a child
    forked from this large process would count this process's pages as its own until it execs)."""
    wrapper = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", wrapper, *args], check=True, capture_output=True, text=True)
    return time.perf_counter() - start, int(result.stdout.split()[-1]) / 1024


def _seconds(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    baseline = min(_seconds([sys.executable, "-c", "pass"]) for _ in range(5))
    print(f"python -c pass: {baseline * 1000:.1f} ms")
    compiled = load_compiled("rdc-blinatumomab")
    table = patients_table(count)
    seconds, lines = compute(compiled, table)
    print(
        f"compute, {count:,} RDC patients: {lines:,} dose lines in {seconds:.2f} s = {lines / seconds / 1e6:.2f} M lines/s"
    )
    seconds, lines = compute(five_lines(compiled), table)
    print(
        f"peers' workload, {count:,} patients x 5 lines: {seconds:.2f} s "
        f"({lines:,} lines; peers 0.30 s JavaScript, 1.3 s R, 13 s)"
    )
    script = Path(sys.executable).with_name("regimencalc")
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "regimencalc"]
    with tempfile.TemporaryDirectory() as folder:
        patients = Path(folder) / "patients.csv"
        pacsv.write_csv(table, patients)
        os.environ.setdefault("REGIMENCALC_CACHE_DIR", str(Path(folder) / "cache"))
        for suffix in ("parquet", "csv"):
            out = Path(folder) / f"doses.{suffix}"
            seconds, peak = wall([*cli, "batch", "rdc-blinatumomab", "--patients", str(patients), "-o", str(out)])
            size = out.stat().st_size / 1e6
            print(
                f"regimencalc batch -> {suffix}: {seconds:.2f} s wall (x{seconds / baseline:.0f} python -c pass), "
                f"peak RSS {peak:.0f} MB, {size:.0f} MB written"
            )
        orders = Path(folder) / "orders.parquet"
        pq.write_table(
            orders_table(table, pq.read_table(Path(folder) / "doses.parquet")), orders, row_group_size=100_000
        )
        seconds, peak = wall([*cli, "audit", str(orders), "-o", str(Path(folder) / "audit.parquet")])
        lines = pq.ParquetFile(orders).metadata.num_rows
        print(
            f"regimencalc audit, {lines:,} orders -> parquet: {seconds:.2f} s wall = {lines / seconds / 1e6:.2f} M orders/s "
            f"end to end, peak RSS {peak:.0f} MB"
        )


def orders_table(patients: pa.Table, planned: pa.Table) -> pa.Table:
    """Every planned administration as an order, with the patient's values (a pharmacy export)."""
    planned = planned.select(["patient_id", "cycle", "day", "drug", "dose_value", "dose_unit"])
    joined = (
        planned.set_column(0, "patient_id", planned.column("patient_id").cast(pa.string()))
        .join(patients.rename_columns(["patient_id", *patients.column_names[1:]]), "patient_id")
        .sort_by([("patient_id", "ascending"), ("cycle", "ascending"), ("day", "ascending")])
    )
    dose = pc.binary_join_element_wise(
        pc.cast(joined.column("dose_value"), pa.string()), joined.column("dose_unit").cast(pa.string()), " "
    )
    return pa.table(
        {
            "patient": joined.column("patient_id").cast(pa.string()),
            "regimen": pa.array(["rdc-blinatumomab"] * joined.num_rows),
            "height_cm": joined.column("height_cm"),
            "weight_kg": joined.column("weight_kg"),
            "start": joined.column("start"),
            "age": joined.column("age"),
            "cycle": joined.column("cycle"),
            "day": joined.column("day"),
            "drug": joined.column("drug").cast(pa.string()),
            "dose": dose,
        }
    )


if __name__ == "__main__":
    main()
