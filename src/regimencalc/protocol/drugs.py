"""A drug's own file: what its label says wherever the drug is given, declared once.

One YAML file per drug in the package's `drugs/` folder, named for the drug with hyphens
(`inotuzumab-ozogamicin.yaml`). A regimen that gives the drug gets what its file says (rules,
spacing, supportive lines, administration warnings), each item citing a source the drug file
declares; a regimen may set a rule aside under `rule_exceptions`, with its reason and source.
Validated as strictly as a regimen file; no I/O here (the loader reads the files).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from regimencalc.protocol import plain
from regimencalc.protocol.regimen import Rule, SchemaVersion, Source, Spacing, StrictModel
from regimencalc.protocol.supportive import AdministrationNote, Admission, EventLine

DrugName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9 -]*[a-z0-9]$", description="Generic name, lower case")]


class DrugFile(StrictModel, plain.DrugFile):
    """Everything the project knows about one drug that holds in every regimen giving it."""

    schema_version: SchemaVersion
    drug: DrugName
    sources: dict[str, Source] = Field(min_length=1)
    rules: list[Rule] = Field(
        [], description="The label's rules for this drug, checked in order in every regimen that gives it"
    )
    spacing: list[Spacing] = Field([], description="Days between doses, and how far a dose may move (label)")
    notes: list[str] = []
    events: list[EventLine] = Field([], description="Premedication, supervision and requirements tied to dose events")
    admissions: list[Admission] = []
    administration: list[AdministrationNote] = []

    @model_validator(mode="after")
    def _sources_declared(self) -> DrugFile:
        from regimencalc.protocol.checks import RegimenProblems, sources_declared

        problems = list(sources_declared(self, set(self.sources)))
        if problems:
            raise RegimenProblems(problems)
        return self

    @model_validator(mode="after")
    def _sound_rules(self) -> DrugFile:
        # The checks read the regimen model's classes, so they are imported when a drug file is validated.
        from regimencalc.protocol.checks import RegimenProblems, drug_file_problems

        problems = drug_file_problems(self)
        if problems:
            raise RegimenProblems(problems)
        return self
