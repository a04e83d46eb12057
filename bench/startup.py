"""Start-up cost of the command line, as ratios to a bare `python -c pass` (median of N runs).

Run it from an environment where regimencalc is installed:  python bench/startup.py [runs]
It prints one line per command: median wall time in ms and the ratio to the baseline.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


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


def median_ms(args: list[str], runs: int) -> float:
    subprocess.run(args, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


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
    for label, args in cases.items():
        ms = median_ms(args, runs)
        baseline = baseline or ms
        print(f"{label:<72} {ms:8.1f} ms   x{ms / baseline:5.2f}")


if __name__ == "__main__":
    main()
