"""Cumulative doses: prior exposure plus this course, per drug and as doxorubicin equivalents.

Numbers and their status in the clinical reference (shared/reference/clinical-facts.md):
- doxorubicin-equivalence multipliers (§6, COG LTFU v5 / PanCare / Feijen 2019), status V:
  doxorubicin 1, daunorubicin 0.6, epirubicin 0.8, idarubicin 5, mitoxantrone 10;
- liposomal mitoxantrone has no published ratio (§2.3, §6, status U): it is counted as conventional
  mitoxantrone (10), an institutional choice printed on every output that counts it;
- cardiomyopathy surveillance thresholds (§6, IGHG 2015 / PanCare 2023), status V: recommended at
  ≥ 250 mg/m² doxorubicin equivalents, reasonable from 100 mg/m² (flags, not stops);
- idarubicin: maximum recommended lifetime IV cumulative dose 150 mg/m² (§2.6, [L-IDA-DRUGS], status P):
  the one per-drug lifetime limit the reference gives for cancer use, a hard stop that the prescriber
  may confirm with --accept-unusual cumulative. Mitoxantrone's 140 mg/m² (§2.4) is the US label limit
  for multiple sclerosis, not for leukaemia: shown as a flag, not a stop.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from regimencalc.course import Administration, CumulativeDose
from regimencalc.display import format_number
from regimencalc.errors import PatientInputError
from regimencalc.protocol.factors import reading


class Equivalence(NamedTuple):
    """A multiplier to doxorubicin-equivalent mg/m², with where it comes from."""

    ratio: Decimal
    source: str


EQUIVALENCE: dict[str, Equivalence] = {
    "doxorubicin": Equivalence(Decimal(1), "reference §6 (COG LTFU v5 / PanCare; V)"),
    "daunorubicin": Equivalence(Decimal("0.6"), "reference §6 (COG LTFU v5 / Feijen 2019; V)"),
    "epirubicin": Equivalence(Decimal("0.8"), "reference §6 (COG LTFU v5 / Feijen 2019; V)"),
    "idarubicin": Equivalence(Decimal(5), "reference §6 (COG guideline, efficacy-based; V)"),
    "mitoxantrone": Equivalence(Decimal(10), "reference §6 (COG LTFU v5 / PanCare; V)"),
    "liposomal mitoxantrone": Equivalence(
        Decimal(10),
        "institutional choice: no ratio is published for liposomal mitoxantrone (reference §6, U); "
        "counted as conventional mitoxantrone (10)",
    ),
}
SURVEILLANCE_RECOMMENDED = Decimal(250)
SURVEILLANCE_REASONABLE = Decimal(100)
THRESHOLD_SOURCE = "IGHG 2015 / PanCare 2023 (reference §6; V)"


class Limit(NamedTuple):
    """A lifetime cumulative dose in mg/m²: a hard stop, or only a flag."""

    mg_per_m2: Decimal
    stop: bool
    source: str


LIMITS: dict[str, Limit] = {
    "idarubicin": Limit(
        Decimal(150), True, "maximum recommended lifetime IV cumulative dose ([L-IDA-DRUGS], reference §2.6; P)"
    ),
    "mitoxantrone": Limit(
        Decimal(140),
        False,
        "US label lifetime limit for multiple sclerosis ([L-MITO-US], reference §2.4; V for MS only)",
    ),
}


def course_mg_per_m2(administrations: tuple[Administration, ...], bsa_m2: float) -> dict[str, Decimal]:
    """Per drug, the mg/m² this course gives (planned, moved and given doses; mass doses only)."""
    totals: dict[str, Decimal] = {}
    for a in administrations:
        if a.status not in ("planned", "given", "moved"):
            continue
        amount = a.given or a.dose
        per_mg = reading(amount.unit, "mg").factor  # None for an amount that is not a mass (cells)
        if per_mg is None:
            continue
        mg = Decimal(repr(amount.value * per_mg))
        totals[a.drug] = totals.get(a.drug, Decimal(0)) + mg
    bsa = Decimal(repr(bsa_m2))
    return {drug: mg / bsa for drug, mg in totals.items()}


def cumulate(
    course: dict[str, Decimal], prior: dict[str, Decimal], accepted: frozenset[str]
) -> tuple[tuple[CumulativeDose, ...], list[tuple[str, str, str]]]:
    """The cumulative doses of the drugs that have a limit or an equivalence, and the flags they raise
    as (kind, text, source); PatientInputError when a hard limit is passed and not confirmed."""
    drugs = [d for d in dict.fromkeys([*prior, *course]) if d in EQUIVALENCE or d in LIMITS]
    rows = []
    flags: list[tuple[str, str, str]] = []
    for drug in drugs:
        before, now = prior.get(drug, Decimal(0)), course.get(drug, Decimal(0))
        total = before + now
        equivalence = EQUIVALENCE.get(drug)
        rows.append(
            CumulativeDose(
                drug=drug,
                prior_mg_per_m2=float(before),
                course_mg_per_m2=float(_round(now)),
                total_mg_per_m2=float(_round(total)),
                doxorubicin_ratio=None if equivalence is None else float(equivalence.ratio),
                doxorubicin_equivalent_mg_per_m2=None
                if equivalence is None
                else float(_round(_round(total) * equivalence.ratio)),  # the printed total × ratio, by hand
            )
        )
        if equivalence is not None and equivalence.source.startswith("institutional"):
            flags.append(("institutional-default", f"{drug}: {equivalence.source}", "reference §6"))
        limit = LIMITS.get(drug)
        if limit is not None and total > limit.mg_per_m2:
            text = (
                f"{drug}: cumulative {format_number(_round(total))} mg/m² (prior {format_number(before)} + this course "
                f"{format_number(_round(now))}) passes {format_number(limit.mg_per_m2)} mg/m², the {limit.source}"
            )
            if limit.stop and "cumulative" not in accepted:
                raise PatientInputError(
                    f"{text}; no dose is printed. A prescriber may confirm it with --accept-unusual cumulative"
                )
            flags.append(
                (
                    "cumulative-limit",
                    text + ("; confirmed with --accept-unusual cumulative" if limit.stop else ""),
                    limit.source,
                )
            )
    equivalents = sum(
        (Decimal(repr(r.doxorubicin_equivalent_mg_per_m2)) for r in rows if r.doxorubicin_equivalent_mg_per_m2),
        Decimal(0),
    )
    if equivalents >= SURVEILLANCE_REASONABLE:
        level = "recommended" if equivalents >= SURVEILLANCE_RECOMMENDED else "reasonable"
        bound = SURVEILLANCE_RECOMMENDED if level == "recommended" else SURVEILLANCE_REASONABLE
        flags.append(
            (
                "cumulative-threshold",
                f"cumulative anthracyclines {format_number(_round(equivalents))} mg/m² doxorubicin equivalents (≥ {bound}): "
                f"cardiomyopathy surveillance is {level}",
                THRESHOLD_SOURCE,
            )
        )
    return tuple(rows), flags


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"))
