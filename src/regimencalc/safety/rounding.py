"""Institutional rounding profiles (opt-in, `--rounding FILE`): increments or vial sizes per drug,
with a maximum deviation beyond which a dose is not rounded.

```yaml
schema_version: 1
name: Example hospital rounding
source: HOPA position statement (Fahrenbruch et al. 2018), rounding within 10 % (reference §6, V)
max_percent: 10
max_absolute: 50 mg          # optional
drugs:
  cytarabine: {increment: 50 mg}
  idarubicin: {increment: 1 mg}
  vindesine: {vials: [1 mg, 5 mg]}
  cyclophosphamide:           # a dose-banding table, NHS England style
    bands:
      - {low: 900 mg, high: 1000 mg, dose: 950 mg}
      - {low: 1000 mg, high: 1100 mg, dose: 1050 mg}
```
A profile never rounds past a cap and never moves a dose more than its limits: a rounding that would
is refused (the default 3-significant-figure rounding is kept) and flagged. The deviation of every
rounding is in the trace.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from itertools import pairwise
from typing import Literal

from pydantic import Field, field_validator, model_validator

from regimencalc.display import format_number
from regimencalc.protocol.limits import MAX_VIAL_SIZES, MAX_VIALS, limit_text
from regimencalc.protocol.regimen import SchemaVersion, StrictModel
from regimencalc.protocol.units import parse_quantity


def _amount(text: str) -> str:
    quantity = parse_quantity(text)
    if str(quantity.dimensionality) not in ("[mass]", "[cell_count]") or quantity.magnitude <= 0:
        raise ValueError(f"'{text}' must be a positive amount such as '50 mg' or '1 g'")
    return text


class DoseBand(StrictModel):
    """One row of a dose-banding table: a calculated dose from `low` up to (not including) `high` is given as `dose`."""

    low: str
    high: str
    dose: str

    @field_validator("low", "high", "dose")
    @classmethod
    def _amounts(cls, value: str) -> str:
        return _amount(value)


class DrugRounding(StrictModel):
    """How one drug is rounded: to a multiple of an increment, to what whole vials make, or by a
    dose-banding table (NHS England style)."""

    increment: str | None = None
    vials: list[str] | None = Field(None, min_length=1, max_length=MAX_VIAL_SIZES)
    bands: list[DoseBand] | None = Field(None, min_length=1)

    @field_validator("increment")
    @classmethod
    def _increment(cls, value: str | None) -> str | None:
        return None if value is None else _amount(value)

    @field_validator("vials")
    @classmethod
    def _vials(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        amounts = [parse_quantity(_amount(v)) for v in value]
        twice = next((v for i, v in enumerate(value) if any(amounts[i] == a for a in amounts[:i])), None)
        if twice is not None:
            raise ValueError(f"the vial size '{twice}' is listed twice (as the same amount); list each size once")
        return value

    @model_validator(mode="after")
    def _one(self) -> DrugRounding:
        if sum(x is not None for x in (self.increment, self.vials, self.bands)) != 1:
            raise ValueError("give exactly one of 'increment', 'vials' or 'bands'")
        if self.bands:
            _bands_apart(self.bands)
        return self

    def describe(self) -> str:
        """'the nearest 50 mg', 'whole vials of 1 mg, 5 mg' or 'the dose band'."""
        if self.increment:
            return f"the nearest {self.increment}"
        return f"whole vials of {', '.join(self.vials)}" if self.vials else "the dose-banding table"

    def candidates(self, raw: Decimal, unit: str) -> list[Decimal]:
        """Amounts (in `unit`) this rule can give near `raw`."""
        if self.bands is not None:
            return [_in(b.dose, unit) for b in self.bands if _in(b.low, unit) <= raw < _in(b.high, unit)]
        if self.increment is not None:
            step = _in(self.increment, unit)
            low = (raw / step).to_integral_value(rounding="ROUND_FLOOR") * step
            return [low, low + step] if low > 0 else [low + step]
        return _vial_candidates(tuple(sorted({_in(v, unit) for v in self.vials or []})), raw)


class RoundingProfile(StrictModel):
    """An institutional rounding profile."""

    schema_version: SchemaVersion
    name: str
    source: str
    kind: Literal["institutional"] = "institutional"
    max_percent: float = Field(gt=0, le=25)
    max_absolute: str | None = None
    drugs: dict[str, DrugRounding] = Field(min_length=1)

    @field_validator("max_absolute")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        return None if value is None else _amount(value)


def refuse_drugs_not_given(profile: RoundingProfile, given: set[str], regimen_id: str) -> None:
    """Refuse a `--rounding` profile naming a drug the regimen does not give: a misspelt drug
    ('cytarabin') would otherwise be ignored while the course says the profile rounded its doses."""
    from regimencalc.errors import RegimencalcError

    unknown = sorted(set(profile.drugs) - given)
    if unknown:
        raise RegimencalcError(
            f"--rounding: the profile '{profile.name}' rounds {', '.join(unknown)}, which {regimen_id} does not give "
            f"(it gives {', '.join(sorted(given))}); check the spelling or remove the drug"
        )


def profile_round(profile: RoundingProfile, drug: str, raw: float, unit: str, cap: float) -> tuple[float | None, str]:
    """The profile's rounding of one dose: (value, trace text), or (None, why it was refused)."""
    rule = profile.drugs[drug]
    exact = Decimal(repr(raw))
    options = [c for c in rule.candidates(exact, unit) if c > 0 and c <= Decimal(repr(cap))]
    if not options:
        return None, f"not rounded to {rule.describe()} ({profile.name}): no band or amount fits the dose under its cap"
    best = min(options, key=lambda c: (abs(c - exact), c))
    deviation = abs(best - exact) / exact * 100
    shown = f"{best.normalize():f} {unit}"
    limit = f"limit {profile.max_percent:g} %"
    if profile.max_absolute is not None:
        limit += f" and {profile.max_absolute}"
    if deviation > Decimal(repr(profile.max_percent)) or (
        profile.max_absolute is not None and abs(best - exact) > _in(profile.max_absolute, unit)
    ):
        short = f" (at most {limit_text('MAX_VIALS')} vials per dose)" if rule.vials and max(options) < exact else ""
        return None, (
            f"not rounded to {rule.describe()} ({profile.name}): {shown}{short} would move the dose "
            f"{_percent(deviation, Decimal(repr(profile.max_percent)))} % ({limit})"
        )
    return float(best), (
        f"rounded to {rule.describe()} ({profile.name}): {format_number(raw, 6)} {unit} → {shown} "
        f"(deviation {_percent(deviation, Decimal(repr(profile.max_percent)))} %, {limit})"
    )


def _percent(deviation: Decimal, limit: Decimal) -> str:
    """The deviation to 0.01 %, or to as many more places as it takes not to read as the limit itself
    ('10.004 % (limit 10 %)' is refused; '10.00 %' would look like a tie)."""
    places = Decimal("0.01")
    shown = deviation.quantize(places, ROUND_HALF_UP)
    while shown == limit and deviation != limit and places > Decimal("1e-12"):
        places /= 10
        shown = deviation.quantize(places, ROUND_HALF_UP)
    return f"{shown}"


def _bands_apart(bands: list[DoseBand]) -> None:
    """Each band runs upwards, no two overlap and none leaves a gap: a dose must fall in one band
    (file order would pick the rounding of two; a gap would leave a dose unbanded, against the docs)."""
    unit = str(parse_quantity(bands[0].low).units)
    edges = []
    for number, band in enumerate(bands, 1):
        low, high = (_in(band.low, unit), _in(band.high, unit))
        if low >= high:
            raise ValueError(
                f"band {number} ({band.low} to {band.high}) does not run upwards; write the lower edge first"
            )
        edges.append((low, high, number, band))
    edges.sort(key=lambda e: e[0])
    for (_, high, first, a), (low, _, second, b) in pairwise(edges):
        if low < high:
            raise ValueError(
                f"bands {min(first, second)} and {max(first, second)} overlap ({a.low}-{a.high} and {b.low}-{b.high}); "
                "make each band start where the one below ends"
            )
        if low > high:
            raise ValueError(
                f"bands {first} and {second} leave a gap ({a.low}-{a.high} and {b.low}-{b.high}): a dose from {a.high} "
                f"up to {b.low} falls in no band; make each band start where the one below ends"
            )


@cache
def _vial_candidates(sizes: tuple[Decimal, ...], raw: Decimal) -> list[Decimal]:
    """The largest amount at most `raw` and the smallest above it that up to MAX_VIALS whole vials
    make. Amounts past `raw` are not extended (more vials only add), so the search stays small:
    at most MAX_VIALS rounds over the distinct amounts up to `raw`."""
    below: set[Decimal] = set()
    above: set[Decimal] = set()
    frontier = {Decimal(0)}
    for _ in range(MAX_VIALS):
        reached = {amount + size for amount in frontier for size in sizes}
        above |= {a for a in reached if a > raw}
        frontier = {a for a in reached if a <= raw} - below
        below |= frontier
        if not frontier:
            break
    return [*([max(below)] if below else []), *([min(above)] if above else [])]


def _in(text: str, unit: str) -> Decimal:
    """An amount expressed in the dose's display unit, exactly."""
    symbol = "microgram" if unit == "mcg" else unit
    value = parse_quantity(text).to(symbol).magnitude
    return Decimal(f"{value:.12g}")


def load_rounding(path: str) -> RoundingProfile:
    """Read and validate a rounding profile; InputFileError lists every located problem."""
    from regimencalc.protocol.loader import load_document

    return load_document(path, RoundingProfile)
