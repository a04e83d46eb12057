"""regimencalc: chemotherapy regimen dosing and scheduling with hand-checkable dose traces.

The public entry points are `load_regimen` (a regimen file to a validated model) and `plan`
(a regimen, a patient and a start date to a dated `Course`). They are imported lazily so that
`import regimencalc` (and `regimencalc --help`) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from regimencalc.loader import load_regimen
    from regimencalc.planner import plan

__all__ = ["__version__", "load_regimen", "plan"]


def __getattr__(name: str) -> Any:
    if name == "load_regimen":
        from regimencalc.loader import load_regimen

        return load_regimen
    if name == "plan":
        from regimencalc.planner import plan

        return plan
    raise AttributeError(name)
