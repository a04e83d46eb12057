"""In-process planning: one warm plan and one patient read, with the regimen already loaded.

Run it from an environment where regimencalc is installed:  python bench/plan.py [runs]
Prints the median time of `plan_typed` for two bundled regimens (administrations per second) and
of reading a typed patient, beside `python -c pass` measured in the same run (pint's factors are
kept, so neither asks pint once warm: docs/dosing.md).
"""

from __future__ import annotations

import sys

from timing import median_ms, python_pass_ms

from regimencalc.dosing.patient import make_patient
from regimencalc.planner import plan_typed
from regimencalc.protocol.loader import load_regimen

PATIENT = ("170cm", "70kg", "2026-01-05")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    baseline = python_pass_ms(11)
    print(f"median of {runs} runs; python -c pass {baseline:.1f} ms")
    for name in ("rdc-blinatumomab", "blinatumomab"):
        regimen = load_regimen(name)
        count = len(plan_typed(regimen, *PATIENT).administrations)
        ms = median_ms(lambda regimen=regimen: plan_typed(regimen, *PATIENT), runs)
        print(
            f"plan {name:<18} {count:4} doses {ms:8.3f} ms  x{ms / baseline:5.2f}  {count / ms * 1000:10,.0f} doses/s"
        )
    ms = median_ms(lambda: make_patient("5 ft 7 in", "11 st 4 lb"), runs * 10)
    print(f"read patient '5 ft 7 in', '11 st 4 lb'  {ms * 1000:8.1f} µs")


if __name__ == "__main__":
    main()
