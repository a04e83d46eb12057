"""The whole-regimen problems beside the schema errors, so that `validate` reports both in one run.

Pydantic stops before the whole-regimen checks when any field is invalid. Here each list item that
holds a schema error (a drug line, a phase, a rule) is cut out, the rest validated again, and the
whole-regimen problems of what is left reported at their place in the original file. When a cut is not
possible (the error is outside every list, or the list would be empty) or the rest still has schema
errors, nothing more is reported: the schema errors are then the whole answer of this run.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from regimencalc.protocol.checks import RegimenProblems
from regimencalc.protocol.plain import Path

if TYPE_CHECKING:
    from pydantic import BaseModel


def problems_beside(data: Any, errors: list[dict[str, Any]], model: type[BaseModel]) -> list[tuple[Path, str]]:
    """The whole-regimen problems of `data` without the list items `errors` point into, located in `data`."""
    from pydantic import ValidationError

    cuts: dict[Path, set[int]] = {}
    for error in errors:
        cut = _innermost_item(data, tuple(error["loc"]))
        if cut is None:
            return []
        cuts.setdefault(cut[0], set()).add(cut[1])
    pruned = copy.deepcopy(data)
    for path, indexes in sorted(cuts.items(), key=lambda c: len(c[0]), reverse=True):
        items = _at(pruned, path)
        if len(indexes) >= len(items):
            return []
        for index in sorted(indexes, reverse=True):
            del items[index]
    try:
        model.model_validate(pruned)
    except ValidationError:
        return []
    except RegimenProblems as exc:
        return [(_original(loc, cuts), message) for loc, message in exc.problems]
    return []


def _innermost_item(data: Any, loc: Path) -> tuple[Path, int] | None:
    """(path of the list, index) of the innermost list item on the error's path."""
    found = None
    node = data
    for depth, part in enumerate(loc):
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            found = (loc[:depth], part)
        elif not (isinstance(node, dict) and part in node):
            break
        node = node[part]
    return found


def _at(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def _original(loc: Path, cuts: dict[Path, set[int]]) -> Path:
    """A path in the cut data as the same path in the original (indexes after a cut shift back)."""
    out: list[str | int] = []
    for part in loc:
        removed = cuts.get(tuple(out))
        if isinstance(part, int) and removed:
            kept = [i for i in range(part + len(removed) + 1) if i not in removed]
            part = kept[part]
        out.append(part)
    return tuple(out)
