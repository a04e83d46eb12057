"""A regimen written out as a readable protocol: drugs, doses, days, caps, branches, sources."""

from __future__ import annotations

from regimencalc.display import plural
from regimencalc.protocol.days import format_days
from regimencalc.protocol.plain import DoseSpec, DrugLine, Flag, Regimen, WeightFlag
from regimencalc.replan.rules import describe_rule
from regimencalc.replan.ruleset import rules_in_force


def render_protocol(regimen: Regimen) -> str:
    """The regimen as text for `regimencalc show`."""
    out = [f"{regimen.name}", f"  id {regimen.id} · version {regimen.version}", f"  indication: {regimen.indication}"]
    if regimen.eligibility:
        e = regimen.eligibility
        out.append(f"  eligibility: {e.text} ({e.source})")
    if regimen.flags:
        out += ["", "FLAGS"] + [f"  {_flag(f)}" for f in regimen.flags]
    if regimen.notes:
        out += ["", "NOTES"] + [f"  - {n}" for n in regimen.notes]
    for phase in regimen.phases:
        count = plural(phase.cycles, "cycle") if phase.cycles else f"up to {phase.max_cycles} cycles"
        out += ["", f"PHASE {phase.name} — {count} of {plural(phase.length_days, 'day')} ({phase.source})"]
        if phase.note:
            out.append(f"  note: {phase.note}")
        out += [text for line in phase.lines for text in _line(line, "  ")]
        for branch in phase.branches:
            default = f"; default: {branch.default}" if branch.default else "; no default: a response is required"
            out.append(f"  BRANCH {branch.name} — decided on day {branch.decided_on_day} ({branch.source}){default}")
            for option in branch.options:
                out.append(f"    if {', '.join(option.when)} → {option.name} [{option.id}]")
                if option.note:
                    out.append(f"      note: {option.note}")
                out += [text for line in option.lines for text in _line(line, "      ")]
    out += _rules(regimen)
    out += _intrathecal(regimen)
    out += ["", "SOURCES"]
    for key, source in regimen.sources.items():
        extra = "".join(
            f"; {label} {value}"
            for label, value in (("doi", source.doi), ("trial", source.trial), ("provenance", source.note))
            if value
        )
        out.append(f"  {key} [{source.kind}]: {source.citation}{extra}")
    return "\n".join(out) + "\n"


def _intrathecal(regimen: Regimen) -> list[str]:
    """The intrathecal therapy the regimen's source gives; doses are the institution's, never the file's."""
    out = []
    for it in regimen.intrathecal:
        agents = ", ".join(it.agents) or "agents per local protocol"
        days = f" — days {format_days(it.days)} of phase {it.phase}" if it.days is not None else ""
        count = f" — {it.count} injections" if it.count else ""
        out += [f"  {it.name}: {agents}{days}{count} ({it.source})", f"    when: {it.when}"]
        out += [f"    {_flag(f)}" for f in it.flags]
    return ["", "INTRATHECAL (doses by age from the institutional profile)", *out] if out else []


def _line(line: DrugLine, indent: str) -> list[str]:
    if line.dose is not None:
        dose = _dose(line.dose)
    else:
        dose = "; ".join(f"{b.weight}: {_dose(b.dose)} [{b.label}]" for b in line.bands or [])
    text = [f"{indent}{line.drug} {line.route} {dose} — days {format_days(line.days)} ({line.source})"]
    if line.taper is not None:
        steps = ", ".join(f"{a.display()} days {format_days(days)}" for days, a in line.taper.steps())
        text.append(f"{indent}  then taper: {steps}")
    if line.note:
        text.append(f"{indent}  note: {line.note}")
    text += [f"{indent}  {_flag(f)}" for f in [*line.flags, *line.weight_flags]]
    return text


def _dose(dose: DoseSpec) -> str:
    amount = (
        dose.amount.display() if dose.amount_max is None else f"{dose.amount.display()} – {dose.amount_max.display()}"
    )
    cap = f", up to {dose.cap.display()} ({dose.cap_source or 'line source'})" if dose.cap else ""
    return f"{amount}{cap}"


def _flag(flag: Flag | WeightFlag) -> str:
    condition = f" if weight {flag.weight}" if isinstance(flag, WeightFlag) else ""
    source = f" ({flag.source})" if flag.source else ""
    return f"[{flag.kind}]{condition} {flag.text}{source}"


def _rules(regimen: Regimen) -> list[str]:
    """Every rule in force, in the order it is checked, with where it came from and its source."""
    ruleset = rules_in_force(regimen)
    out = ["", "RULES IN FORCE (checked in this order; the first that fires decides)"]
    if not ruleset.rules:
        out.append("  none: apply the local protocol's criteria to treat")
    for rule in ruleset.rules:
        out.append(f"  {rule.id} — {rule.name}")
        out.append(f"    {describe_rule(rule, rule.ctcae_version or regimen.ctcae_version)}")
        out.append(f"    from {ruleset.origins[rule.id]}; source {ruleset.citations[rule.id]}")
        out += [f"    {_flag(f)}" for f in rule.flags]
    for spacing in ruleset.spacing:
        window = f", given up to {spacing.window_days} days off its day" if spacing.window_days else ""
        out.append(f"  spacing: {spacing.drug} at least {spacing.min_days} days apart{window} ({spacing.source})")
    for exception, rule in ruleset.set_aside:
        out.append(f"  SET ASIDE {rule.id} — {rule.name}: {exception.reason} ({exception.source})")
    return out
