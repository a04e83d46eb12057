"""The command line: outputs, the JSON document, one-line errors, safe output files."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

ADULT = ("--height", "170cm", "--weight", "70kg", "--start", "2026-01-05")


def test_schedule_json_document(run_cli):
    code, out, err = run_cli("schedule", "rdc-blinatumomab", *ADULT, "--age", "40", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["format"], doc["format_version"]) == ("regimencalc.course", 1)
    assert doc["regimen"]["id"] == "rdc-blinatumomab" and doc["regimen"]["version"] == "1.0"
    assert round(doc["patient"]["bsa_m2"], 3) == 1.818 and doc["patient"]["bsa_formula"] == "Mosteller"
    first = doc["administrations"][0]
    assert {k: first[k] for k in ("cycle", "day", "date", "drug", "route", "dose", "basis")} == {
        "cycle": 1,
        "day": 1,
        "date": "2026-01-05",
        "drug": "idarubicin",
        "route": "IV",
        "dose": {"value": 14.5, "unit": "mg", "max": None},
        "basis": "bsa",
    }
    assert first["prescribed"] == "8 mg/m² (seed-003)"
    assert [s["kind"] for s in first["trace"]] == ["prescribed", "basis", "rounding", "final"]
    vindesine = doc["administrations"][1]
    assert vindesine["drug"] == "vindesine" and vindesine["dose"]["value"] == 4
    flags = {f["id"]: f for f in doc["flags"]}
    assert any(flags[f]["kind"] == "cap-applied" for f in vindesine["flags"])
    infusion = next(a for a in doc["administrations"] if a["drug"] == "blinatumomab")
    assert infusion["dose"] == {"value": 9.0, "unit": "mcg", "max": None}
    assert infusion["rate"] == {"value": 9.0, "unit": "mcg/day", "max": None}


def test_schedule_table_reads_top_to_bottom(run_cli):
    code, out, _ = run_cli("schedule", "rdc-blinatumomab", *ADULT)
    assert code == 0
    assert "BSA 1.818 m² (Mosteller" in out
    assert "FLAGS (check before dispensing)" in out and "[cap-applied] vindesine: dose capped at 4 mg" in out
    rows = [
        line for line in out.splitlines() if line.startswith(("Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun "))
    ]
    assert rows[0].startswith("Mon 2026-01-05") and "idarubicin" in rows[0] and "14.5 mg" in rows[0]
    assert rows[-1].startswith("Sun 2026-01-25") and "28 mcg/day" in rows[-1]
    assert "3 mg/m² × 1.818 m² (BSA, Mosteller) = 5.454 mg → above the cap of 4 mg (seed-003) → capped at 4 mg" in out
    assert "blinatumomab: 259 mcg over 14 administrations" in out
    assert "seed-003: Lu J et al." in out


def test_schedule_csv(run_cli):
    code, out, _ = run_cli(
        "schedule",
        "tisagenlecleucel",
        "--height",
        "120cm",
        "--weight",
        "22kg",
        "--start",
        "2026-03-02",
        "--format",
        "csv",
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    (row,) = [r for r in rows if r["section"] == "chemotherapy"]
    assert [r["prescribed"] for r in rows if r["section"] == "supportive"] == [
        "administration: tisagenlecleucel: infusion duration and rate not given by a verified source: per local protocol"
    ]
    assert (row["date"], row["drug"], row["dose_value"], row["dose_max"], row["dose_unit"]) == (
        "2026-03-02",
        "tisagenlecleucel",
        "4400000",
        "110000000",
        "cells",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("schedule", "rdc-blinatumomab", "--height", "170", "--weight", "70kg", "--start", "2026-01-05"),
            "height '170' has no unit",
        ),
        (
            ("schedule", "rdc-blinatumomab", "--height", "170cm", "--weight", "70kg", "--start", "05/01/2026"),
            "start date '05/01/2026' is not a valid date",
        ),
        (
            ("schedule", "rdc-blinatumomab", "--height", "170cm", "--weight", "70kg", "--start", "2026-02-30"),
            "is not a valid date",
        ),
        (("schedule", "nope", *ADULT), "no regimen 'nope'"),
        (
            ("schedule", "rdc-blinatumomab", *ADULT, "--cycles", "2"),
            "--cycles 2: regimen 'rdc-blinatumomab' has 1 cycle; leave --cycles out or give --cycles 1",
        ),
        (
            ("schedule", "blinatumomab", *ADULT, "--cycles", "0"),
            "--cycles 0: regimen 'blinatumomab' has 9 cycles; give --cycles from 1 to 9",
        ),
        (("schedule", "inotuzumab-ozogamicin", *ADULT), "give --response"),
        (
            ("schedule", "rdc-blinatumomab", "--height", "1700cm", "--weight", "70kg", "--start", "2026-01-05"),
            "is impossible",
        ),
        (("bsa", "--height", "170cm", "--weight", "154"), "weight '154' has no unit"),
    ],
)
def test_errors_are_one_line_without_a_dose(run_cli, args, message):
    code, out, err = run_cli(*args)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("regimencalc: error: ") and message in err
    assert "Traceback" not in err


def test_output_file_is_written_once_and_not_overwritten(run_cli, tmp_path: Path):
    target = tmp_path / "course.json"
    assert run_cli("schedule", "vicp", *ADULT, "--format", "json", "-o", str(target))[0] == 0
    first = target.read_text()
    assert json.loads(first)["regimen"]["id"] == "vicp"
    code, _, err = run_cli("schedule", "vmp-lipo-mitoxantrone", *ADULT, "-o", str(target))
    assert code == 1 and "already exists" in err and "--force" in err
    assert target.read_text() == first
    assert run_cli("schedule", "vmp-lipo-mitoxantrone", *ADULT, "-o", str(target), "--force")[0] == 0
    assert "VMP" in target.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course.json"]


def test_failed_schedule_writes_no_file(run_cli, tmp_path: Path):
    target = tmp_path / "out.csv"
    code, _, _ = run_cli(
        "schedule",
        "rdc-blinatumomab",
        "--height",
        "170",
        "--weight",
        "70kg",
        "--start",
        "2026-01-05",
        "-o",
        str(target),
    )
    assert code == 1 and not target.exists()


def test_same_inputs_give_the_same_output(run_cli):
    args = ("schedule", "clag-lipo-mitoxantrone", *ADULT, "--format", "json")
    assert run_cli(*args)[1] == run_cli(*args)[1]


def test_list_and_show(run_cli):
    code, out, _ = run_cli("list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [
        "blinatumomab",
        "clag-lipo-mitoxantrone",
        "inotuzumab-infant-extended",
        "inotuzumab-ozogamicin",
        "rdc-blinatumomab",
        "tisagenlecleucel",
        "vicp",
        "vmp-lipo-mitoxantrone",
    ]
    code, out, _ = run_cli("show", "rdc-blinatumomab")
    assert code == 0
    assert "vindesine IV 3 mg/m², up to 4 mg (seed-003) — days 1 (seed-003)" in out
    assert "if PR, NR → RDC-Blinatumomab-4W" in out and "blinatumomab CIV 28 mcg/day — days 22-35" in out
    assert "seed-003 [seed]: Lu J et al." in out and "doi 10.1186/s13045-024-01597-8" in out
    code, out, _ = run_cli("show", "vmp-lipo-mitoxantrone")
    assert "then taper: 40 mg days 8-14, 20 mg days 15-21" in out


def test_schema_command_matches_the_committed_schema(run_cli):
    from regimencalc.protocol.bundled import bundled_dir

    code, out, _ = run_cli("schema")
    assert code == 0
    committed = (bundled_dir() / "regimen.schema.json").read_text(encoding="utf-8")
    assert out == committed, "regenerate with: regimencalc schema -o regimens/regimen.schema.json --force"


def test_committed_schema_accepts_every_bundled_regimen_and_rejects_a_broken_one():
    import jsonschema

    from regimencalc.protocol.bundled import bundled_dir, bundled_ids
    from regimencalc.protocol.loader import read_yaml

    schema = json.loads((bundled_dir() / "regimen.schema.json").read_text(encoding="utf-8"))
    for regimen_id in bundled_ids():
        path = bundled_dir() / f"{regimen_id}.yaml"
        data, _, _ = read_yaml(path.read_text(encoding="utf-8"), str(path))
        jsonschema.validate(data, schema)
    broken = Path(__file__).parent / "fixtures" / "broken" / "no_as_route.yaml"
    data, _, _ = read_yaml(broken.read_text(), str(broken))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_help_does_not_import_heavy_libraries():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from regimencalc.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pint', 'pydantic', 'icalendar', 'ruamel.yaml', 'fastapi', 'uvicorn', 'jinja2') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_schedule_loads_the_profile_models_only_when_their_options_are_given():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from regimencalc.cli import main\n"
        "try:\n    main(['schedule', 'rdc-blinatumomab', '--height', '170cm', '--weight', '70kg', '--start', '2026-01-05'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('regimencalc.safety.institution', 'regimencalc.safety.prior', 'regimencalc.safety.rounding') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_course_schema_is_committed_and_validates_real_output(run_cli):
    import jsonschema

    code, out, _ = run_cli("schema", "--of", "course")
    committed = (Path(__file__).resolve().parents[1] / "docs" / "course.schema.json").read_text(encoding="utf-8")
    assert code == 0 and out == committed, (
        "regenerate with: regimencalc schema --of course -o docs/course.schema.json --force"
    )
    schema = json.loads(committed)
    for regimen_id, extra in (
        ("rdc-blinatumomab", ()),
        ("tisagenlecleucel", ()),
        ("inotuzumab-ozogamicin", ("--response", "CR")),
    ):
        _, document, _ = run_cli("schedule", regimen_id, *ADULT, *extra, "--format", "json")
        jsonschema.validate(json.loads(document), schema)
    broken = json.loads(run_cli("schedule", "vicp", *ADULT, "--format", "json")[1])
    broken["administrations"][0]["status"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def _help_run(cache: Path, code: str = "from regimencalc.__main__ import main\nmain()") -> tuple[str, str]:
    """`regimencalc --help` as the console script runs it (argv[0] named regimencalc), in a fresh
    interpreter with its own cache; (stdout, whether click was imported)."""
    import subprocess
    import sys

    probe = (
        f"import sys\nsys.argv = ['/bin/regimencalc', '--help']\n{code}\nprint('click' in sys.modules, file=sys.stderr)"
    )
    env = {"REGIMENCALC_CACHE_DIR": str(cache), "COLUMNS": "80", "PATH": ""}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    return done.stdout, done.stderr.strip()


def test_help_is_kept_and_printed_without_click_exactly_as_click_prints_it(tmp_path):
    by_click = _help_run(tmp_path / "unused", "from regimencalc.cli import main\nmain()")[0]  # click itself
    assert by_click.startswith("Usage: regimencalc [OPTIONS] COMMAND [ARGS]...\n")
    assert _help_run(tmp_path) == (by_click, "True")  # rendered by click, kept
    assert _help_run(tmp_path) == (by_click, "False")  # read back: click not imported
    from regimencalc.protocol.cache import read_entry, write_entry

    entry = tmp_path / "help" / "regimencalc.txt"
    stamp = json.loads(entry.read_text(encoding="utf-8").partition("\n")[0])["key"]
    with mock.patch.dict(os.environ, {"REGIMENCALC_CACHE_DIR": str(tmp_path)}):
        assert read_entry("help", stamp, "regimencalc.txt") == by_click
        assert "commands.py" in stamp and "COLUMNS='80'" in stamp
        write_entry("help", f"{stamp} stale", "Usage: an older help\n", "regimencalc.txt")  # commands/click changed
        assert _help_run(tmp_path) == (by_click, "True")
        entry.write_bytes(b"\xff\xfe garbage")
        assert _help_run(tmp_path) == (by_click, "True")
        assert read_entry("help", stamp, "regimencalc.txt") == by_click


def test_the_output_suffix_chooses_the_format_and_a_contradiction_is_refused(run_cli, tmp_path: Path):
    for name, starts in (
        ("course.json", "{"),
        ("course.csv", "id,cycle,day,date,"),
        ("course.txt", "VICP re-induction"),
    ):
        assert run_cli("schedule", "vicp", *ADULT, "-o", str(tmp_path / name))[0] == 0
        assert (tmp_path / name).read_text().startswith(starts), name
    refusals = [
        (
            ["-o", "c.ics"],
            "-o c.ics: a schedule is written as .txt, .csv or .json, not .ics; name the file course.txt, course.csv or course.json",
        ),
        (["-o", "c.json", "--format", "csv"], "--format csv does not match -o c.json; name the file course.csv"),
    ]
    for extra, message in refusals:
        code, out, err = run_cli("schedule", "vicp", *ADULT, *extra)
        assert (code, out, err) == (1, "", f"regimencalc: error: {message}\n")
    code, out, _ = run_cli("sheet", "vicp", *ADULT, "-o", "-")  # -o - is standard output, as the README says
    assert code == 0 and out.startswith("<!DOCTYPE html>")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["schedule", "vicp", *ADULT, "-o", "-"],
        ["sheet", "vicp", *ADULT],
        ["sheet", "vicp", *ADULT, "--format", "pdf"],
        ["list"],  # list, show and bsa wrote through click.echo: exit 3, "internal error"
        ["show", "vicp"],
        ["bsa", "--height", "170cm", "--weight", "70kg", "--all"],
    ],
)
def test_a_full_standard_output_is_one_line_and_exit_1(args):
    args = [sys.executable, "-m", "regimencalc", *args]
    with open("/dev/full", "w") as full:
        done = subprocess.run(args, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (
        1,
        "regimencalc: error: cannot write standard output: No space left on device\n",
    )


def test_a_regimen_read_from_a_file_shows_its_path_and_formulas_take_any_case(run_cli, tmp_path: Path):
    copy = tmp_path / "vicp.yaml"  # a user's file with the bundled id: it must not pass for the bundled vicp
    copy.write_text((Path(__file__).resolve().parents[1] / "src/regimencalc/regimens/vicp.yaml").read_text())
    code, out, _ = run_cli("schedule", str(copy), *ADULT)
    assert code == 0
    assert out.splitlines()[1:3] == [
        "  regimen vicp v1.0 · Relapsed B-ALL, re-induction (single case report)",
        f"  regimen file {copy} (read from this file, not a bundled regimen)",
    ]
    bundled = run_cli("schedule", "vicp", *ADULT, "--format", "json")[1]
    assert json.loads(bundled)["regimen"]["file"] is None
    assert json.loads(run_cli("schedule", str(copy), *ADULT, "--format", "json")[1])["regimen"]["file"] == str(copy)
    code, out, _ = run_cli("schedule", "vicp", *ADULT, "--bsa-formula", "DuBois", "--format", "json")
    assert code == 0 and json.loads(out)["patient"]["bsa_formula"] == "DuBois & DuBois"


def test_the_version_is_regimencalc_version_never_the_installed_metadata():
    """`--version` and the web app's OpenAPI version read `regimencalc.__version__` (pyproject reads it
    too): installed metadata that says otherwise (a stale install) is not asked."""
    code = (
        "import importlib.metadata, sys\n"
        "importlib.metadata.version = lambda name: '9.9.9'\n"
        "import regimencalc\n"
        "from regimencalc.web.app import create_app\n"
        "print(create_app().version, regimencalc.__version__)\n"
        "sys.argv = ['regimencalc', '--version']\n"
        "from regimencalc.cli import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    from regimencalc import __version__

    assert done.stdout == f"{__version__} {__version__}\nregimencalc, version {__version__}\n"
    assert __version__ != "9.9.9"
