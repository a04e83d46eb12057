"""Start-up cost of the command line, as ratios to a bare `python -c pass` (median of N runs).

Run it from an environment where regimencalc is installed:  python bench/startup.py [runs]
It prints one line per command: median wall time in ms and the ratio to the baseline. Runs use a
warm cache (docs/batch.md: validated and compiled regimens, the kept `--help`) unless marked
"cold cache" (an empty cache folder each run). With the batch extra installed it adds `regimencalc batch` for one patient.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import timing


def command() -> list[str]:
    """The installed console script beside this interpreter, else `python -m regimencalc`."""
    script = Path(sys.executable).with_name("regimencalc")
    if script.exists():
        return [str(script)]
    found = shutil.which("regimencalc")
    return [found] if found else [sys.executable, "-m", "regimencalc"]


def schedule(cli: list[str], regimen: str) -> list[str]:
    """A JSON schedule of a bundled regimen for the README's sample patient."""
    return [
        *cli,
        "schedule",
        regimen,
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--start",
        "2026-01-05",
        "--format",
        "json",
    ]


def median_ms(args: list[str], runs: int, cold_cache: bool = False) -> float:
    """Median wall time; `cold_cache` gives every run an empty compiled-regimen cache."""
    environment = dict(os.environ)
    with tempfile.TemporaryDirectory() as folder:
        environment["REGIMENCALC_CACHE_DIR"] = str(Path(folder) / "warm")
        subprocess.run(args, check=True, capture_output=True, env=environment)  # warm the file and regimen caches
        fresh = iter(range(runs))

        def once() -> None:
            if cold_cache:
                environment["REGIMENCALC_CACHE_DIR"] = str(Path(folder) / f"cold-{next(fresh)}")
            subprocess.run(args, check=True, capture_output=True, env=environment)

        return timing.median_ms(once, runs, warm=False)


def batch_case(cli: list[str], folder: Path) -> list[str] | None:
    """`regimencalc batch` of one patient to Parquet (None without the batch extra)."""
    try:
        import numpy  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        return None
    patients = folder / "patients.csv"
    patients.write_text("id,height_cm,weight_kg,start,age\nA,170,70,2026-01-05,40\n", encoding="utf-8")
    return [
        *cli,
        "batch",
        "rdc-blinatumomab",
        "--patients",
        str(patients),
        "-o",
        str(folder / "out.parquet"),
        "--force",
    ]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    cli = command()
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "regimencalc --help": [*cli, "--help"],
        "regimencalc schedule --format json": schedule(cli, "rdc-blinatumomab"),
        "regimencalc schedule blinatumomab (9 cycles, 252 doses) --format json": schedule(cli, "blinatumomab"),
    }
    baseline = None
    print(f"median of {runs} runs, {' '.join(cli)}")
    with tempfile.TemporaryDirectory() as folder:
        batch = batch_case(cli, Path(folder))
        runs_of = [(label, args, False) for label, args in cases.items()]
        runs_of.insert(
            2, ("regimencalc schedule --format json, cold cache", cases["regimencalc schedule --format json"], True)
        )
        if batch is not None:
            runs_of += [("regimencalc batch, 1 patient, cold cache", batch, True)]
            runs_of += [("regimencalc batch, 1 patient, warm cache", batch, False)]
        for label, args, cold in runs_of:
            ms = median_ms(args, runs, cold)
            baseline = baseline or ms
            print(f"{label:<72} {ms:8.1f} ms   x{ms / baseline:5.2f}")


if __name__ == "__main__":
    main()
