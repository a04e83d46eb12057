"""Where the bundled regimen and drug files are, and which file a regimen reference names.

No parsing and no heavy imports here, so a warm start (batch's compiled cache) can find and hash a
file without loading the validating loader; the loader resolves references through the same function.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from regimencalc.protocol.limits import MAX_FILE_BYTES


def bundled_dir() -> Path:
    """The folder of regimen files shipped inside the package."""
    return Path(str(files("regimencalc").joinpath("regimens")))


def bundled_ids() -> list[str]:
    """Ids of the bundled regimens (their file names), sorted."""
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def bundled_drug_dir() -> Path:
    """The folder of drug files shipped inside the package (one per drug: its label rules and lines)."""
    return Path(str(files("regimencalc").joinpath("drugs")))


def regimen_file(reference: str) -> Path | None:
    """The file a reference names: a bundled id (a plain name, never a path into the package) first,
    then a path to a regimen file; None when it names neither."""
    bundled = bundled_dir() / f"{reference}.yaml"
    if "/" not in reference and "\\" not in reference and bundled.is_file():
        return bundled
    path = Path(reference)
    return path if path.is_file() else None


def read_bounded(path: str | Path) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes of a file (one more than allowed, so the caller can tell it
    is too large without reading /dev/zero or a huge file to its end); OSError as the system says."""
    with open(path, "rb") as stream:
        return stream.read(MAX_FILE_BYTES + 1)
