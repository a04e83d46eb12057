"""The errors regimencalc raises on purpose.

Every error the user can cause derives from `RegimencalcError`, so the CLI has one place that
turns them into a one-line message and an exit code. Each concrete error also subclasses the
builtin it refines (as pint does), so library callers can catch `ValueError` where that fits.
"""

from __future__ import annotations

from dataclasses import dataclass


class RegimencalcError(Exception):
    """Base of every error regimencalc raises deliberately; its str() is the user-facing line."""


class UnitInputError(RegimencalcError, ValueError):
    """A quantity that could not be read, or whose unit does not fit where it was used."""


class PatientInputError(RegimencalcError, ValueError):
    """A patient value that is missing, unreadable or implausible (a hard stop: no dose)."""


class PlanningError(RegimencalcError, ValueError):
    """The course cannot be planned as asked (e.g. a branch needs a response that was not given)."""


class ObservationError(RegimencalcError, ValueError):
    """An observation that cannot be used (unknown lab, missing unit or ULN, date before the start…)."""


class UnknownRegimenError(RegimencalcError, LookupError):
    """A regimen id that is neither bundled nor a readable file."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a regimen file, located as precisely as the file allows."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}:{self.column}: {where}{self.message}"


class InputFileError(RegimencalcError, ValueError):
    """An input file (regimen or observations) that is not valid YAML or not valid; holds every problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
