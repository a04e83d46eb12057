"""Compiled regimens kept in the user's cache directory, so a second run reads plain JSON.

An entry is named by the SHA-256 of the package version, the compiled format and the regimen
file's bytes: an edited file, a new release or a new compiled format is a new name, never a stale
hit. An entry that cannot be read, does not parse, or names another key is ignored and rebuilt from
the file (validated exactly as `schedule` validates it). Entries are written to a temporary file
beside the target and renamed into place, so a reader never sees half an entry; a cache that
cannot be written (read-only home) costs time, never a result.

Where: $REGIMENCALC_CACHE_DIR, else $XDG_CACHE_HOME/regimencalc, else ~/.cache/regimencalc.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib.resources import files
from pathlib import Path

from regimencalc.batch.compiled import FORMAT, CompiledRegimen


def cache_dir() -> Path:
    """The folder compiled regimens are kept in."""
    explicit = os.environ.get("REGIMENCALC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "regimencalc"


def load_compiled(reference: str) -> CompiledRegimen:
    """The compiled form of a bundled regimen id or a regimen file, from the cache when it holds it."""
    path = _regimen_path(reference)
    if path is None:
        return _compile(reference)  # the loader names the problem (unknown id, missing file)
    try:
        data = _read_bounded(path)
    except OSError:
        return _compile(reference)
    key = hashlib.sha256(f"{_version()}\0{FORMAT}\0".encode() + data).hexdigest()
    entry = cache_dir() / "compiled" / f"{key}.json"
    cached = _read_entry(entry, key)
    if cached is not None:
        return cached
    compiled = _compile(reference)
    _write_entry(entry, {"key": key, "compiled": compiled.to_json()})
    return compiled


def _version() -> str:
    """The installed package's version (the cache is rebuilt by every release)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("regimencalc")
    except PackageNotFoundError:
        return "unknown"


def _regimen_path(reference: str) -> Path | None:
    """Where `protocol.loader.resolve` finds the regimen: a bundled id first, then a file."""
    bundled = Path(str(files("regimencalc").joinpath("regimens", f"{reference}.yaml")))
    if "/" not in reference and bundled.is_file():
        return bundled
    path = Path(reference)
    return path if path.is_file() else None


def _read_bounded(path: Path) -> bytes:
    from regimencalc.protocol.limits import MAX_FILE_BYTES

    with open(path, "rb") as stream:
        return stream.read(MAX_FILE_BYTES + 1)


def _compile(reference: str) -> CompiledRegimen:
    from regimencalc.batch.compiled import compile_regimen
    from regimencalc.protocol.loader import load_regimen

    return compile_regimen(load_regimen(reference))


def _read_entry(entry: Path, key: str) -> CompiledRegimen | None:
    """A cache entry, or None when it is missing, corrupt or for another key (never trusted blindly)."""
    try:
        document = json.loads(entry.read_text(encoding="utf-8"))
        if document["key"] != key:
            return None
        return CompiledRegimen.from_json(document["compiled"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write_entry(entry: Path, document: dict[str, object]) -> None:
    """Write atomically (temporary file, then rename); a cache that cannot be written is skipped."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=f".{entry.name}.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream)
        os.replace(temporary, entry)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
