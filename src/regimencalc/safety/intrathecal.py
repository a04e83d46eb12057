"""The intrathecal safety checks of an institutional profile, each located at its field.

No vinca alkaloid may appear as an intrathecal agent or in an intrathecal administration text
(fatal: protocol/intrathecal.py), every intrathecal agent must be one with a MAX_INTRATHECAL_MG
limit, every intrathecal dose must be at or under it, and no premedication is given intrathecally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from regimencalc.protocol.intrathecal import (
    intrathecal_agent_problem,
    intrathecal_dose_problem,
    names_intrathecal_route,
    vinca_in,
)

if TYPE_CHECKING:
    from regimencalc.protocol.plain import Path
    from regimencalc.safety.institution import Institution


def intrathecal_problems(institution: Institution) -> list[tuple[Path, str]]:
    """Every intrathecal problem of the profile, with the path of the field to fix."""
    problems: list[tuple[Path, str]] = []
    for agent, entry in institution.intrathecal.items():
        refused = intrathecal_agent_problem(agent)
        if refused is not None:
            problems.append((("intrathecal", agent), refused))
            continue
        for i, band in enumerate(entry.doses):
            too_much = intrathecal_dose_problem(agent, band.dose)
            if too_much is not None:
                problems.append((("intrathecal", agent, "doses", i, "dose"), too_much))
    sources = [(("intrathecal", a, "source"), e.source) for a, e in institution.intrathecal.items()]
    sources += [(("intrathecal_agents", k, "source"), e.source) for k, e in institution.intrathecal_agents.items()]
    for path, text in sources:
        if vinca_in(text):
            problems.append(
                (
                    path,
                    f"'{text}' names a vinca alkaloid in an intrathecal section (fatal if given intrathecally); fix the text",
                )
            )
    for key, chosen in institution.intrathecal_agents.items():
        for i, agent in enumerate(chosen.agents):
            refused = intrathecal_agent_problem(agent)
            if refused is not None:
                problems.append((("intrathecal_agents", key, "agents", i), refused))
    for key, choice in institution.premedication.items():
        if choice.route == "IT":
            why = intrathecal_agent_problem(choice.agent) or "a premedication is not given intrathecally"
            problems.append((("premedication", key, "route"), f"{why}; give the premedication's route (IV, PO…)"))
    for drug, given in institution.administration.items():
        for field in ("duration", "daily"):
            text = getattr(given, field) or ""
            if names_intrathecal_route(text):
                vinca = vinca_in(drug)
                why = f"{drug} is a vinca alkaloid, fatal if given intrathecally; " if vinca else ""
                problems.append(
                    (
                        ("administration", drug, field),
                        f"'{text}' names an intrathecal route: {why}the route is the regimen's, and intrathecal "
                        "agents go in 'intrathecal'; write how it is given (e.g. 'once daily', '30 min')",
                    )
                )
    return problems


def refuse_lines_not_in(institution: Institution, regimen_id: str, lines: list[str]) -> None:
    """Refuse `intrathecal_agents` keyed to this regimen but to a line it does not have: a misspelt
    line id would otherwise be ignored and the line planned without the profile's agents."""
    from regimencalc.errors import RegimencalcError

    for key in institution.intrathecal_agents:
        owner, _, line = key.partition("/")
        if owner == regimen_id and line not in lines:
            have = f"its intrathecal lines are {', '.join(lines)}" if lines else "it has no intrathecal line"
            raise RegimencalcError(
                f"the institutional profile '{institution.name}': intrathecal_agents '{key}' names no line of "
                f"{regimen_id} ({have}); check the line id"
            )
