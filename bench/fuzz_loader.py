"""A longer fuzz run of the regimen loader: the test suite's mutation strategy with a bigger budget.

    python bench/fuzz_loader.py [examples]      (default 5000)

Prints how many mutated files were tried, how many loaded and how many were refused cleanly;
any other exception fails the run with hypothesis's minimal failing example.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from regimencalc.errors import InputFileError


def main() -> None:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    path = Path(__file__).resolve().parents[1] / "tests" / "test_loader_fuzz.py"
    spec = importlib.util.spec_from_file_location("loader_fuzz", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    counts: Counter[str] = Counter()
    parse = module.parse_regimen

    def counting(text: str, filename: str):  # noqa: ANN202 - same as parse_regimen
        counts["tried"] += 1
        try:
            regimen = parse(text, filename)
        except InputFileError:
            counts["refused cleanly"] += 1
            raise
        counts["loaded"] += 1
        return regimen

    module.parse_regimen = counting
    run = settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))(
        given(module.mutated())(module.load_or_fail_cleanly)
    )
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    print(
        f"{counts['tried']} mutated regimen files in {seconds:.1f} s: {counts['loaded']} loaded, "
        f"{counts['refused cleanly']} refused with located errors, 0 crashes"
    )


if __name__ == "__main__":
    main()
