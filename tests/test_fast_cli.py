"""The fast `schedule` path (cli/fast.py): a plain line read without click gives exactly what click gives.

The reader's description is click's own command object turned into data; hypothesis draws command
lines from it (valid and invalid) and requires the reader to decline or to give exactly click's
parameters. Subprocess runs of `python -m regimencalc schedule …` compare stdout, stderr and the exit
code of the fast path with click's (a cache click cannot keep a description in runs every line
through click), for plain lines, errors and declined lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regimencalc.cli import main
from regimencalc.cli.fast import describe, read_line

ADULT = ["--height", "170cm", "--weight", "70kg", "--start", "2026-01-05"]
#: The environment of the runs below: no institutional profile from the caller's environment.
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "REGIMENCALC_INSTITUTION"}
with mock.patch.dict(os.environ, ENVIRONMENT, clear=True):
    DESCRIPTION = describe(main)
COMMAND = main.commands["schedule"]
BY_NAME = {p["name"]: p for p in DESCRIPTION["params"]}


def by_click(args: list[str]) -> dict[str, object] | None:
    """The parameters click gives `schedule` for `args`; None when click refuses the line (or prints help)."""
    parent = click.Context(main, info_name="regimencalc", **main.context_settings)
    try:
        with mock.patch.dict(os.environ, ENVIRONMENT, clear=True):
            return COMMAND.make_context("schedule", list(args), parent=parent).params
    except (click.ClickException, click.exceptions.Exit):
        return None


def test_the_description_is_clicks_command():
    assert [p["name"] for p in DESCRIPTION["params"]] == [p.name for p in COMMAND.params]
    assert BY_NAME["bsa_formula"] == {
        "name": "bsa_formula",
        "argument": False,
        "flags": ["--bsa-formula"],
        "kind": "choice",
        "multiple": False,
        "required": False,
        "envvars": [],
        "choices": ["mosteller", "dubois", "haycock", "gehan-george", "boyd"],
        "case_sensitive": False,
        "absent": "mosteller",
    }
    assert BY_NAME["institution"]["envvars"] == ["REGIMENCALC_INSTITUTION"]
    assert (BY_NAME["force"]["absent"], BY_NAME["force"]["given"]) == (False, True)
    assert BY_NAME["accept_unusual"]["multiple"] and BY_NAME["accept_unusual"]["absent"] == ()
    # click checks these files, and writes the output: the reader leaves them to click
    assert {p["name"] for p in DESCRIPTION["params"] if p["kind"] == "click"} == {
        "observations",
        "prior",
        "rounding",
        "institution",
        "output",
    }


def test_a_whole_number_int_refuses_is_declined_as_click_refuses_it():
    args = ["vicp", *ADULT, "--cycles", "1" * 5000]  # past sys.get_int_max_str_digits (4300)
    assert read_line(DESCRIPTION, args, {}) is None and by_click(args) is None


def test_a_plain_line_is_read_as_click_reads_it():
    args = ["rdc-blinatumomab", *ADULT, "--bsa-formula=DuBois", "--accept-unusual", "bmi", "--cycles", "1"]
    args += ["--accept-unusual=weight", "--force", "--format", "json", "--sex", "F"]
    params = read_line(DESCRIPTION, args, {})
    assert params == by_click(args)
    assert params["bsa_formula"] == "dubois" and params["accept_unusual"] == ("bmi", "weight")
    assert params["cycles"] == 1 and params["force"] is True and params["output"] is None


@pytest.mark.parametrize(
    "extra",
    [
        ["--help"],
        ["-h"],
        ["-o", "course.json"],
        ["--output=course.json"],
        ["--observations", "obs.yaml"],
        ["--institution", "profile.yaml"],
        ["--height", "180cm"],  # given twice
        ["--nope", "1"],
        ["--"],
        ["-"],
        ["--age", "-5"],  # a value that starts with '-'
        ["--sex", "f"],  # --sex is case-sensitive
        ["--format", "JSON"],
        ["--cycles", "٣"],  # int() reads it; the reader takes plain digits only
        ["--force=yes"],
        ["--bsa-cap"],  # no value
        ["second-regimen"],
    ],
)
def test_a_line_that_is_not_plain_goes_to_click(extra):
    assert read_line(DESCRIPTION, ["vicp", *ADULT, *extra], {}) is None


def test_an_option_set_by_the_environment_or_shell_completion_goes_to_click():
    args = ["vicp", *ADULT]
    assert read_line(DESCRIPTION, args, {}) is not None
    assert read_line(DESCRIPTION, args, {"REGIMENCALC_INSTITUTION": "profile.yaml"}) is None
    assert read_line(DESCRIPTION, args, {"_REGIMENCALC_COMPLETE": "bash_complete"}) is None
    assert read_line(DESCRIPTION, args[:-2], {}) is None  # --start missing


def _value(param: dict[str, object], odd: bool) -> st.SearchStrategy[str]:
    """A value to give an option: mostly one it takes (its choices in any case, digits, text with '=',
    spaces or nothing), an `odd` one now and then (a leading '-', an option's name, digits int() reads)."""
    if odd:
        return st.sampled_from(["-5", "--height", "-", " 2", "+1", "٣", "1.5", "x", "CRx", ""])
    if param["kind"] == "choice":
        choice = st.sampled_from(param["choices"])
        return choice.flatmap(lambda c: st.sampled_from([c, c, c.upper(), c.lower(), c.swapcase()]))
    if param["kind"] == "integer":
        return st.integers(0, 12).map(str) | st.just("007")
    return st.sampled_from(["170cm", "70kg", "2026-01-05", "9 months", "bmi", "x y", "a=b", "", "schedule"])


#: At most one mistake per line (None: a plain line), so that plain lines are drawn often.
MISTAKES = (
    None,
    None,
    None,
    "leave out",
    "twice",
    "odd value",
    "no value",
    "flag value",
    "checked",
    "stray",
    "regimens",
)


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """A `schedule` line drawn from the description: the required options and some others, in any order,
    as `--name value` or `--name=value`, choices in any case, and now and then a mistake: a required
    option left out, one given twice, an odd value, a missing value, a flag given a value, an option
    click checks a file for, a stray word (unknown, short, `--`, help), no REGIMEN or two."""
    options = [p for p in DESCRIPTION["params"] if not p["argument"]]
    readable = [p for p in options if not p["required"] and p["kind"] != "click"]
    mistake = draw(st.sampled_from(MISTAKES))
    chosen = [p for p in options if p["required"]]
    chosen += draw(st.lists(st.sampled_from(readable), max_size=8, unique_by=lambda p: p["name"]))
    if mistake == "leave out":
        chosen.pop(draw(st.integers(0, 2)))
    if mistake == "twice":
        chosen.append(draw(st.sampled_from(chosen)))
    target = draw(st.integers(0, len(chosen) - 1))  # the option an odd value, no value or a flag value goes to
    groups: list[list[str]] = []
    for index, param in enumerate(chosen):
        flag = draw(st.sampled_from(param["flags"]))
        mistaken = index == target and mistake
        if param["kind"] == "flag":
            groups.append([f"{flag}=1"] if mistaken == "flag value" else [flag])
        elif mistaken == "no value":
            groups.append([flag])
        else:
            value = draw(_value(param, odd=mistaken == "odd value"))
            groups.append(draw(st.sampled_from([[flag, value], [f"{flag}={value}"]])))
    if mistake == "checked":  # an option click checks (a file that exists) or writes
        param = draw(st.sampled_from([p for p in options if p["kind"] == "click"]))
        groups.append([draw(st.sampled_from(param["flags"])), __file__])
    if mistake == "stray":
        groups.append(draw(st.sampled_from([["--nope"], ["-x"], ["--"], ["-h"], ["--help"], ["-"]])))
    regimens = draw(st.sampled_from([0, 2])) if mistake == "regimens" else 1
    groups += [[draw(st.sampled_from(["vicp", "rdc-blinatumomab", "x"]))] for _ in range(regimens)]
    return [word for group in draw(st.permutations(groups)) for word in group]


@settings(max_examples=600, deadline=None)
@given(command_lines())
def test_the_reader_declines_or_gives_exactly_clicks_parameters(args):
    mine = read_line(DESCRIPTION, args, ENVIRONMENT)
    if mine is not None:
        assert mine == by_click(args)


def _run(args: list[str], cache: Path, **environment: str) -> tuple[int, str, str]:
    """`python -m regimencalc schedule ARGS` with its own cache folder: (exit code, stdout, stderr)."""
    env = {**ENVIRONMENT, "REGIMENCALC_CACHE_DIR": str(cache), **environment}
    command = [sys.executable, "-m", "regimencalc", "schedule", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def caches(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a cache whose description is kept, a cache nothing can be kept in: every line goes to click)."""
    warm = tmp_path_factory.mktemp("warm")
    assert _run(["vicp", *ADULT], warm)[0] == 0  # keeps the description
    assert (warm / "cli" / "schedule.json").is_file()
    blocked = tmp_path_factory.mktemp("blocked") / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    return warm, blocked / "cache"


BROKEN = str(Path(__file__).parent / "fixtures" / "broken" / "no_as_route.yaml")


@pytest.mark.parametrize(
    "args",
    [
        ["rdc-blinatumomab", *ADULT, "--format", "json"],
        ["vicp", *ADULT, "--format=csv", "--bsa-formula", "DuBois", "--cycles", "1", "--force"],
        ["inotuzumab-ozogamicin", *ADULT, "--response", "CR", "--age", "40", "--sex", "F"],
        ["--accept-unusual", "bmi", "blinatumomab", "--height=150cm", "--weight=95kg", "--start=2026-01-05"],
        ["vicp", "--height", "170", "--weight", "70kg", "--start", "2026-01-05"],  # errors: one line, exit 1
        ["vicp", *ADULT[:-1], "2026-02-30"],
        ["nope", *ADULT],
        ["inotuzumab-ozogamicin", *ADULT],
        [BROKEN, *ADULT],  # every problem of the file, one per line
        ["vicp", *ADULT, "--height", "180cm"],  # declined: click's errors and output
        ["vicp", *ADULT, "--sex", "f"],
        ["vicp", *ADULT[:-2]],
        ["vicp", *ADULT, "--observations", "no-such-file.yaml"],
        ["vicp", *ADULT, "--help"],
        ["rdc-blinatumomab", *ADULT, "--cycles", "1" * 5000],  # more digits than int() reads: click's message
    ],
)
def test_the_fast_path_prints_what_click_prints(caches, args):
    warm, blocked = caches
    fast, clicks = _run(args, warm), _run(args, blocked)
    assert fast == clicks
    assert fast[2].count("Traceback") == 0


def test_an_environment_variable_sends_the_line_to_click(caches, tmp_path: Path):
    warm, blocked = caches
    missing = str(tmp_path / "no-profile.yaml")
    fast = _run(["vicp", *ADULT], warm, REGIMENCALC_INSTITUTION=missing)
    assert fast == _run(["vicp", *ADULT], blocked, REGIMENCALC_INSTITUTION=missing)
    assert fast[0] == 2 and "REGIMENCALC_INSTITUTION=" in fast[2]


def test_output_click_would_change_goes_to_click(caches, tmp_path: Path):
    """click.echo strips escape sequences from what does not go to a terminal: a course whose text holds
    one is written by click."""
    warm, blocked = caches
    bundled = Path(__file__).resolve().parents[1] / "src" / "regimencalc" / "regimens" / "vicp.yaml"
    garbled = 'text: the seed\'s text is garbled ("lg dl"); read as 1 g on day 1. Confirm before dispensing.'
    text = bundled.read_text(encoding="utf-8").replace(garbled, 'text: "read as 1 g: \\e[31mgarbled\\e[0m"')
    (tmp_path / "vicp.yaml").write_text(text, encoding="utf-8")
    args = [str(tmp_path / "vicp.yaml"), *ADULT, "--format", "csv"]
    fast = _run(args, warm)
    assert fast == _run(args, blocked) and fast[0] == 0
    assert "read as 1 g: garbled" in fast[1] and "\x1b" not in fast[1]  # stripped by click
    assert "click" in _modules(args, warm)


def _modules(args: list[str], cache: Path) -> list[str]:
    """The click and pydantic-free check: which of click's modules a `schedule` run imported."""
    code = (
        "import sys\n"
        f"sys.argv = ['regimencalc', 'schedule', *{args!r}]\n"
        "from regimencalc.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m == 'click' or m.startswith('click.')), file=sys.stderr)"
    )
    env = {**ENVIRONMENT, "REGIMENCALC_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    return json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"'))


def test_a_plain_line_does_not_import_click_and_a_declined_one_does(caches, tmp_path: Path):
    warm, _ = caches
    assert _modules(["rdc-blinatumomab", *ADULT, "--format", "json"], warm) == []
    assert _modules(["vicp", *ADULT, "--cycles", "1"], warm) == []
    assert _modules(["vicp", *ADULT[:-1], "2026-02-30"], warm) == []  # an input error is reported without click
    assert "click" in _modules(["vicp", *ADULT, "-o", str(tmp_path / "c.json")], warm)
    assert "click" in _modules(["vicp", *ADULT, "--sex", "x"], warm)


def test_a_stale_or_broken_description_is_made_again_with_click(tmp_path: Path):
    from regimencalc.protocol.cache import read_entry, write_entry

    args = ["vicp", *ADULT, "--format", "json"]
    assert "click" in _modules(args, tmp_path)  # no description: click reads the line, the description is kept
    assert _modules(args, tmp_path) == []
    entry = tmp_path / "cli" / "schedule.json"
    stamp = json.loads(entry.read_text(encoding="utf-8").partition("\n")[0])["key"]
    with mock.patch.dict(os.environ, {"REGIMENCALC_CACHE_DIR": str(tmp_path)}):
        kept = read_entry("cli", stamp, "schedule.json")
        assert json.loads(kept) == json.loads(json.dumps(DESCRIPTION)) and "commands.py" in stamp and "click" in stamp
        write_entry("cli", f"{stamp} stale", kept, "schedule.json")  # the commands, click or the reader changed
        assert "click" in _modules(args, tmp_path)
        assert _modules(args, tmp_path) == []
        nested = '{"params": ' + "[" * 100_000 + "]" * 100_000 + "}"
        for broken in ('{"params": 5}', '{"params": [{"kind": "flag"}]}', "[1, 2", nested):  # stamped, not one
            write_entry("cli", stamp, broken, "schedule.json")
            assert "click" in _modules(args, tmp_path)
            assert read_entry("cli", stamp, "schedule.json") == kept
        entry.write_bytes(b"\xff\xfe garbage")
        assert "click" in _modules(args, tmp_path)
        assert read_entry("cli", stamp, "schedule.json") == kept


def test_a_changed_description_fails_its_checksum_and_is_made_again(tmp_path: Path):
    """A kept absent value changed by hand ('mosteller' → 'boyd') is not used: click reads the line."""
    args = ["vicp", *ADULT, "--format", "json"]
    assert _run(args, tmp_path)[0] == 0
    entry = tmp_path / "cli" / "schedule.json"
    text = entry.read_text(encoding="utf-8")
    assert text.count('\\"absent\\": \\"mosteller\\"') == 1
    entry.write_text(text.replace('\\"absent\\": \\"mosteller\\"', '\\"absent\\": \\"boyd\\"'), encoding="utf-8")
    assert "click" in _modules(args, tmp_path)
    assert entry.read_text(encoding="utf-8") == text
    assert '"bsa_formula": "Mosteller"' in _run(args, tmp_path)[1]  # planned with the fresh description


@pytest.mark.parametrize(("encoding", "named"), [("latin-1", "iso8859-1"), ("cp1252", "cp1252")])
def test_an_output_encoding_that_cannot_hold_the_course_is_one_line_and_exit_1(caches, encoding, named):
    """vicp's table writes '√' (U+221A), which neither latin-1 nor cp1252 holds:
    refused before anything is written, on both paths (stderr escapes what it cannot write)."""
    message = (
        f"regimencalc: error: standard output cannot write U+221A (\\u221a) in encoding {named}; "
        "set PYTHONIOENCODING=utf-8 or write to a file with -o\n"
    )
    for cache in caches:
        assert _run(["vicp", *ADULT], cache, PYTHONIOENCODING=encoding) == (1, "", message)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_standard_output_on_the_fast_path_is_one_line_and_exit_1(caches):
    warm, _ = caches
    args = [sys.executable, "-m", "regimencalc", "schedule", "vicp", *ADULT]
    with open("/dev/full", "w") as full:
        env = {**ENVIRONMENT, "REGIMENCALC_CACHE_DIR": str(warm)}
        done = subprocess.run(args, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, env=env)
    assert (done.returncode, done.stderr) == (
        1,
        "regimencalc: error: cannot write standard output: No space left on device\n",
    )


def _to_a_closed_pipe(cache: Path) -> tuple[int, str]:
    """`python -m regimencalc schedule vicp …` writing to a pipe nobody reads: (exit code, stderr)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        env = {**ENVIRONMENT, "REGIMENCALC_CACHE_DIR": str(cache)}
        args = [sys.executable, "-m", "regimencalc", "schedule", "vicp", *ADULT]
        done = subprocess.run(args, stdout=writer, stderr=subprocess.PIPE, text=True, timeout=60, env=env)
    finally:
        os.close(writer)
    return done.returncode, done.stderr


def test_a_closed_pipe_on_the_fast_path_is_one_line_and_exit_1_as_on_clicks(caches):
    """An answered line ends without the interpreter's teardown (`__main__.run`), after its output was
    written and flushed: one that cannot be written is reported before that, as on click's path."""
    warm, blocked = caches
    expected = (1, "regimencalc: error: cannot write standard output: Broken pipe\n")
    assert _to_a_closed_pipe(warm) == _to_a_closed_pipe(blocked) == expected


def _cut_short(cache: Path) -> tuple[int, str]:
    """A 0.35 MB course written unbuffered (PYTHONUNBUFFERED=1) to a reader that takes 1,000 bytes and
    closes the pipe: (exit code, stderr)."""
    env = {**ENVIRONMENT, "REGIMENCALC_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
    args = [
        sys.executable,
        "-m",
        "regimencalc",
        "schedule",
        "blinatumomab",
        *ADULT,
        "--cycles",
        "8",
        "--format",
        "json",
    ]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as running:
        assert running.stdout is not None and running.stderr is not None
        assert len(running.stdout.read(1000)) == 1000
        running.stdout.close()
        stderr = running.stderr.read().decode()
        return running.wait(timeout=60), stderr


def test_a_course_the_pipe_takes_only_in_part_is_reported_when_unbuffered(caches):
    """Unbuffered, a write the pipe takes in part (64 KiB of 0.35 MB) used to be dropped silently, exit 0:
    a course cut short passed for a whole one. Both paths now write all of it or say it could not."""
    warm, blocked = caches
    expected = (1, "regimencalc: error: cannot write standard output: Broken pipe\n")
    assert _cut_short(warm) == _cut_short(blocked) == expected


#: What a warm `schedule` never imports (docs/batch.md, start-up): the parsers and validators of a
#: cache miss, click, and the standard library's resource, metadata and path readers.
NOT_WARM = ("click", "pint", "pydantic", "ruamel", "importlib.resources", "importlib.metadata", "pathlib")


def _imported(stderr: str) -> set[str]:
    """The modules `python -X importtime` reports as imported (every one, in the order of import)."""
    return {line.rpartition("|")[2].strip() for line in stderr.splitlines() if line.startswith("import time:")}


def test_a_warm_schedule_imports_none_of_click_pint_pydantic_ruamel(tmp_path: Path):
    """Run twice in a fresh cache: the first run validates and keeps (click, pint, pydantic and ruamel),
    the second reads what was kept. `-X importtime` reports each import as it happens, so it lists them
    all although the answered line ends without the interpreter's teardown (`__main__.run`)."""
    command = [sys.executable, "-X", "importtime", "-m", "regimencalc", "schedule", "rdc-blinatumomab", *ADULT]
    env = {**ENVIRONMENT, "REGIMENCALC_CACHE_DIR": str(tmp_path)}
    cold, warm = [
        subprocess.run([*command, "--format", "json"], capture_output=True, text=True, env=env, timeout=120)
        for _ in range(2)
    ]
    assert (cold.returncode, warm.returncode) == (0, 0)
    assert warm.stdout == cold.stdout and json.loads(warm.stdout)["regimen"]["id"] == "rdc-blinatumomab"
    assert {"click", "pint", "pydantic", "ruamel.yaml", "regimencalc.planner"} <= _imported(cold.stderr)
    warm_modules = _imported(warm.stderr)
    assert "regimencalc.planner" in warm_modules and "regimencalc.render.tabular" in warm_modules
    assert sorted(m for m in warm_modules for n in NOT_WARM if m == n or m.startswith(f"{n}.")) == []


def test_a_declined_line_runs_click_with_the_cyclic_collector_on(monkeypatch, capsys):
    """The fast path turns the cyclic collector off for a one-line run; a line it declines (here --help) is
    click's, in a process that may go on (the web server, a test), so the collector is on again."""
    import gc

    from regimencalc import __main__ as entry

    monkeypatch.setattr(sys, "argv", ["regimencalc", "schedule", "--help"])
    try:
        with pytest.raises(SystemExit) as ended:
            entry.main()
        assert ended.value.code == 0 and "--height" in capsys.readouterr().out
        assert gc.isenabled()
    finally:
        gc.enable()
