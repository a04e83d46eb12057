"""The hostile-input corpus (tests/hostile/cases.py): every case has one exact outcome.

A refusal is exit 1, nothing on stdout, no output file, and exactly one line on stderr that names
the place (file:line:col, the option or the path) and the fix. An accepted case gives the value
stated (doses, statuses, flags, file modes). No case exits 3 (internal error) or prints a traceback.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hostile.cases import CASES
from hostile.expected import EXPECTED

FIXTURES = Path(__file__).parent / "fixtures"
PATIENT = ["--height", "170cm", "--weight", "70kg", "--start", "2026-01-05"]


def test_every_case_has_its_expected_outcome_and_there_are_enough():
    assert [c[0] for c in CASES] == list(EXPECTED)
    assert len(CASES) >= 250
    assert len({c[0] for c in CASES}) == len(CASES)
    assert not [name for name, outcome in EXPECTED.items() if "exit 3" in outcome or "internal error" in outcome]


@pytest.mark.parametrize(("name", "kind", "payload"), CASES, ids=[c[0] for c in CASES])
def test_hostile_input(run_cli, tmp_path, monkeypatch, name, kind, payload):
    monkeypatch.chdir(tmp_path)
    assert outcome(run_cli, tmp_path, kind, payload) == EXPECTED[name]


def outcome(run_cli, folder: Path, kind: str, payload: object) -> str:
    """What a case does, as one line: the refusal, or 'exit 0: ' and the values that matter
    (file modes as with the usual umask 022, whatever the machine's)."""
    umask = os.umask(0o022)
    try:
        return _outcome(run_cli, folder, kind, payload)
    finally:
        os.umask(umask)


def _outcome(run_cli, folder: Path, kind: str, payload: object) -> str:
    if kind == "output":
        return _output_case(run_cli, folder, *payload)  # type: ignore[misc]
    args = _arguments(folder, kind, payload)
    code, out, err = run_cli(*args)
    files = sorted(p.name for p in folder.iterdir())
    assert "Traceback" not in err, err
    if args[0] == "validate":
        return f"exit {code}: {' / '.join(out.splitlines())} | {err.rstrip()}"
    if code != 0:
        assert out == "", out
        lines = err.splitlines()
        assert err.endswith("\n") and all(line.startswith("regimencalc: ") for line in lines), err
        return f"exit {code}: {' / '.join(lines)}"
    if kind == "table":
        cited = next(line for line in out.splitlines() if line.startswith("  s: "))  # the regimen's own source
        return f"exit 0: {out.splitlines()[0]} | {cited}"
    return f"exit 0: {_digest(args, out)} | files {files}"


def _arguments(folder: Path, kind: str, payload: object) -> list[str]:
    def write(name: str, content: str | bytes) -> str:
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return name

    json_out = ["--format", "json"]
    if kind == "regimen":
        return ["schedule", write("r.yaml", payload), *PATIENT, *json_out]  # type: ignore[arg-type]
    if kind == "table":
        return ["schedule", write("r.yaml", payload), *PATIENT]  # type: ignore[arg-type]
    if kind == "edit":
        old, new = payload  # type: ignore[misc]
        text = (FIXTURES / "minimal.yaml").read_text()
        assert old in text, old
        return ["schedule", write("r.yaml", text.replace(old, new, 1)), *PATIENT, *json_out]
    if kind == "observations":
        rules = str(FIXTURES / "rules.yaml")
        return ["schedule", rules, *PATIENT, "--observations", write("o.yaml", payload), *json_out]  # type: ignore[arg-type]
    if kind == "prior":
        return ["schedule", "rdc-blinatumomab", *PATIENT, "--prior", write("p.yaml", payload), *json_out]  # type: ignore[arg-type]
    if kind == "institution":
        profile = ["--age", "40", "--institution", write("i.yaml", payload)]  # type: ignore[arg-type]
        return ["schedule", "rdc-blinatumomab", *PATIENT, *profile, *json_out]
    if kind == "rounding":
        return ["schedule", "vicp", *PATIENT, "--rounding", write("x.yaml", payload), *json_out]  # type: ignore[arg-type]
    if isinstance(payload, list):
        first = {"MERGE": "x: &x {a: 1}\ny: {<<: *x}\n", "YAML13": "%YAML 1.3\n---\nx: 1\n"}
        if payload[0] == "validate" and payload[-1] in first:
            write("a-first.yaml", first[payload[-1]])
            write("b-ok.yaml", (FIXTURES / "minimal.yaml").read_text())
            return ["validate", "a-first.yaml", "b-ok.yaml"]
        return list(payload)
    options = dict(zip(PATIENT[::2], PATIENT[1::2], strict=True)) | payload  # type: ignore[operator]
    return ["schedule", "vicp", *[part for pair in options.items() for part in pair], *json_out]


def _digest(args: list[str], out: str) -> str:
    """An accepted course: its day-1 doses, statuses that are not 'planned', and its flag kinds."""
    if args[0] == "ics":
        events = out.count("BEGIN:VEVENT")
        first = out.splitlines()[out.splitlines().index("BEGIN:VEVENT") :]
        times = [next(line for line in first if line.startswith(k)) for k in ("DTSTART", "DTEND")]
        triggers = sorted({line for line in out.splitlines() if line.startswith("TRIGGER")})
        return f"{events} events {times} {triggers}"
    if args[0] == "sheet":
        return "sheet"
    course = json.loads(out)
    first = [
        f"{a['drug']} {a['dose']['value']:g} {a['dose']['unit']}"
        for a in course["administrations"]
        if a["date"] == course["start_date"]
    ]
    changed = sorted(
        {f"{a['drug']} {a['date']} {a['status']}" for a in course["administrations"] if a["status"] != "planned"}
    )
    kinds = sorted({f["kind"] for f in course["flags"]} - {"institutional-default", "seed-vs-label", "interpretation"})
    unread = [f["text"] for f in course["flags"] if f["kind"] == "unread-term"]
    return f"{len(course['cycles'])} cycle(s), {len(course['administrations'])} doses; day 1: {first}; changed: {changed[:3]}; flags: {kinds}{unread}"


def _output_case(run_cli, folder: Path, setup: str, extra: list[str]) -> str:
    target = folder / "out.txt"
    if setup.startswith("file"):
        target.write_text("old\n")
        target.chmod(int(setup.split()[1], 8))
    elif setup == "dangling link":
        target.symlink_to(folder / "nowhere")
    elif setup == "link to file":
        (folder / "real.txt").write_text("real\n")
        target.symlink_to(folder / "real.txt")
    elif setup == "fifo":
        os.mkfifo(target)
    elif setup == "folder":
        target.mkdir()
    elif setup == "stale temporary":
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        (folder / f".out.txt.{dead.stdout.strip()}.abcdefgh.regimencalc-tmp").write_text("half")
    elif setup == "live temporary":
        (folder / f".out.txt.{os.getpid()}.abcdefgh.regimencalc-tmp").write_text("being written")
    if extra[0] in ("schema", "ics"):
        command = [extra[0]] if extra[0] == "schema" else ["ics", "vicp", *PATIENT]
        args, extra = command, extra[1:]
    else:
        args = ["schedule", "vicp", *PATIENT]
    code, out, err = run_cli(*args, *extra)
    listing = []
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        kind = "link" if stat.S_ISLNK(mode) else "fifo" if stat.S_ISFIFO(mode) else "dir" if path.is_dir() else "file"
        content = f" {path.stat().st_size > 10}" if kind == "file" else ""
        name = str(path.relative_to(folder)).replace(f".{os.getpid()}.", ".PID.")
        listing.append(f"{name} {kind} {stat.S_IMODE(mode):o}{content}")
    assert "Traceback" not in err and err.count("\n") <= 1, err
    return f"exit {code}: {err.rstrip()} | stdout {out.splitlines()[0] if out else ''} | {listing}"
