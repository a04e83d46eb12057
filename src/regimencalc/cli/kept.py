"""What click said, kept: text click rendered (the `--help` text, the description of `schedule`) in the
user's cache under a stamp of everything it depends on, so a later run reads it back without click.

An entry has the layout of every cache entry (protocol/cache.py, docs/cache.md): a header line
naming its key — here the stamp — and the SHA-256 of the content, then the text as a JSON string.
The stamp is one line: the caller's own parts (the terminal width for `--help`), then the files the
text is made from (the click commands, click's own `.py` files, and for the description the code that
makes and reads it), each by path, size and modification time, as Python checks its own bytecode. A
missing, unreadable, differently stamped or corrupt entry is not used: the caller renders it again with click
and keeps it (docs/architecture.md, start-up).
"""

from __future__ import annotations

import os

#: The click commands: every kept text depends on them.
COMMANDS = os.path.join(os.path.dirname(__file__), "commands.py")


def stamp(parts: list[str], files: list[str]) -> str | None:
    """`parts`, then `files` and click's files by path, size and modification time, in one line; None
    when click or a file cannot be found."""
    from importlib.machinery import PathFinder

    click = PathFinder.find_spec("click")
    if click is None or click.origin is None:
        return None
    folder = os.path.dirname(click.origin)
    try:
        library = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".py"))
        for path in [*files, *library]:
            status = os.stat(path)
            parts = [*parts, f"{path!r}:{status.st_size}:{status.st_mtime_ns}"]
    except OSError:
        return None
    return " ".join(parts)


def read(folder: str, name: str, stamp: str | None) -> str | None:
    """The text kept as `name` under `stamp`; None when it is missing, unreadable, stamped otherwise
    or fails its checksum (read as every cache entry is: protocol/cache.py `read_entry`)."""
    from regimencalc.protocol.cache import read_entry

    text = read_entry(folder, stamp, name) if stamp is not None else None
    return text if isinstance(text, str) and text else None


def keep(folder: str, name: str, stamp: str | None, text: str) -> None:
    """Keep `text` as `name` under `stamp`, with its checksum (atomically; skipped without a stamp or
    a writable cache)."""
    from regimencalc.protocol.cache import write_entry

    if stamp is not None:
        write_entry(folder, stamp, text, name)
