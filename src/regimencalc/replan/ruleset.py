"""The rules in force for a regimen: its drugs' label rules, declared once in their drug files, then its own.

`rules_in_force(regimen)` is the one place that answers "which rules apply here": every rule of the
drug file of each drug the regimen gives (in the order the regimen first gives the drugs, each file's
rules in file order), minus those the regimen sets aside under `rule_exceptions` (with a reason and a
source), followed by the regimen's own rules. The planner, the criteria on the course, `regimencalc
show` and any check of which observation terms a rule reads all use it. Drug-file spacing (days between
doses, the window a dose may move in) comes with it; a regimen's own spacing for a drug replaces it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from regimencalc.errors import PlanningError
from regimencalc.protocol.loader import load_drug_file
from regimencalc.protocol.plain import Check, DrugFile, Regimen, Rule, RuleException, Source, Spacing
from regimencalc.replan.history import ALSO_READ_AS


class RuleSet(NamedTuple):
    """Rules in force, where each came from, the sources they cite, and what the regimen set aside."""

    rules: tuple[Rule, ...]
    origins: dict[str, str]
    citations: dict[str, str]
    sources: dict[str, str]
    spacing: tuple[Spacing, ...]
    set_aside: tuple[tuple[RuleException, Rule], ...]

    def toxicity_terms(self) -> frozenset[str]:
        """Every toxicity term a rule in force reads, terms read as them included (an observation term
        outside it changes nothing)."""
        return frozenset(
            term
            for rule in self.rules
            for condition in (rule.when, rule.recover_when, rule.applies_if_baseline)
            if condition is not None
            for check in condition.checks()
            for term in _terms(check)
        )


def rules_in_force(regimen: Regimen) -> RuleSet:
    """The rules that apply to `regimen` (drug files' rules minus its exceptions, then its own)."""
    files = [f for f in (_drug_file(drug) for drug in _drugs(regimen)) if f is not None]
    known = {rule.id: (rule, f) for f in files for rule in f.rules}
    excepted = {e.rule: e for e in regimen.rule_exceptions}
    unknown = sorted(set(excepted) - set(known))
    if unknown:
        raise PlanningError(
            f"regimen '{regimen.id}': rule_exceptions names '{unknown[0]}', not a rule of its drugs' files "
            f"({', '.join(sorted(known)) or 'none'}); fix the rule id"
        )
    twice = sorted(set(known) & {r.id for r in regimen.rules})
    if twice:
        raise PlanningError(
            f"regimen '{regimen.id}': rule '{twice[0]}' is already a rule of a drug file; rename the regimen's rule"
        )
    rules: list[Rule] = []
    origins: dict[str, str] = {}
    citations: dict[str, str] = {}
    for f in files:
        for rule in f.rules:
            if rule.id not in excepted:
                rules.append(rule)
                origins[rule.id] = f"drug file {f.drug} (drugs/{f.drug.replace(' ', '-')}.yaml)"
                citations[rule.id] = _citation(f.sources, rule.source)
    for rule in regimen.rules:
        rules.append(rule)
        origins[rule.id] = f"regimen {regimen.id}"
        citations[rule.id] = _citation(regimen.sources, rule.source)
    own_spacing = {s.drug for s in regimen.spacing}
    spacing = (*regimen.spacing, *(s for f in files for s in f.spacing if s.drug not in own_spacing))
    set_aside = tuple((e, known[e.rule][0]) for e in regimen.rule_exceptions)
    sources = {key: source.citation for f in files for key, source in f.sources.items()}
    return RuleSet(tuple(rules), origins, citations, sources, spacing, set_aside)


def _drugs(regimen: Regimen) -> list[str]:
    return list(dict.fromkeys(line.drug for line in regimen.all_lines()))


def _citation(sources: dict[str, Source], key: str) -> str:
    return f"{key}: {sources[key].citation}"


def _terms(check: Check) -> list[str]:
    """The toxicity terms a check reads, with the terms read as them (ICANS and seizures as neurotoxicity)."""
    own = [check.toxicity, *ALSO_READ_AS.get(check.toxicity, {})] if check.toxicity else []
    return own + [t for member in check.all_of or [] for t in _terms(member)]


@lru_cache(maxsize=64)
def _drug_file(drug: str) -> DrugFile | None:
    """A drug's bundled file, read once per process."""
    return load_drug_file(drug)
