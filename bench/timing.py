"""How the bench scripts time things: one helper, so every ratio is measured the same way."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable


def median_ms(action: Callable[[], object], runs: int, warm: bool = True) -> float:
    """Median wall time of `action()` in ms over `runs` calls, after one call that loads what it
    needs (`warm`; off when every call must be a first one, as a fresh process is)."""
    if warm:
        action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def python_pass_ms(runs: int) -> float:
    """Median wall time of `python -c pass`: the baseline every ratio is taken to."""
    return median_ms(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), runs, warm=False)
