"""The user's cache: entries a warm run reads instead of asking pydantic, pint and click again.

What is kept, how each entry is keyed, what is checked on read and what that does and does not
protect is written once, in docs/cache.md: validated regimen and drug files (`validated/`), compiled
regimens (`compiled/`), pint's unit answers (`units/`), the kept `--help` text (`help/`) and click's
description of `schedule` (`cli/`); never a patient's data. This module holds what every entry
shares: its layout (a header line naming its key and the SHA-256 of its content, then the content
as JSON), the one bounded read every cache read goes through (`read_regular`: no link followed, no
blocking, a regular file of at most MAX_CACHE_ENTRY_BYTES), and the atomic write (a temporary file
beside the target, renamed into place; a cache that cannot be written costs time, never a result).
An entry that fails any check is a miss, rebuilt by its caller.

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


def read_entry(folder: str, key: str, name: str | None = None) -> Any | None:
    """The content kept under `key` (in the file `name`, by default `<key>.json`), or None when it
    is missing, not a regular file, larger than MAX_CACHE_ENTRY_BYTES, corrupt (its checksum
    differs), for another key, or JSON nested deeper than Python parses."""
    import hashlib
    import json

    data = read_regular(os.path.join(cache_folder(), folder, name or f"{key}.json"))
    if data is None:
        return None
    header, _, content = data.partition(b"\n")
    try:
        kept = json.loads(header)
        if kept != {"key": key, "sha256": hashlib.sha256(content).hexdigest()}:
            return None
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


def read_regular(path: str) -> bytes | None:
    """The bytes of the regular file `path`, or None when it is missing, a symbolic link, not a
    regular file (a FIFO, a device, a folder) or larger than MAX_CACHE_ENTRY_BYTES. Opened without
    following a link and without blocking, so no entry can hang or exhaust a run: every cache read
    goes through here."""
    import stat

    from regimencalc.protocol.limits import MAX_CACHE_ENTRY_BYTES

    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        handle = os.open(path, flags)
    except OSError:
        return None
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_CACHE_ENTRY_BYTES:
            return None
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_CACHE_ENTRY_BYTES:
            chunk = os.read(handle, MAX_CACHE_ENTRY_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError:
        return None
    finally:
        os.close(handle)
    return b"".join(chunks) if size <= MAX_CACHE_ENTRY_BYTES else None


def write_entry(folder: str, key: str, content: Any, name: str | None = None) -> None:
    """Keep `content` under `key` (in the file `name`, by default `<key>.json`) with its checksum,
    atomically (temporary file, then rename); skipped when it cannot be written."""
    import hashlib
    import json

    text = json.dumps(content, ensure_ascii=False)
    header = json.dumps({"key": key, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()})
    write_text(folder, name or f"{key}.json", f"{header}\n{text}")


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
