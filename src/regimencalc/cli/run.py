"""What the commands do, without click: plan a course from the command's options, write it, and turn
an error into its one line and exit code.

The click commands (`commands`) parse the command line and call these; so does the fast reader of a
plain `schedule` line (`fast`), so both run the same code and print the same bytes. Output goes
through an `Echo` the caller passes: `commands` passes click.echo, `fast` a plain writer it uses only
where click would write the same bytes. Errors are mapped to one line and an exit code here and
nowhere else: 1 for a problem with the input, 3 for a bug (reported without a traceback unless
REGIMENCALC_DEBUG is set).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing and pathlib load only when used: the fast `schedule` path imports this module
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    from regimencalc.course import Course

    #: Writes text as it is (no newline added); the flag sends it to standard error.
    Echo = Callable[[str | bytes, bool], None]


def plan_course(
    regimen: str,
    height: str,
    weight: str,
    start: str,
    age: str | None,
    sex: str | None,
    bsa_formula: str,
    cycles: int | None,
    response: str | None,
    observations: str | None,
    prior: str | None,
    rounding: str | None,
    bsa_cap: str | None,
    accept_unusual: tuple[str, ...],
    institution: str | None = None,
) -> Course:
    """The course the common options describe (files named on the command line are read here)."""
    from regimencalc.planner import plan_typed
    from regimencalc.protocol.loader import load_regimen

    local = None
    if institution is not None:
        from regimencalc.safety.institution import load_institution

        local = load_institution(institution)
    observed = None
    if observations is not None:
        from regimencalc.replan.observations import load_observations

        observed = load_observations(observations)
    exposure = None
    if prior is not None:
        from regimencalc.safety.prior import load_prior

        exposure = load_prior(prior)
    profile = None
    if rounding is not None:
        from regimencalc.safety.rounding import load_rounding

        profile = load_rounding(rounding)
    course = plan_typed(
        load_regimen(regimen),
        height,
        weight,
        start,
        age=age,
        sex=sex,
        bsa_cap=bsa_cap,
        accept_unusual=accept_unusual,
        bsa_formula=bsa_formula,
        cycles=cycles,
        response=response,
        observations=observed,
        prior=exposure,
        rounding=profile,
        institution=local,
    )
    return from_file(course, regimen)


def from_file(course: Course, reference: str) -> Course:
    """The course, its regimen marked with the file it was read from when `reference` is not a bundled id
    (a file with `id: vicp` must not pass for the bundled vicp)."""
    from dataclasses import replace

    from regimencalc.protocol.bundled import bundled_ids

    if reference in bundled_ids():
        return course
    return replace(course, regimen=replace(course.regimen, file=reference))


def schedule(params: dict[str, Any], echo: Echo) -> None:
    """The `schedule` command, from its parameters as click parses them: every dose of the regimen for
    the patient, as a table, CSV or JSON."""
    inputs = dict(params)
    output, force = inputs.pop("output"), inputs.pop("force")
    fmt = schedule_format(inputs.pop("fmt"), output)
    course = plan_course(**inputs)
    if fmt == "json":
        from regimencalc.render.tabular import render_json as render
    elif fmt == "csv":
        from regimencalc.render.tabular import render_csv as render
    else:
        from regimencalc.render.table import render_table as render
    emit(render(course), output, force, echo)


def sheet_format(fmt: str | None, output: Path | None) -> str:
    """The sheet's format: --format, else the output file's suffix (html, htm, pdf)."""
    return output_format(fmt, output, {"html": "html", "htm": "html", "pdf": "pdf"}, "html", "a dose sheet", "sheet")


def schedule_format(fmt: str | None, output: Path | None) -> str:
    """The schedule's format: --format, else the output file's suffix (txt, csv, json)."""
    return output_format(fmt, output, {"txt": "table", "csv": "csv", "json": "json"}, "table", "a schedule", "course")


def output_format(
    fmt: str | None, output: Path | None, suffixes: dict[str, str], default: str, what: str, stem: str
) -> str:
    """--format, else the output file's suffix, else `default`; a suffix that cannot be written, or one
    that contradicts --format, is refused before anything is planned or written (-o - is stdout)."""
    from regimencalc.errors import RegimencalcError

    if output is None or str(output) == "-" or not output.name:
        return fmt or default  # stdout; or no file name, which writing refuses
    suffix = output.suffix.lower().lstrip(".")
    by_suffix = suffixes.get(suffix)
    names: dict[str, str] = {}
    for written, meant in suffixes.items():
        names.setdefault(meant, written)
    if by_suffix is None:
        *most, last = names.values()
        allowed = f"{', '.join(f'.{s}' for s in most)} or .{last}"
        files = f"{', '.join(f'{stem}.{s}' for s in most)} or {stem}.{last}"
        raise RegimencalcError(
            f"-o {output}: {what} is written as {allowed}, not {'.' + suffix if suffix else 'a file without a suffix'}; "
            f"name the file {files}"
        )
    if fmt is not None and fmt != by_suffix:
        raise RegimencalcError(f"--format {fmt} does not match -o {output}; name the file {stem}.{names[fmt]}")
    return by_suffix


def emit(text: str | bytes, output: Path | None, force: bool, echo: Echo) -> None:
    """`text` to standard output (no -o, or -o -), else written to the file all or nothing."""
    if output is None or str(output) == "-":
        to_stdout(text, echo)
        return
    from regimencalc.display import terminal_safe
    from regimencalc.render.output import write_output

    write_output(text, output, force=force)
    echo(terminal_safe(f"wrote {output}") + "\n", True)


def to_stdout(text: str | bytes, echo: Echo) -> None:
    """Write to standard output; a full disk or a closed pipe is one line, exit 1, not a traceback."""
    from regimencalc.errors import RegimencalcError

    if isinstance(text, str):
        _encodable(text)
    _buffered_stdout()
    try:
        echo(text, False)
    except OSError as exc:
        try:  # what is still buffered must not fail again at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        raise RegimencalcError(f"cannot write standard output: {exc.strerror or exc}") from None


def _buffered_stdout() -> None:
    """With PYTHONUNBUFFERED (or `python -u`) standard output writes straight to its file, and a write
    the system takes only in part (a full pipe, a non-blocking descriptor) is neither retried nor
    reported: a course cut short would end with exit 0. A buffered writer over the same file writes
    all of it or raises, which `to_stdout` reports (one line, exit 1)."""
    import io

    raw = getattr(sys.stdout, "buffer", None)
    if isinstance(raw, io.RawIOBase):
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw), encoding=sys.stdout.encoding, errors=sys.stdout.errors)


def _encodable(text: str) -> None:
    """Refuse, before anything is written, text standard output's encoding cannot hold (a
    PYTHONIOENCODING of latin-1 or cp1252 and a '≥' or 'µ' in a course): one line naming the
    character, the encoding and the fix."""
    from regimencalc.errors import RegimencalcError

    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding, getattr(sys.stdout, "errors", None) or "strict")
    except UnicodeEncodeError as exc:
        character = exc.object[exc.start]
        raise RegimencalcError(
            f"standard output cannot write U+{ord(character):04X} ({character}) in encoding {encoding}; "
            "set PYTHONIOENCODING=utf-8 or write to a file with -o"
        ) from None
    except LookupError:  # an encoding Python does not know: writing reports it as it always did
        pass


def exit_code(exc: Exception, echo: Echo) -> int | None:
    """The exit code of an error a command raised, its lines written to standard error: 1 for a
    problem with the input, 3 for a bug; None when the bug's traceback is asked for (REGIMENCALC_DEBUG),
    which the caller then raises."""
    from regimencalc.display import terminal_safe
    from regimencalc.errors import InputFileError, RegimencalcError

    if isinstance(exc, InputFileError):
        for problem in exc.problems:
            echo(terminal_safe(f"regimencalc: {problem}") + "\n", True)
        return 1
    if isinstance(exc, RegimencalcError):
        echo(terminal_safe(f"regimencalc: error: {exc}") + "\n", True)
        return 1
    if "REGIMENCALC_DEBUG" in os.environ:
        return None
    echo(f"regimencalc: internal error ({type(exc).__name__}: {exc}); please report it\n", True)
    return 3
