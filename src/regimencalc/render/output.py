"""Writing output files safely: all or nothing, only regular files, never over a file unasked.

- Only a regular file is written: a device (/dev/null), a FIFO, a socket, a folder or a symbolic
  link (dangling or not) is refused, so `--force` cannot replace one with a regular file.
- The data goes to a temporary file beside the target (`.NAME.PID.RANDOM.regimencalc-tmp`, mode
  0600 while written), flushed to disk, then put in place in one step: a reader or a killed writer
  sees the old file or the new one, never half of one.
- Without `--force` the temporary file is hard-linked to the target name, which fails if the name
  exists: of several processes writing one new path, exactly one wins (an existence check followed
  by a rename would let all of them "win"). On a file system without hard links the target is
  created with O_EXCL and written in place.
- With `--force` an existing file keeps its permissions (a 0600 sheet stays private); a new file
  gets the user's umask.
- Temporary files left by a writer that was killed (its process id no longer runs) are removed on
  the next write to that folder.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from regimencalc.errors import RegimencalcError

TEMP_SUFFIX = ".regimencalc-tmp"
_KINDS = {
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFIFO: "a pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
    stat.S_IFLNK: "a symbolic link",
}


class OutputExistsError(RegimencalcError, FileExistsError):
    """The output file exists and --force was not given."""


def write_output(data: str | bytes, path: Path, *, force: bool = False) -> None:
    """Write `data` to the regular file `path` atomically; refuse to overwrite unless `force`."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with output_file(path, force=force) as temporary, open(temporary, "wb") as stream:
        stream.write(payload)


def _existing_mode(path: Path) -> int | None:
    """The permission bits of an existing regular file, None when nothing is there; anything that is
    not a regular file is refused."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RegimencalcError(f"cannot write {path}: {exc.strerror}") from None
    if not stat.S_ISREG(status.st_mode):
        kind = _KINDS.get(stat.S_IFMT(status.st_mode), "not a regular file")
        raise RegimencalcError(f"{path} is {kind}; write to a regular file, or use -o - for standard output")
    return stat.S_IMODE(status.st_mode)


def _link_new(temporary: str, path: Path) -> None:
    """Give the finished temporary file the target's name, failing if the name exists."""
    try:
        os.link(temporary, path)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, os.stat(temporary).st_mode & 0o777)
        with os.fdopen(descriptor, "wb") as stream, open(temporary, "rb") as finished:
            shutil.copyfileobj(finished, stream)


def remove_stale_temporaries(directory: Path) -> list[Path]:
    """Remove the temporary files of writers that no longer run (killed mid-write); return them."""
    removed = []
    try:
        candidates = list(directory.glob(f".*{TEMP_SUFFIX}"))
    except OSError:
        return removed
    for candidate in candidates:
        pid = _writer_pid(candidate.name)
        if pid is not None and not _running(pid):
            try:
                candidate.unlink(missing_ok=True)
            except OSError:
                continue
            removed.append(candidate)
    return removed


def _writer_pid(name: str) -> int | None:
    """The process id in '.NAME.PID.RANDOM.regimencalc-tmp' (NAME may hold dots)."""
    parts = name[: -len(TEMP_SUFFIX)].split(".")
    return int(parts[-2]) if len(parts) >= 3 and parts[-2].isdigit() else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _umask() -> int:
    """The process umask (mkstemp makes private files; new outputs get the usual permissions)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def output_file(path: Path, *, force: bool = False) -> Iterator[Path]:
    """A temporary file beside `path` to write an output into (at once, or in pieces: a cohort's
    millions of rows); when the block ends it is flushed to disk and put in place all or nothing,
    never over a file unasked; when the block fails it is removed and `path` is left as it was."""
    if str(path) in ("", "."):
        raise RegimencalcError("-o needs a file name (or - for standard output)")
    existing = _existing_mode(path)
    if existing is not None and not force:
        raise OutputExistsError(f"{path} already exists; choose another file or add --force to overwrite it")
    directory = path.parent if str(path.parent) else Path(".")
    remove_stale_temporaries(directory)
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.{os.getpid()}.", suffix=TEMP_SUFFIX)
        os.close(handle)
    except OSError as exc:
        raise RegimencalcError(f"cannot write {path}: {exc.strerror}") from None
    try:
        yield Path(temporary)
        descriptor = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.chmod(temporary, existing if existing is not None else 0o666 & ~_umask())
        if force:
            os.replace(temporary, path)
        else:
            _link_new(temporary, path)
    except FileExistsError:
        raise OutputExistsError(
            f"{path} already exists (another process wrote it first); choose another file or add --force"
        ) from None
    except OSError as exc:
        raise RegimencalcError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        Path(temporary).unlink(missing_ok=True)
