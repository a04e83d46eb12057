"""Where the bundled regimen and drug files are, and which file a regimen reference names.

No parsing and no heavy imports here, so a warm start (batch's compiled cache) can find and hash a
file without loading the validating loader; the loader resolves references through the same function.
The folders are found from this module's own file (the package is installed as plain files: the
data files sit beside the code), as text: neither importlib.resources nor pathlib loads on the warm
`schedule` path (docs/batch.md, start-up).
"""

from __future__ import annotations

import os

from regimencalc.protocol.limits import MAX_FILE_BYTES

TYPE_CHECKING = False  # pathlib loads only when a folder is asked for as a Path
if TYPE_CHECKING:
    from pathlib import Path

#: The installed package's folder, and the regimen and drug files shipped in it.
PACKAGE = os.path.dirname(os.path.dirname(__file__))
REGIMENS = os.path.join(PACKAGE, "regimens")
DRUGS = os.path.join(PACKAGE, "drugs")


def bundled_dir() -> Path:
    """The folder of regimen files shipped inside the package."""
    from pathlib import Path

    return Path(REGIMENS)


def bundled_ids() -> list[str]:
    """Ids of the bundled regimens (their file names), sorted."""
    return sorted(name.removesuffix(".yaml") for name in os.listdir(REGIMENS) if name.endswith(".yaml"))


def bundled_drug_dir() -> Path:
    """The folder of drug files shipped inside the package (one per drug: its label rules and lines)."""
    from pathlib import Path

    return Path(DRUGS)


def regimen_file(reference: str) -> str | None:
    """The file a reference names: a bundled id (a plain name, never a path into the package) first,
    then a path to a regimen file; None when it names neither."""
    bundled = os.path.join(REGIMENS, f"{reference}.yaml")
    if "/" not in reference and "\\" not in reference and os.path.isfile(bundled):
        return bundled
    from pathlib import Path  # a file named on the command line is written as pathlib writes it, as before

    path = Path(reference)
    return str(path) if path.is_file() else None


def read_bounded(path: str | Path) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes of a file (one more than allowed, so the caller can tell it
    is too large without reading /dev/zero or a huge file to its end); OSError as the system says."""
    with open(path, "rb") as stream:
        return stream.read(MAX_FILE_BYTES + 1)
