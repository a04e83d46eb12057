"""A regimen written out as a readable protocol: drugs, doses, days, caps, branches, sources."""

from __future__ import annotations

from regimencalc.display import plural
from regimencalc.protocol.days import format_days
from regimencalc.protocol.regimen import DoseSpec, DrugLine, Flag, Regimen, WeightFlag


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
    out += ["", "SOURCES"]
    for key, source in regimen.sources.items():
        extra = "".join(
            f"; {label} {value}"
            for label, value in (("doi", source.doi), ("trial", source.trial), ("provenance", source.note))
            if value
        )
        out.append(f"  {key} [{source.kind}]: {source.citation}{extra}")
    return "\n".join(out) + "\n"


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
