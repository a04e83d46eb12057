"""The user's cache of validated and compiled regimen files, so a second run reads plain JSON.

An entry is named by the SHA-256 of the package version, what the entry holds and the file's
bytes: an edited file, a new release or a new entry format is a new name, never a stale hit. An
entry that cannot be read, does not parse, or names another key is ignored (the caller rebuilds
it from the file, validated exactly as the first time); an entry that is read is validated again
by its model before use. Entries are written to a temporary file beside the target and renamed
into place, so a reader never sees half an entry; a cache that cannot be written (a read-only
home) costs time, never a result. Only regimen and drug files are kept: never observations, prior
exposure or a profile (a patient's data stays out of the cache).

Where: $REGIMENCALC_CACHE_DIR, else $XDG_CACHE_HOME/regimencalc, else ~/.cache/regimencalc.
"""

from __future__ import annotations

import os

from regimencalc import __version__

TYPE_CHECKING = False  # typing, pathlib, json and hashlib load when used: `regimencalc --help` reads this module
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


def cache_folder() -> str:
    """The folder cache entries are kept in, as text (no pathlib: the `--help` path reads it)."""
    explicit = os.environ.get("REGIMENCALC_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "regimencalc")


def cache_dir() -> Path:
    """The folder cache entries are kept in."""
    from pathlib import Path

    return Path(cache_folder())


def cache_key(kind: str, data: bytes) -> str:
    """The name of the entry of `kind` (what it holds, with its format) for a file's bytes."""
    import hashlib

    return hashlib.sha256(f"{__version__}\0{kind}\0".encode() + data).hexdigest()


def read_entry(folder: str, key: str) -> Any | None:
    """The document kept under `key`, or None when it is missing, corrupt or for another key."""
    import json

    try:
        document = json.loads((cache_dir() / folder / f"{key}.json").read_text(encoding="utf-8"))
        return document["content"] if document["key"] == key else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_entry(folder: str, key: str, content: Any) -> None:
    """Keep `content` under `key`, atomically (temporary file, then rename); skipped when it cannot be written."""
    import json

    write_text(folder, f"{key}.json", json.dumps({"key": key, "content": content}, ensure_ascii=False))


def write_text(folder: str, name: str, text: str) -> None:
    """Keep `text` as `name` in `folder`, atomically (temporary file, then rename); skipped when it cannot be written."""
    import tempfile
    from pathlib import Path

    entry = cache_dir() / folder / name
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=f".{entry.name}.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, entry)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
