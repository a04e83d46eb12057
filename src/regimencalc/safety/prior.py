"""Prior exposure: what the patient already received, as cumulative mg/m² per drug (`--prior FILE`).

```yaml
schema_version: 1
prior:
  - {drug: daunorubicin, dose: 180 mg/m2}
  - {drug: idarubicin, dose: 36 mg/m2, note: "IA 2021"}
```
Read by the same strict loader as regimen files; a drug the calculator has no cumulative rule for is
refused, so a misspelt anthracycline cannot silently count as nothing.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, field_validator, model_validator

from regimencalc.protocol.regimen import SchemaVersion, StrictModel
from regimencalc.protocol.units import parse_dose_amount
from regimencalc.safety.cumulative import EQUIVALENCE, LIMITS

KNOWN = sorted(set(EQUIVALENCE) | set(LIMITS))


class PriorDose(StrictModel):
    """A cumulative dose already received."""

    drug: str
    dose: str = Field(description="Cumulative mg/m², e.g. '180 mg/m2'")
    note: str | None = None

    @field_validator("drug")
    @classmethod
    def _known(cls, drug: str) -> str:
        if drug not in KNOWN:
            raise ValueError(f"no cumulative rule for '{drug}'; prior exposure lists {', '.join(KNOWN)}")
        return drug

    @field_validator("dose")
    @classmethod
    def _per_m2(cls, dose: str) -> str:
        amount = parse_dose_amount(dose)
        if amount.per_body != "meter ** 2" or amount.per_time is not None or amount.amount_unit != "milligram":
            raise ValueError(f"prior dose '{dose}' must be cumulative mg/m², e.g. '180 mg/m2'")
        return dose

    def mg_per_m2(self) -> Decimal:
        """The dose as an exact number of mg/m²."""
        return Decimal(repr(parse_dose_amount(self.dose).value))


class Prior(StrictModel):
    """A prior-exposure file."""

    schema_version: SchemaVersion
    prior: list[PriorDose] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_identical_lines(self) -> Prior:
        from regimencalc.protocol.checks import RegimenProblems

        seen = set()
        for number, line in enumerate(self.prior, 1):
            key = (line.drug, parse_dose_amount(line.dose).value, line.note)
            if key in seen:
                raise RegimenProblems(
                    [
                        (
                            ("prior", number - 1),
                            f"{line.drug} {line.dose} repeats an earlier line, and lines of one drug are added up: "
                            "remove the copy, or tell the two courses apart with a 'note' if both were given",
                        )
                    ]
                )
            seen.add(key)
        return self

    def totals(self) -> dict[str, Decimal]:
        """mg/m² per drug, several lines of one drug added up."""
        totals: dict[str, Decimal] = {}
        for line in self.prior:
            totals[line.drug] = totals.get(line.drug, Decimal(0)) + line.mg_per_m2()
        return totals


def load_prior(path: str) -> Prior:
    """Read and validate a prior-exposure file; InputFileError lists every located problem."""
    from regimencalc.protocol.loader import load_document

    return load_document(path, Prior)
