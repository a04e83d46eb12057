"""Writing output files safely: all or nothing, and never over a file the user did not name for it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from regimencalc.errors import RegimencalcError


class OutputExistsError(RegimencalcError, FileExistsError):
    """The output file exists and --force was not given."""


def write_output(data: str | bytes, path: Path, *, force: bool = False) -> None:
    """Write `data` to `path` atomically (temporary file + rename); refuse to overwrite unless `force`."""
    if path.exists() and not force:
        raise OutputExistsError(f"{path} already exists; choose another file or add --force to overwrite it")
    if path.is_dir():
        raise OutputExistsError(f"{path} is a folder; give a file name")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise RegimencalcError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise RegimencalcError(f"cannot write {path}: {exc.strerror}") from None


def _umask() -> int:
    """The process umask (mkstemp makes private files; outputs get the usual permissions)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
