"""regimencalc: chemotherapy regimen dosing and scheduling with hand-checkable dose traces.

Data flows one way, and imports point down this list (tests/test_architecture.py keeps it so):

    cli                the one command: parse options, call the planner, pick a renderer
    render/            Course → table, CSV, JSON, HTML/PDF sheet, .ics (never computes a dose)
    planner            the one orchestrator: regimen + patient + start (+ observations) → Course
    replan/            observations, CTCAE, rules and what they change
    dosing/            one dose for one patient: BSA, dose and trace, dates, timing
    safety/            plausibility, cumulative and prior exposure, rounding profiles
    protocol/          the regimen file: schema, checks, loader, units, day sets, lab values
    flags, course      the output model (Course, Administration, flags) every layer writes into
    display, errors    how numbers are written; the errors raised on purpose

The public entry points are `load_regimen` (a regimen file, validated, as plain frozen objects) and `plan`
(a regimen, a patient and a start date to a dated `Course`). They are imported lazily so that
`import regimencalc` (and `regimencalc --help`) stays cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

TYPE_CHECKING = False  # typing is not imported at run time: `regimencalc --help` imports this package
if TYPE_CHECKING:
    from typing import Any

    from regimencalc.planner import plan
    from regimencalc.protocol.loader import load_regimen

__all__ = ["__version__", "load_regimen", "plan"]


def __getattr__(name: str) -> Any:
    if name == "load_regimen":
        from regimencalc.protocol.loader import load_regimen

        return load_regimen
    if name == "plan":
        from regimencalc.planner import plan

        return plan
    raise AttributeError(name)
