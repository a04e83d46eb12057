"""Compiled regimens kept in the user's cache (protocol/cache.py), so a second run reads plain JSON.

The entry is keyed by the package version, the compiled format and the regimen file's bytes; a
corrupt entry, or one that is not exactly the compiled form (`CompiledRegimen.from_json` refuses a
missing or extra field), is rebuilt from the file, validated exactly as `schedule` validates it.
"""

from __future__ import annotations

from regimencalc.batch.compiled import FORMAT, CompiledRegimen
from regimencalc.protocol.bundled import read_bounded, regimen_file
from regimencalc.protocol.cache import cache_key, read_entry, write_entry

FOLDER = "compiled"


def load_compiled(reference: str) -> CompiledRegimen:
    """The compiled form of a bundled regimen id or a regimen file, from the cache when it holds it."""
    path = regimen_file(reference)
    if path is None:
        return _compile(reference)  # the loader names the problem (unknown id, missing file)
    try:
        data = read_bounded(path)
    except OSError:
        return _compile(reference)
    key = cache_key(f"compiled regimen {FORMAT}", data)
    cached = read_entry(FOLDER, key)
    if cached is not None:
        try:
            return CompiledRegimen.from_json(cached)
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
            pass
    compiled = _compile(reference)
    write_entry(FOLDER, key, compiled.to_json())
    return compiled


def _compile(reference: str) -> CompiledRegimen:
    from regimencalc.batch.compiled import compile_regimen
    from regimencalc.protocol.loader import load_regimen

    return compile_regimen(load_regimen(reference))
