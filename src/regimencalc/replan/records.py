"""What was actually given: observation records applied to the planned administrations.

A record of a planned dose marks it given (with the amount, when it differs: flagged); a dose
recorded as not given is marked omitted; a dose given outside the plan (seed 000's extra 10 mg
"as consolidation") is added, flagged, so the course shows what the patient received.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from regimencalc.course import Administration, Amount, Cycle, TraceStep
from regimencalc.display import unit_symbol
from regimencalc.errors import ObservationError, UnitInputError
from regimencalc.flags import FlagBook
from regimencalc.protocol.plain import Regimen
from regimencalc.protocol.units import import_pint, parse_quantity
from regimencalc.replan.history import DatedEntry, History


def apply_records(
    regimen: Regimen, administrations: list[Administration], cycles: list[Cycle], history: History, book: FlagBook
) -> list[Administration]:
    """The administrations with every given / not-given record of `history` applied."""
    result = list(administrations)
    routes: dict[str, str] = {line.drug: line.route for line in regimen.all_lines()}
    for dated in history.records():
        for given in dated.entry.given:
            index = _find(result, given.drug, dated.date)
            if index is None:
                result.append(_unplanned(regimen, routes, cycles, dated, given.drug, given.dose, book))
                continue
            planned = result[index]
            amount = _amount(given.dose, planned.dose.unit, dated) if given.dose else planned.dose
            flags = planned.flags
            if (amount.value, amount.unit) != (planned.dose.value, planned.dose.unit):
                text = f"{planned.drug} on {dated.date.isoformat()}: {amount.text()} given, {planned.dose.text()} planned ({dated.id})"
                flags += (book.add("given-differs", text, None),)
            because = tuple(dict.fromkeys((*planned.because, dated.id)))
            result[index] = replace(planned, status="given", given=amount, flags=flags, because=because)
        for drug in dated.entry.not_given:
            index = _find(result, drug, dated.date)
            if index is None:
                raise ObservationError(
                    f"observation {dated.id}: {drug} is not planned on {dated.date.isoformat()}, so it cannot be recorded as not given"
                )
            planned = result[index]
            because = tuple(dict.fromkeys((*planned.because, dated.id)))
            result[index] = replace(planned, status="omitted", because=because)
    return result


def _find(administrations: list[Administration], drug: str, date: dt.date) -> int | None:
    return next((i for i, a in enumerate(administrations) if a.drug == drug and a.date == date), None)


def _amount(text: str, unit: str | None, dated: DatedEntry) -> Amount:
    """A recorded amount, in `unit` when given ('0.01 g' becomes 10 mg), else in its own unit."""
    pint = import_pint()

    try:
        quantity = parse_quantity(text)
        if unit is not None:
            quantity = quantity.to(unit)
    except UnitInputError as exc:
        raise ObservationError(f"observation {dated.id}: dose {exc}") from None
    except pint.errors.DimensionalityError:
        raise ObservationError(f"observation {dated.id}: dose '{text}' is not an amount in {unit}") from None
    return Amount(value=float(quantity.magnitude), unit=unit or unit_symbol(str(quantity.units)))


def _unplanned(
    regimen: Regimen,
    routes: dict[str, str],
    cycles: list[Cycle],
    dated: DatedEntry,
    drug: str,
    dose: str | None,
    book: FlagBook,
) -> Administration:
    if drug not in routes:
        raise ObservationError(f"observation {dated.id}: {drug} is not part of regimen '{regimen.id}'")
    if dose is None:
        raise ObservationError(
            f"observation {dated.id}: {drug} is not planned on {dated.date.isoformat()}; record the dose given, e.g. 'dose: 10 mg'"
        )
    cycle = next((c for c in reversed(cycles) if c.start_date <= dated.date), cycles[0])
    day = (dated.date - cycle.start_date).days + 1
    amount = _amount(dose, None, dated)
    text = f"{drug} {amount.text()} on {dated.date.isoformat()} was given outside the plan ({dated.id})"
    return Administration(
        id=f"{regimen.id}/c{cycle.number}/d{day}/{drug.replace(' ', '-')}/{routes[drug]}/recorded",
        cycle=cycle.number,
        day=day,
        date=dated.date,
        phase=cycle.phase,
        drug=drug,
        route=routes[drug],
        dose=amount,
        prescribed=f"not in the plan: recorded as given ({dated.id})",
        basis="flat",
        trace=(
            TraceStep(kind="final", text=f"recorded as given in observation {dated.id}: {amount.text()}", value=amount),
        ),
        flags=(book.add("given-outside-plan", text, None),),
        status="given",
        given=amount,
        because=(dated.id,),
        source=dated.id,
    )
