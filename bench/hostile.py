"""CPU time and peak memory of the command line on pathological inputs, with ratios to `python -c pass`.

Run it from an environment where regimencalc is installed:  python bench/hostile.py
Each input is run once in its own process; its CPU seconds (user + system) and peak resident memory
come from os.wait4. The limits these inputs hit are in docs/limits.md; every one must be refused in
well under 1 s of CPU and 100 MB. The last rows are the largest inputs the limits still accept.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from startup import command

PATIENT = ["--height", "170cm", "--weight", "70kg", "--start", "2026-01-05", "--format", "json"]
HEADER = 'schema_version: 1\nid: h\nname: H\nversion: "1"\nindication: t\nsources: {s: {kind: seed, citation: c}}\n'
LINE = "{drug: vindesine, route: IV, days: '1-28', dose: {basis: bsa, amount: 3 mg/m2}, source: s}"


def phase(cycles: int, length: int, lines: int = 1) -> str:
    """One phase of `cycles` cycles, each with `lines` lines given on days 1-28."""
    body = ", ".join([LINE.replace("vindesine", f"drug{n}") for n in range(lines)])
    return f"phases:\n  - {{id: p, name: P, cycles: {cycles}, length_days: {length}, source: s, lines: [{body}]}}\n"


def laughs(levels: int, width: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


def rounding(vials: int) -> str:
    sizes = ", ".join(f"{size} mg" for size in range(97, 97 - 2 * vials, -2))
    return f"schema_version: 1\nname: r\nsource: s\nmax_percent: 10\ndrugs:\n  cyclophosphamide: {{vials: [{sizes}]}}\n"


def cases(folder: Path, cli: list[str]) -> dict[str, list[str]]:
    def file(name: str, text: str) -> str:
        path = folder / name
        path.write_text(text)
        return str(path)

    def schedule(regimen: str, *extra: str) -> list[str]:
        return [*cli, "schedule", regimen, *PATIENT, *extra]

    comments = folder / "comments.yaml"
    with comments.open("w") as stream:
        for _ in range(50 * 1024):
            stream.write("# " + "x" * 1021 + "\n")
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "regimencalc --help": [*cli, "--help"],
        "schedule vicp (baseline)": schedule("vicp"),
        "billion laughs, 9 levels (370 bytes)": [*cli, "validate", file("laughs.yaml", laughs(9, 10))],
        "10,000 nested lists": [*cli, "validate", file("nested.yaml", "a: " + "[" * 10_000 + "]" * 10_000 + "\n")],
        "250 KB of '['": [*cli, "validate", file("brackets.yaml", "a: " + "[" * 250_000 + "\n")],
        "10,000 nested mappings": [*cli, "validate", file("maps.yaml", "a: " + "{b: " * 10_000 + "1" + "}" * 10_000)],
        "50 MB of comments": [*cli, "validate", str(comments)],
        "--observations /dev/zero": schedule("vicp", "--observations", "/dev/zero"),
        "10,000-cycle regimen": schedule(file("cycles.yaml", HEADER + phase(10_000, 28))),
        "3,000,000-day cycle": schedule(file("long.yaml", HEADER + phase(1, 3_000_000))),
        "400-digit length_days": [
            *cli,
            "validate",
            file("digits.yaml", HEADER + phase(1, 28).replace("28", "9" * 400)),
        ],
        "start 9999-12-31": [*cli, "schedule", "vicp", *PATIENT[:4], "--start", "9999-12-31"],
        "25 vial sizes": schedule("vicp", "--rounding", file("vials25.yaml", rounding(25))),
        "20,000-item list (file under 256 KB)": [
            *cli,
            "validate",
            file("items.yaml", "a: [" + ", ".join(["1"] * 20_000) + "]\n"),
        ],
        "near the limit: 5,999 values": [
            *cli,
            "validate",
            file("values.yaml", "a: [" + ", ".join(["1"] * 5_997) + "]\n"),
        ],
        "taper of 6,000 steps": [
            *cli,
            "validate",
            file(
                "taper.yaml",
                HEADER
                + phase(1, 28).replace(
                    "source: s}]",
                    "source: s, taper: {start_day: 2, step_days: 365, amounts: ["
                    + ", ".join(["1 mg"] * 5_900)
                    + "]}}]",
                ),
            ),
        ],
        "accepted: 250 KB of comments + vicp": schedule(
            file(
                "big.yaml",
                ("# " + "x" * 1021 + "\n") * 250
                + (Path(__file__).parents[1] / "src/regimencalc/regimens/vicp.yaml").read_text(),
            )
        ),
        "100 cycles x 28 days x 4 lines (11,200 doses)": schedule(file("many.yaml", HEADER + phase(100, 28, 4))),
        "accepted: 3,000 doses, JSON": schedule(file("max.yaml", HEADER + phase(100, 30).replace("1-28", "1-30"))),
        "accepted: 3,000 doses, table": schedule(str(folder / "max.yaml"))[:-2],
        "accepted: 3,000 doses, ics": [*cli, "ics", str(folder / "max.yaml"), *PATIENT[:-2]],
        "accepted: 3,000 doses, sheet": [*cli, "sheet", str(folder / "max.yaml"), *PATIENT[:-2]],
        "accepted: 6 vial sizes": schedule("vicp", "--rounding", file("vials6.yaml", rounding(6))),
    }


def measure(args: list[str]) -> tuple[int, float, float]:
    """(exit code, CPU seconds, peak resident MB) of one run."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 1024 / 1024
    return process.returncode, usage.ru_utime + usage.ru_stime, peak_mb


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        runs = cases(Path(name), command())
        results = {label: measure(args) for label, args in runs.items()}
    _, base_cpu, base_mb = results["python -c pass"]
    print(f"{'input':<45} {'exit':>4} {'CPU s':>7} {'× pass':>7} {'peak MB':>8} {'× pass':>7}")
    for label, (code, cpu, mb) in results.items():
        print(f"{label:<45} {code:>4} {cpu:>7.3f} {cpu / base_cpu:>7.1f} {mb:>8.1f} {mb / base_mb:>7.1f}")


if __name__ == "__main__":
    main()
