"""Supportive and non-dosed lines of a drug file: what is given or done around the drug's doses.

A pharmacist checks an order as a whole: the premedication before an infusion, the admission for
its first days, the requirement met before the first dose, how the drug is given and labelled.
These lines are declared once per drug (drugs/<drug>.yaml, fields after `notes`) and planned for
every regimen that gives the drug. Premedication, supervision and requirements are tied to dose
**events** found in the planned doses, not to fixed days, so a re-planned restart brings its
premedication with it:

- `first-dose-of-course`: the drug's first delivered dose of the course;
- `first-dose-of-cycle`: its first delivered dose in each cycle;
- `step-dose`: a continuous-infusion day whose daily dose is higher than the day before;
- `restart`: a delivered infusion day after one or more days without infusion in the same cycle
  (held, omitted or interrupted days); the calendar has whole days, so any missing day counts as
  an interruption of 4 hours or more;
- `each-dose`: every delivered dose.

Validated like a regimen file; no I/O and no patient here.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from regimencalc.protocol import plain
from regimencalc.protocol.plain import DoseEvent
from regimencalc.protocol.regimen import Age, DoseSpec, Identifier, Route, SourceKey, StrictModel, Weight

AgentName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9 -]*[a-z0-9]$", description="Generic name, lower case")]


class EventLine(StrictModel, plain.EventLine):
    """Something given or done before dose events: a premedication, supervision, a requirement.

    `dose` absent means the label leaves the agent or the dose to the hospital: the line is planned
    with "per local protocol" and flagged unless the institutional profile chooses (`premedication`).
    """

    id: Identifier
    kind: Literal["premedication", "supervision", "requirement"]
    text: str = Field(description="What is given or done and when, e.g. '1 hour before the infusion starts'")
    before: list[DoseEvent] = Field(min_length=1)
    agent: AgentName | None = Field(None, description="The premedication's drug, when the label names it")
    route: Route | None = None
    dose: DoseSpec | None = None
    age: Age | None = Field(None, description="Only for patients of this age (needs --age)")
    cycles: list[Annotated[int, Field(ge=1)]] | None = Field(
        None, description="Only in these cycles of the course (default: every cycle)"
    )
    source: SourceKey


class Admission(StrictModel, plain.Admission):
    """A hospital admission (or supervision) for the first `days` days of the drug's `cycle`-th cycle,
    counted from the drug's first delivered dose in that cycle."""

    id: Identifier
    kind: Literal["admission", "supervision"] = "admission"
    cycle: int = Field(ge=1)
    days: int = Field(ge=1)
    text: str
    source: SourceKey


class AdministrationNote(StrictModel, plain.AdministrationNote):
    """How the drug is given or labelled: a route label, infusion duration, bag, daily dosing, a warning.

    With `weight` or `age` the note is shown only to patients who meet it (the 7-day bag under 22 kg).
    `on_every_dose` puts the note on every administration of the drug as a flag (route labels).
    """

    id: Identifier
    kind: Literal["route-label", "infusion", "bag", "daily-dosing", "warning"]
    text: str
    weight: Weight | None = None
    age: Age | None = None
    on_every_dose: bool = False
    source: SourceKey
