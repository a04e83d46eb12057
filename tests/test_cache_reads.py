"""Every cache read is bounded and never blocks or follows a link (protocol/cache.py `read_regular`).

An entry replaced by a FIFO, a symbolic link to /dev/zero, a folder, a file past
MAX_CACHE_ENTRY_BYTES or JSON nested 100,000 levels deep is a miss, for every kind of entry
(validated/, compiled/, units/, help/, cli/): the run answers as with no cache, and the entry is
made again.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from regimencalc.protocol.cache import read_entry, write_entry
from regimencalc.protocol.limits import MAX_CACHE_ENTRY_BYTES

ADULT = ["--height", "170cm", "--weight", "70kg", "--start", "2026-01-05"]
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "REGIMENCALC_INSTITUTION"}
KINDS = ("validated", "compiled", "units", "help", "cli")
NESTED = b"[" * 100_000 + b"]" * 100_000


def _checksummed(key: str, content: bytes) -> bytes:
    """An entry whose header is right for `content`: only the content itself is wrong."""
    header = json.dumps({"key": key, "sha256": hashlib.sha256(content).hexdigest()})
    return header.encode() + b"\n" + content


def _replace(entry: Path, how: str) -> None:
    """Put something hostile where the entry `entry` was."""
    key = json.loads(entry.read_bytes().partition(b"\n")[0])["key"]
    entry.unlink()
    if how == "fifo":
        os.mkfifo(entry)
    elif how == "zero":
        entry.symlink_to("/dev/zero")
    elif how == "folder":
        entry.mkdir()
    elif how == "oversize":
        with open(entry, "wb") as stream:
            stream.write(_checksummed(key, b'"' + b" " * MAX_CACHE_ENTRY_BYTES + b'"'))
    else:
        entry.write_bytes(_checksummed(key, NESTED))


HOSTILE = ("fifo", "zero", "folder", "oversize", "nested")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", HOSTILE)
def test_read_entry_refuses_what_is_not_a_small_regular_file(tmp_path, monkeypatch, kind, how):
    monkeypatch.setenv("REGIMENCALC_CACHE_DIR", str(tmp_path))
    write_entry(kind, "k", ["kept"], "entry.json")
    assert read_entry(kind, "k", "entry.json") == ["kept"]
    _replace(tmp_path / kind / "entry.json", how)
    assert read_entry(kind, "k", "entry.json") is None


@pytest.mark.skipif(not Path("/dev/zero").exists() or not hasattr(os, "mkfifo"), reason="needs a POSIX system")
@pytest.mark.parametrize("how", HOSTILE)
def test_a_run_over_hostile_entries_answers_as_a_cold_run(tmp_path, how):
    """Every entry of a warm cache (regimen and drug files, units, the kept description, the help, a
    compiled regimen) replaced: `schedule`, `--help` and the compiled read answer as with no cache."""
    script = Path(sys.executable).with_name("regimencalc")
    env = {**ENVIRONMENT, "REGIMENCALC_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "80"}
    compiled = "from regimencalc.batch.cache import load_compiled; print(load_compiled('vicp').id)"
    runs = (
        [str(script), "schedule", "vicp", *ADULT, "--format", "json"],
        [str(script), "--help"],
        [sys.executable, "-c", compiled],
    )

    def run_all() -> list[tuple[int, str, str]]:
        done = [subprocess.run(r, capture_output=True, text=True, env=env, timeout=60) for r in runs]
        return [(d.returncode, d.stdout, d.stderr) for d in done]

    cold = run_all()
    assert [c[0] for c in cold] == [0, 0, 0]
    entries = sorted(p for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert {p.parent.name for p in entries} == set(KINDS)
    for entry in entries:
        _replace(entry, how)
    assert run_all() == cold  # no hang (timeout), no MemoryError, no traceback
    assert run_all() == cold
