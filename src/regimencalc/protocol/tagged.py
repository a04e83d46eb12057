"""The plain regimen and drug-file tree (protocol/plain.py) as tagged JSON, for the user's cache.

An object is `{"$": "Band", field: value, …}`, named from an explicit registry of the classes a
tree may hold (`CLASSES`); a tuple is `{"$": "tuple", "items": […]}` and a dict
`{"$": "dict", "items": [[key, value], …]}`, so both come back as they were, with keys of any
type; lists, text, numbers, booleans and null are JSON's own. Reading back builds nothing but
those classes, with exactly their fields, and the dataclass leaves (`DoseAmount`, `Threshold`) with
the types their fields declare: an unknown tag, a missing or extra field, a leaf field of another
type or any other shape is a ValueError, and the caller validates the file again (docs/cache.md
says what these checks catch and what they do not). Never pickle: reading a cache
entry must not be able to run code.

Nothing here imports pydantic, ruamel or pint.
"""

from __future__ import annotations

import os
from dataclasses import fields
from typing import Any

from regimencalc.protocol import plain
from regimencalc.protocol.units import DoseAmount

#: Bumped whenever the tagged form changes, so an older cache entry is rebuilt, never read.
FORMAT = 1
#: Every class a kept tree may hold, by its tag.
CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        plain.Source,
        plain.Flag,
        plain.WeightFlag,
        plain.DoseSpec,
        plain.Band,
        plain.Taper,
        plain.DrugLine,
        plain.BranchOption,
        plain.Branch,
        plain.Phase,
        plain.AgeRange,
        plain.Eligibility,
        plain.Check,
        plain.Condition,
        plain.RestartStep,
        plain.Rule,
        plain.DoseLevel,
        plain.Spacing,
        plain.RuleException,
        plain.Intrathecal,
        plain.Regimen,
        plain.EventLine,
        plain.Admission,
        plain.AdministrationNote,
        plain.DrugFile,
        plain.Threshold,
        DoseAmount,
    )
}
#: The fields each class is written and read with, in order.
FIELDS: dict[type, tuple[str, ...]] = {
    cls: cls.FIELDS if issubclass(cls, plain.Plain) else tuple(f.name for f in fields(cls)) for cls in CLASSES.values()
}
_SCALARS = (str, int, float, bool, type(None))
#: The types a dataclass leaf's field may hold, by the name its annotation uses (a float field takes
#: a whole number too, as Python does; bool is never a number).
_DECLARED: dict[str, tuple[type, ...]] = {"float": (float, int), "int": (int,), "str": (str,), "None": (type(None),)}


def _declared(cls: type) -> dict[str, tuple[type, ...]]:
    """What each field of the dataclass `cls` may hold, from its annotations ('str | None');
    KeyError at import for a type this table does not know, so a new field cannot go unchecked."""
    return {f.name: sum((_DECLARED[part.strip()] for part in str(f.type).split("|")), ()) for f in fields(cls)}


#: The field types of the dataclass leaves (DoseAmount, Threshold): checked on every read.
TYPES: dict[type, dict[str, tuple[type, ...]]] = {
    cls: _declared(cls) for cls in CLASSES.values() if not issubclass(cls, plain.Plain)
}


def to_tagged(value: Any) -> Any:
    """`value` as tagged JSON data; TypeError for anything the registry does not hold."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, list):
        return [to_tagged(item) for item in value]
    if isinstance(value, tuple):
        return {"$": "tuple", "items": [to_tagged(item) for item in value]}
    if isinstance(value, dict):
        return {"$": "dict", "items": [[to_tagged(k), to_tagged(v)] for k, v in value.items()]}
    name = type(value).__name__
    if CLASSES.get(name) is not type(value):
        raise TypeError(f"{name} is not kept in the cache")
    return {"$": name, **{field: to_tagged(getattr(value, field)) for field in FIELDS[type(value)]}}


def from_tagged(data: Any) -> Any:
    """What `to_tagged` wrote, built again; ValueError on an unknown tag, a missing or extra field, or
    any shape `to_tagged` does not write."""
    if isinstance(data, _SCALARS):
        return data
    if isinstance(data, list):
        return [from_tagged(item) for item in data]
    if not isinstance(data, dict):
        raise ValueError(f"{type(data).__name__} is not tagged JSON")
    tag = data.get("$")
    if tag in ("tuple", "dict"):
        if data.keys() != {"$", "items"} or not isinstance(data["items"], list):
            raise ValueError(f"a {tag} holds its items only")
        items = [from_tagged(item) for item in data["items"]]
        return tuple(items) if tag == "tuple" else {key: value for key, value in map(_pair, items)}
    cls = CLASSES.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise ValueError(f"unknown tag {tag!r}")
    names = FIELDS[cls]
    if len(data) != len(names) + 1 or any(name not in data for name in names):
        raise ValueError(f"{tag} needs exactly the fields {', '.join(names)}")
    values = {name: from_tagged(data[name]) for name in names}
    for name, allowed in TYPES.get(cls, {}).items():
        if isinstance(values[name], bool) or not isinstance(values[name], allowed):
            raise ValueError(f"{tag}.{name} does not hold a {type(values[name]).__name__}")
    return plain.make(cls, values) if issubclass(cls, plain.Plain) else cls(**values)


def _pair(item: Any) -> tuple[Any, Any]:
    if not isinstance(item, list) or len(item) != 2:
        raise ValueError("a dict item is a [key, value] pair")
    return item[0], item[1]


def code_stamp() -> str | None:
    """The size and modification time of every file of this folder (the models, their checks, the
    plain form, units) and of `display` (how units and numbers are written into them): a developer's
    edit of any of them is a new cache key, never a stale hit. None when one cannot be read (then
    nothing is kept or read)."""
    folder = os.path.dirname(__file__)
    try:
        with os.scandir(folder) as entries:
            found = sorted(e.path for e in entries if e.name.endswith((".py", ".txt")))
        found.append(os.path.join(os.path.dirname(folder), "display.py"))
        stats = [(os.path.basename(path), os.stat(path)) for path in found]
    except OSError:
        return None
    return " ".join(f"{name}:{status.st_size}:{status.st_mtime_ns}" for name, status in stats)
