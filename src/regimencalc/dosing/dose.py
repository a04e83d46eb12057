"""One dose for one patient: per-unit dose × basis → cap → rounding, each step in the trace.

Default rounding is to 3 significant figures (half up), which keeps every dose within 0.5 % of
the exact value, inside the 1 % the project promises (docs/dosing.md). The ends of a dose range
are rounded inwards (minimum up, maximum down) so a product inside the printed range is inside
the exact one. A capped dose is the cap itself, never rounded; a dose just under its cap is
rounded down when rounding up would pass the cap. BSA is used unrounded; the trace shows it to
3 decimals.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP
from typing import TYPE_CHECKING, NamedTuple

from regimencalc.course import Amount, TraceStep
from regimencalc.display import (
    SIGNIFICANT_FIGURES,
    format_against,
    format_age,
    format_amount,
    format_number,
    format_range,
    round_significant,
    unit_symbol,
)
from regimencalc.dosing.bsa import BSA_FORMULAS
from regimencalc.errors import PlanningError
from regimencalc.protocol.factors import factor
from regimencalc.protocol.plain import Band, Basis, DoseSpec
from regimencalc.protocol.units import DoseAmount

if TYPE_CHECKING:
    from regimencalc.safety.rounding import RoundingProfile  # loaded only when a rounding profile is given


class BodySize(NamedTuple):
    """What a dose depends on: weight (kg), BSA (m², unrounded) with its formula key, age for age bands."""

    weight_kg: float
    bsa_m2: float
    bsa_formula: str
    uncapped_bsa_m2: float | None = None
    age_years: float | None = None


class DoseResult(NamedTuple):
    """A computed dose: the amount given (daily amount for infusions), the rate, the trace."""

    prescribed: str
    basis: Basis
    dose: Amount
    rate: Amount | None
    trace: tuple[TraceStep, ...]
    capped: bool
    rounding_refused: str | None = None


def select_band(bands: list[Band], body: BodySize, drug: str) -> tuple[Band, TraceStep]:
    """The band a patient falls in, and the trace step that says why; PlanningError when the band
    depends on an age that was not given."""
    if body.age_years is None and any(b.age is not None for b in bands):
        raise PlanningError(f"the dose of {drug} depends on age ({', '.join(b.label for b in bands)}); give --age")
    band = next(b for b in bands if b.holds(body.weight_kg, body.age_years))
    reasons: list[str] = []
    if band.weight is not None:
        reasons.append(f"weight {format_against(body.weight_kg, band.weight.holds, 4)} kg is {band.weight}")
    if band.age is not None and body.age_years is not None:
        edge = band.age.text.strip().replace(">=", "≥").replace("<=", "≤")  # as written: '< 12 months'
        reasons.append(f"age {format_age(body.age_years, band.age.holds)} is {edge}")
    return band, TraceStep(kind="band", text=f"{' and '.join(reasons)} → band '{band.label}'")


def compute_dose(
    spec: DoseSpec,
    body: BodySize,
    cite: str,
    cap_cite: str,
    taper: tuple[DoseAmount, str] | None = None,
    profile: tuple[RoundingProfile, str] | None = None,
) -> DoseResult:
    """The dose of `spec` for `body`; `taper` (amount, description) replaces the spec's amount;
    `profile` (a rounding profile and the drug) replaces the default rounding where it can.

    `cite` and `cap_cite` are the source keys printed in the trace.
    """
    amount = taper[0] if taper else spec.amount
    ends = [amount] if spec.amount_max is None else [amount, spec.amount_max]
    unit = unit_symbol(amount.amount_unit)
    prescribed = _written(ends) + (f", {taper[1]}" if taper else "") + f" ({cite})"
    steps = [TraceStep(kind="prescribed", text=f"prescribed {prescribed}")]

    raw = [_times_basis(a, spec.basis, body) for a in ends]
    steps.append(TraceStep(kind="basis", text=_basis_text(ends, spec.basis, body, raw, unit), value=_amount(raw, unit)))

    per_day = per_day_factor(amount)
    if per_day is not None:
        text = f"{_amounts(raw, unit)}/{unit_symbol(amount.per_time)} × {format_number(per_day)} = "
        raw = [r * per_day for r in raw]
        steps.append(TraceStep(kind="rate", text=text + f"{_amounts(raw, unit)}/day", value=_amount(raw, unit)))

    capped = False
    cap = float("inf")
    if spec.cap is not None:
        cap = cap_value(spec, amount)
        if max(raw) > cap:
            capped = True
            raw = [min(r, cap) for r in raw]
            text = f"above the cap of {spec.cap.display()} ({cap_cite}) → capped at {format_amount(cap, unit)}{_per_day(amount)}"
            steps.append(TraceStep(kind="cap", text=text, value=_amount(raw, unit)))
        else:
            steps.append(TraceStep(kind="cap", text=f"cap {spec.cap.display()} ({cap_cite}) not reached"))

    refused = None
    if profile is not None and not capped and len(raw) == 1:
        from regimencalc.safety.rounding import profile_round

        value, text = profile_round(profile[0], profile[1], raw[0], unit, cap)
        if value is not None:
            dose = _amount([value], unit)
            steps.append(TraceStep(kind="rounding", text=text, value=dose))
            steps.append(TraceStep(kind="final", text=f"dose {dose.text()}{_per_day(amount)}", value=dose))
            rate = _amount([value], f"{unit}/day") if amount.per_time is not None else None
            return DoseResult(prescribed, spec.basis, dose, rate, tuple(steps), capped, refused)
        refused = text
        steps.append(TraceStep(kind="rounding", text=text))
    modes = [ROUND_HALF_UP] if len(raw) == 1 else [ROUND_CEILING, ROUND_FLOOR]
    how = "to 3 significant figures" if len(raw) == 1 else "inwards to 3 significant figures"
    rounded = [float(round_significant(r, SIGNIFICANT_FIGURES, m)) for r, m in zip(raw, modes, strict=True)]
    if capped:
        rounded = raw
    elif max(rounded) > cap:
        rounded = [float(round_significant(r, SIGNIFICANT_FIGURES, ROUND_FLOOR)) for r in raw]
        how = "down to 3 significant figures (rounding up would pass the cap)"
    if rounded != raw:
        deviation = max(abs(f - r) / r for f, r in zip(rounded, raw, strict=True)) * 100
        text = f"rounded {how}: {_amounts(raw, unit, 6)} → {_amounts(rounded, unit)} (deviation {deviation:.2f} %)"
        steps.append(TraceStep(kind="rounding", text=text, value=_amount(rounded, unit)))

    dose = _amount(rounded, unit)
    rate = _amount(rounded, f"{unit}/day") if amount.per_time is not None else None
    steps.append(TraceStep(kind="final", text=f"dose {dose.text()}{_per_day(amount)}", value=dose))
    return DoseResult(prescribed, spec.basis, dose, rate, tuple(steps), capped, refused)


def per_day_factor(amount: DoseAmount) -> float | None:
    """How many of the dose's time unit make a day (24 for a dose per hour); None for a dose that is
    not per time or already per day."""
    if amount.per_time in (None, "day"):
        return None
    return factor("day", amount.per_time)


def cap_value(spec: DoseSpec, amount: DoseAmount) -> float:
    """The spec's cap in the unit the dose is computed in (amount, or amount per day)."""
    assert spec.cap is not None
    target = amount.amount_unit if amount.per_time is None else f"{amount.amount_unit} / day"
    return spec.cap.value * factor(spec.cap.delivered_unit, target)


def body_factor(amount: DoseAmount, basis: str) -> float:
    """What one m² (BSA basis) or one kg (weight basis) is in the dose's own body unit: 1 for mg/m² and mg/kg."""
    if basis == "flat" or amount.per_body is None:
        return 1.0
    return factor("m**2" if basis == "bsa" else "kg", amount.per_body)


def _times_basis(amount: DoseAmount, basis: str, body: BodySize) -> float:
    if basis == "flat" or amount.per_body is None:
        return amount.value
    measure = body.bsa_m2 if basis == "bsa" else body.weight_kg
    return amount.value * (measure * body_factor(amount, basis))  # pint's `measure.to(per_body)`: its factor, kept


def _basis_text(ends: list[DoseAmount], basis: str, body: BodySize, raw: list[float], unit: str) -> str:
    per_time = f"/{unit_symbol(ends[0].per_time)}" if ends[0].per_time else ""
    if basis == "flat":
        return f"flat dose, not scaled to body size: {_amounts(raw, unit)}{per_time}"
    if basis == "bsa":
        capped = f", capped from {body.uncapped_bsa_m2:.3f} m² (institutional)" if body.uncapped_bsa_m2 else ""
        factor = f"{body.bsa_m2:.3f} m² (BSA, {BSA_FORMULAS[body.bsa_formula].name}{capped})"
    else:
        factor = f"{format_number(body.weight_kg, 4)} kg (weight)"
    written = _written(ends)
    return f"{written} × {factor} = {_amounts(raw, unit, 4)}{per_time}"


def _per_day(amount: DoseAmount) -> str:
    return "/day" if amount.per_time is not None else ""


def _amount(values: list[float], unit: str) -> Amount:
    return Amount(value=values[0], unit=unit, max=values[1] if len(values) > 1 else None)


def _amounts(values: list[float], unit: str, digits: int | None = None) -> str:
    number = format_number(values[0], digits) if len(values) == 1 else format_range(values[0], values[1], digits)
    return f"{number} {unit}"


def _written(ends: list[DoseAmount]) -> str:
    """The prescribed dose or range: '3 mg/m²', '0.1 – 2.5 ×10⁸ cells' (one scale for both ends)."""
    if len(ends) == 1:
        return ends[0].display()
    low, high = ends
    return f"{format_range(low.value, high.value)} {high.display().removeprefix(high.written_number).strip()}"
