"""Shared test helpers: the patients the hand-computed expectations were worked out for.

BSA values are Mosteller, √(H × W / 3600), computed by hand (calculator), not by the program:
  adult       170 cm,  70 kg → 1.81812 m²
  small adult 150 cm,  40 kg → 1.29099 m²
  large adult 190 cm, 110 kg → 2.40947 m² (above the vindesine cap: 3 × 2.409 = 7.23 mg)
  child       120 cm,  22 kg → 0.85635 m² (under 45 kg: blinatumomab per m²)
  infant       85 cm,  12 kg → 0.53229 m²
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from regimencalc.course import Administration, Course
from regimencalc.dosing.patient import make_patient
from regimencalc.planner import plan
from regimencalc.protocol.loader import load_regimen

PATIENTS = {
    "adult": ("170cm", "70kg"),
    "small": ("150cm", "40kg"),
    "large": ("190cm", "110kg"),
    "child": ("120cm", "22kg"),
    "infant": ("85cm", "12kg"),
}
START = dt.date(2026, 1, 5)


def course_for(regimen_id: str, who: str, **options: object) -> Course:
    """Plan a bundled regimen for one of the reference patients from 2026-01-05."""
    height, weight = PATIENTS[who]
    age = options.pop("age", None)
    return plan(load_regimen(regimen_id), make_patient(height, weight, age), START, **options)  # type: ignore[arg-type]


def cold_then_warm(code: str, cache: Path) -> tuple[subprocess.CompletedProcess[str], ...]:
    """Run Python `code` in two fresh interpreters one after the other, sharing the empty cache
    folder `cache`: the first starts cold, the second finds what the first kept."""
    env = {"REGIMENCALC_CACHE_DIR": str(cache), "PATH": ""}
    return tuple(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        for _ in range(2)
    )


def doses(course: Course, drug: str) -> list[Administration]:
    """The administrations of one drug, in date order."""
    return [a for a in course.administrations if a.drug == drug]


@pytest.fixture
def run_cli():
    """Run the click command in-process; returns (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from regimencalc.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(main, list(args))
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Compiled regimens go to a folder of the test run, never the user's cache (CI starts cold)."""
    monkeypatch.setenv("REGIMENCALC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
