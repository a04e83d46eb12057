"""Keys of an institutional profile that must name something that exists, so a misspelt key is refused
at its line rather than silently ignored while the line it meant stays 'per local protocol'."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regimencalc.protocol.plain import Path
    from regimencalc.safety.institution import Institution


def premedication_ids() -> list[str]:
    """The ids of every premedication line of the bundled drug files (the keys `premedication` takes)."""
    from regimencalc.protocol.bundled import bundled_drug_dir
    from regimencalc.protocol.drugs import DrugFile
    from regimencalc.protocol.loader import load_document

    drugs = [load_document(path, DrugFile) for path in sorted(bundled_drug_dir().glob("*.yaml"))]
    return [e.id for d in drugs for e in d.events if e.kind == "premedication"]


def unknown_premedication_keys(institution: Institution) -> list[tuple[Path, str]]:
    """A `premedication` key that no drug file's premedication line has."""
    if not institution.premedication:
        return []
    known = premedication_ids()
    return [
        (
            ("premedication", key),
            f"'{key}' is no drug file's premedication line (they are {', '.join(known)}); check the key",
        )
        for key in institution.premedication
        if key not in known
    ]
