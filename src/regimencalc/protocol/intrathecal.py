"""What may be given intrathecally: vinca alkaloids never, other agents only with a bounded dose.

Vinca alkaloids given intrathecally are fatal; their labels say "FOR INTRAVENOUS USE ONLY - FATAL IF
GIVEN BY OTHER ROUTES" (drugs/vincristine.yaml, drugs/vindesine.yaml). No file may name one as an
intrathecal agent, and an intrathecal agent must be one with a MAX_INTRATHECAL_MG limit.
"""

from __future__ import annotations

import re

from regimencalc.protocol.limits import MAX_INTRATHECAL_MG
from regimencalc.protocol.units import DoseAmount, registry

#: The vinca alkaloids, by generic and brand name (lower case).
VINCA_ALKALOIDS = ("vincristine", "vinblastine", "vindesine", "vinorelbine", "oncovin", "eldisine", "navelbine")
#: Words that name the intrathecal route (or another route into the CSF) in free text.
_INTRATHECAL_WORDS = re.compile(r"(?i:intra[- ]?thecal|intra[- ]?ventricular|spinal|ommaya|\bcsf\b)|\bIT\b")


def vinca_in(text: str) -> str | None:
    """The vinca alkaloid a text names, if any ('vincristine sulfate' names vincristine)."""
    lowered = text.lower()
    return next((name for name in VINCA_ALKALOIDS if name in lowered), None)


def names_intrathecal_route(text: str) -> bool:
    """Whether free text names the intrathecal route (or another route into the CSF)."""
    return bool(_INTRATHECAL_WORDS.search(text))


def intrathecal_agent_problem(agent: str) -> str | None:
    """Why `agent` may not be given intrathecally, or None."""
    vinca = vinca_in(agent)
    if vinca is not None:
        return (
            f"'{agent}' is a vinca alkaloid ({vinca}): fatal if given intrathecally (label: for intravenous "
            "use only); remove it"
        )
    if agent not in MAX_INTRATHECAL_MG:
        known = ", ".join(sorted(MAX_INTRATHECAL_MG))
        return f"'{agent}' has no MAX_INTRATHECAL_MG limit (intrathecal agents: {known}); check the name"
    return None


def intrathecal_dose_problem(agent: str, dose: DoseAmount) -> str | None:
    """Why a flat intrathecal dose of `agent` is refused (above its MAX_INTRATHECAL_MG), or None."""
    limit = MAX_INTRATHECAL_MG[agent]
    try:
        mg = registry().Quantity(dose.value, dose.amount_unit).to("mg").magnitude
    except Exception:  # pint: cells or another amount that is no mass
        return f"'{dose.display()}' is not a mass; write the intrathecal dose in mg"
    if mg > limit:
        return (
            f"intrathecal {agent} {dose.display()} is above MAX_INTRATHECAL_MG['{agent}'] = {limit} mg per "
            "injection, an institutional safety limit (docs/limits.md); check the dose"
        )
    return None
