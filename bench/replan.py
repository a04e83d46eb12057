"""Cost of re-planning: median in-process time of `plan` with the label rules in force, as ratios to a
bare `python -c pass` (median of N runs).

Run it from an environment where regimencalc is installed:  python bench/replan.py [runs]
It prints one line per case: median ms and the ratio to the baseline.
"""

from __future__ import annotations

import datetime as dt
import sys

from timing import median_ms, python_pass_ms

from regimencalc.dosing.patient import make_patient
from regimencalc.planner import plan
from regimencalc.protocol.loader import load_regimen, parse_document
from regimencalc.replan.observations import Observations

LONG_CRS = """schema_version: 1
entries:
  - {cycle: 1, day: 10, toxicities: {crs: 3}}
  - {cycle: 1, day: 19, toxicities: {crs: 0}}
"""
CASES = [
    ("blinatumomab, 9 cycles, no observations", "blinatumomab", None, "CR"),
    ("blinatumomab, 9 cycles, CRS grade 3 for 9 days (new cycle)", "blinatumomab", LONG_CRS, "CR"),
    ("blinatumomab, --response NR (cycles 3-9 stopped)", "blinatumomab", None, "NR"),
    ("inotuzumab ozogamicin, 6 cycles", "inotuzumab-ozogamicin", None, "CR"),
    ("rdc-blinatumomab, CRS grade 3 for 9 days", "rdc-blinatumomab", LONG_CRS, "CR"),
]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 11
    baseline = python_pass_ms(runs)
    print(f"python -c pass: {baseline:.1f} ms")
    patient = make_patient("170cm", "70kg")
    for name, regimen_id, observations, response in CASES:
        regimen = load_regimen(regimen_id)
        observed = parse_document(observations, "bench.yaml", Observations) if observations else None

        def once(regimen=regimen, observed=observed, response=response) -> None:
            plan(regimen, patient, dt.date(2026, 3, 2), response=response, observations=observed)

        took = median_ms(once, runs)
        print(f"{name}: {took:.1f} ms ({took / baseline:.2f} × python -c pass)")


if __name__ == "__main__":
    main()
