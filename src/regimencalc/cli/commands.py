"""The `regimencalc` command's click commands: they parse the command line and call a body. Only
click is imported at start-up; each command imports what it needs, so `regimencalc --help` stays
fast. The bodies shared with the fast `schedule` path (planning a course, writing it) and the
mapping of errors to one line and an exit code live in `run`, without click."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from regimencalc import __version__
from regimencalc.cli.run import emit, exit_code, plan_course, sheet_format, to_stdout
from regimencalc.cli.run import schedule as run_schedule

if TYPE_CHECKING:
    from regimencalc.course import Course

FORMATS = ("table", "csv", "json")
SHEET_FORMATS = ("html", "pdf")
BSA_FORMULA_KEYS = ("mosteller", "dubois", "haycock", "gehan-george", "boyd")
RESPONSE_CHOICES = ("CR", "CRi", "PR", "NR")


class _OnceEach(click.Command):
    """A command that refuses an option given twice (click would silently keep the last value)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        refuse_repeated_options(ctx, args)
        return super().parse_args(ctx, args)


def refuse_repeated_options(ctx: click.Context, args: list[str]) -> None:
    """A UsageError naming the first option of the command that `args` give twice, with its values."""
    options = {name: p for p in ctx.command.params if isinstance(p, click.Option) for name in p.opts + p.secondary_opts}
    seen: dict[str, list[str]] = {}
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            break
        name, equals, attached = token.partition("=")
        if not token.startswith("--") and token[:2] in options and len(token) > 2:  # '-oFILE'
            name, equals, attached = token[:2], "=", token[2:]
        option = options.get(name)
        if option is None:
            continue
        value = "" if option.is_flag else attached if equals else next(tokens, "")
        key = option.name or name
        if key in seen and not option.multiple:
            given = ", ".join(v for v in [*seen[key], value] if v)
            raise click.UsageError(
                f"{option.opts[-1]} is given twice{f' ({given})' if given else ''}; give it once", ctx
            )
        seen.setdefault(key, []).append(value)


class _ProfilePath(click.Path):
    """--institution's path; taken from REGIMENCALC_INSTITUTION, a bad one names the variable, not the option."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            from_environment = click.core.ParameterSource.ENVIRONMENT
            if ctx is None or param is None or ctx.get_parameter_source(param.name or "") != from_environment:
                raise
            raise click.UsageError(
                f"REGIMENCALC_INSTITUTION={value}: {exc.message.rstrip('.')}; fix the path or unset the variable", ctx
            ) from None


class _Main(click.Group):
    command_class = _OnceEach

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            command = f" {exc.ctx.info_name}" if exc.ctx and exc.ctx.parent else ""
            click.echo(f"regimencalc: error: {exc.format_message()} (see regimencalc{command} --help)", err=True)
            ctx.exit(2)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # errors become exit codes in one place: run.exit_code
            code = exit_code(exc, _echo)
            if code is None:
                raise
            ctx.exit(code)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__)  # regimencalc.__version__: the one source (pyproject reads it)
def main() -> None:
    """Chemotherapy regimen dosing and scheduling with hand-checkable dose traces."""


@main.command("list")
def list_regimens() -> None:
    """List the bundled regimens."""
    from regimencalc.display import terminal_safe
    from regimencalc.protocol.bundled import bundled_ids
    from regimencalc.protocol.loader import load_regimen

    lines = []
    for regimen_id in bundled_ids():
        regimen = load_regimen(regimen_id)
        lines.append(terminal_safe(f"{regimen.id:<30} v{regimen.version:<5} {regimen.name}") + "\n")
    to_stdout("".join(lines), _echo)


@main.command()
@click.argument("regimen")
def show(regimen: str) -> None:
    """Show REGIMEN (a bundled id or a file) as a readable protocol."""
    from regimencalc.display import terminal_safe_lines
    from regimencalc.protocol.loader import load_regimen
    from regimencalc.render.protocol import render_protocol

    to_stdout(terminal_safe_lines(render_protocol(load_regimen(regimen))), _echo)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check regimen files (or folders of them); print file:line:col: path: message per problem."""
    from regimencalc.display import plural, terminal_safe
    from regimencalc.errors import InputFileError, RegimencalcError
    from regimencalc.protocol.loader import regimen_model

    files = [f for p in paths for f in (sorted(p.glob("*.yaml")) if p.is_dir() else [p])]
    failed = 0
    for file in files:
        try:
            regimen_model(file)  # validated by the model every time, never read from the cache
        except RegimencalcError as exc:
            failed += 1
            for line in exc.problems if isinstance(exc, InputFileError) else [exc]:
                click.echo(terminal_safe(str(line)))
        else:
            click.echo(f"{file}: ok")
    if failed:
        click.echo(f"{failed} of {plural(len(files), 'file')} {'has' if failed == 1 else 'have'} problems", err=True)
        sys.exit(1)


@main.command()
@click.option("--height", required=True, help="e.g. 170cm, 1.7 m, 5 ft 7 in")
@click.option("--weight", required=True, help="e.g. 70kg, 154 lb")
@click.option(
    "--formula", type=click.Choice(BSA_FORMULA_KEYS, case_sensitive=False), default="mosteller", show_default=True
)
@click.option("--all", "all_formulas", is_flag=True, help="Show every formula.")
@click.option(
    "--accept-unusual", multiple=True, metavar="KEY", help="Confirm an unusual value (height, weight, bmi); printed."
)
def bsa(height: str, weight: str, formula: str, all_formulas: bool, accept_unusual: tuple[str, ...]) -> None:
    """Body-surface area by a named formula (or all of them)."""
    from regimencalc.dosing.bsa import BSA_FORMULAS
    from regimencalc.dosing.bsa import bsa as compute
    from regimencalc.dosing.patient import make_patient

    patient = make_patient(height, weight, accept=frozenset(accept_unusual))
    lines = []
    for key in BSA_FORMULAS if all_formulas else [formula]:
        f = BSA_FORMULAS[key]
        value = compute(patient.height_cm, patient.weight_kg, key)
        lines.append(f"{f.name:<16} {value:.3f} m²   {f.equation}   [{f.citation}]\n")
    lines += [f"note: {text}\n" for text in patient.confirmed]
    to_stdout("".join(lines), _echo)


@main.command()
@click.option(
    "--of",
    "document",
    type=click.Choice(["regimen", "course", "institution"]),
    default="regimen",
    show_default=True,
    help="regimen: regimen files; course: the JSON output of schedule --format json; institution: --institution files.",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Write to a file instead of stdout (- for stdout)."
)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def schema(document: str, output: Path | None, force: bool) -> None:
    """Print a JSON Schema: of regimen or institution files (for editor autocompletion) or of the JSON course output."""
    import json

    if document == "course":
        from regimencalc.course import json_schema
    elif document == "institution":
        from regimencalc.safety.institution import json_schema
    else:
        from regimencalc.protocol.regimen import json_schema

    _emit(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n", output, force)


def course_options(command: Callable[..., None]) -> Callable[..., None]:
    """The inputs every course command takes: regimen, patient, start, observations, choices."""
    options = [
        click.argument("regimen"),
        click.option("--height", required=True, help="e.g. 170cm, 1.7 m, 5 ft 7 in"),
        click.option("--weight", required=True, help="e.g. 70kg, 154 lb"),
        click.option("--start", required=True, help="Cycle 1 day 1, YYYY-MM-DD."),
        click.option(
            "--age", help="Age: years (45), or with a unit (9 months, 6 weeks); checked against the eligibility."
        ),
        click.option("--sex", type=click.Choice(["F", "M"])),
        click.option(
            "--bsa-formula",
            type=click.Choice(BSA_FORMULA_KEYS, case_sensitive=False),
            default="mosteller",
            show_default=True,
        ),
        click.option("--cycles", type=int, help="Plan only the first N cycles."),
        click.option(
            "--response",
            type=click.Choice(RESPONSE_CHOICES),
            help="Response, read as an assessment where the plan first reads one: it picks branch arms and "
            "drives response gates no recorded response decides (docs/observations.md).",
        ),
        click.option(
            "--observations",
            type=click.Path(exists=True, dir_okay=False),
            help="Observations file (docs/observations.md).",
        ),
        click.option(
            "--prior", type=click.Path(exists=True, dir_okay=False), help="Prior cumulative exposure (docs/safety.md)."
        ),
        click.option(
            "--bsa-cap", help="Cap the BSA, e.g. 2m2: an institutional option, flagged (ASCO advises against)."
        ),
        click.option(
            "--rounding",
            type=click.Path(exists=True, dir_okay=False),
            help="Institutional rounding profile (docs/safety.md).",
        ),
        click.option(
            "--institution",
            type=_ProfilePath(exists=True, dir_okay=False),
            envvar="REGIMENCALC_INSTITUTION",
            help="Institutional profile (docs/institution.md); default: $REGIMENCALC_INSTITUTION.",
        ),
        click.option(
            "--accept-unusual",
            multiple=True,
            metavar="KEY",
            help="Confirm an unusual value (height, weight, age, bmi, bsa, height-for-age, weight-for-age); printed on the output.",
        ),
        click.option(
            "-o", "--output", type=click.Path(path_type=Path), help="Write to a file instead of stdout (- for stdout)."
        ),
        click.option("--force", is_flag=True, help="Overwrite the output file if it exists."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@course_options
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), help="table, csv or json (default: from the -o suffix, else table)."
)
def schedule(**params: Any) -> None:
    """Every dose of REGIMEN (a bundled id or a file) for a patient, dated from --start."""
    run_schedule(params, _echo)


@main.command()
@course_options
@click.option("--per-day", is_flag=True, help="One event per day listing its drugs (default: one per drug and day).")
@click.option("--time", "at", help="Timed events starting at HH:MM (default: all-day events).")
@click.option("--tz", help="Time zone of --time, e.g. Europe/Paris (default: floating local time).")
@click.option("--remind", help="A reminder before each event, e.g. 1d, 12h, 30min.")
@click.option("--course-id", help="The course's identity in event UIDs (default: regimen id and start date).")
def ics(
    output: Path | None,
    force: bool,
    per_day: bool,
    at: str | None,
    tz: str | None,
    remind: str | None,
    course_id: str | None,
    **inputs: Any,
) -> None:
    """The course as an .ics calendar (RFC 5545) that calendar clients import and update."""
    from regimencalc.dosing.timing import calendar_options
    from regimencalc.render.ics import render_ics

    options = calendar_options(per_day=per_day, at=at, zone=tz, remind=remind, course_id=course_id)
    course = plan_course(**inputs)
    _emit(render_ics(course, options, first_planned(inputs)), output, force)


def first_planned(inputs: dict[str, Any]) -> Course | None:
    """The course as first planned (no observations, no response), when these inputs re-plan it and
    it can be planned without them (a branch with no default needs the response)."""
    from regimencalc.errors import RegimencalcError

    if inputs["observations"] is None and inputs["response"] is None:
        return None
    try:
        return plan_course(**{**inputs, "observations": None, "response": None})
    except RegimencalcError:
        return None


@main.command()
@course_options
@click.option("--patient-name", help="Printed on the sheet (a blank line to fill when not given).")
@click.option("--patient-id", help="A second identifier: MRN or date of birth (blank when not given).")
@click.option("--written", help="Date written, YYYY-MM-DD (default: today).")
@click.option("--measured", help="Date height and weight were measured, YYYY-MM-DD (blank when not given).")
@click.option("--allergies", help="Known allergies, or NKDA (a blank line to fill when not given).")
@click.option("--prescriber", help="The prescriber's name (a blank line to fill when not given).")
@click.option(
    "--format", "fmt", type=click.Choice(SHEET_FORMATS), help="html or pdf (default: from the -o suffix, else html)."
)
def sheet(
    output: Path | None,
    force: bool,
    patient_name: str | None,
    patient_id: str | None,
    written: str | None,
    measured: str | None,
    allergies: str | None,
    prescriber: str | None,
    fmt: str | None,
    **inputs: Any,
) -> None:
    """A printable dose sheet: HTML (stdout or -o sheet.html) or PDF (-o sheet.pdf, needs regimencalc[pdf])."""
    import datetime as dt

    from regimencalc.dosing.dates import parse_date
    from regimencalc.render.sheet import SheetInfo, render_sheet_html, render_sheet_pdf

    fmt = sheet_format(fmt, output)
    info = SheetInfo(
        written=parse_date(written, "--written") if written else dt.date.today(),
        patient_name=patient_name,
        patient_id=patient_id,
        measured=parse_date(measured, "--measured") if measured else None,
        allergies=allergies,
        prescriber=prescriber,
    )
    html = render_sheet_html(plan_course(**inputs), info)
    _emit(render_sheet_pdf(html) if fmt == "pdf" else html, output, force)


def cohort_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options `batch` and `audit` share: the BSA formula, unusual values confirmed for every row, --force."""
    options = [
        click.option("--bsa-formula", type=click.Choice(BSA_FORMULA_KEYS), default="mosteller", show_default=True),
        click.option(
            "--accept-unusual", multiple=True, metavar="KEY", help="Confirm an unusual value for every row; flagged."
        ),
        click.option("--force", is_flag=True, help="Overwrite the output files if they exist."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@click.argument("regimen")
@click.option(
    "--patients",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV or Parquet: id, height, weight, start (optional age, sex, response); units in the values or names (weight_kg).",
)
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path), help="Administrations: .csv, .jsonl or .parquet."
)
@click.option("--errors", type=click.Path(path_type=Path), help="Refused rows (default: OUTPUT.errors.csv).")
@cohort_options
def batch(
    regimen: str,
    patients: Path,
    output: Path,
    errors: Path | None,
    bsa_formula: str,
    accept_unusual: tuple[str, ...],
    force: bool,
) -> None:
    """One course per patient row, one administration per output row (docs/batch.md); needs regimencalc[batch]."""
    tables, options = _cohort_setup(bsa_formula, accept_unusual)
    from regimencalc.batch.cohort import ERROR_SCHEMA, SCHEMA, plan_cohort
    from regimencalc.display import plural
    from regimencalc.render.output import output_file

    fmt = tables.output_format(output)
    if os.environ.get("REGIMENCALC_INSTITUTION"):
        click.echo(
            "regimencalc: warning: REGIMENCALC_INSTITUTION is set, but batch plans without an institutional "
            "profile (default limits, default rounding; docs/batch.md); use schedule per patient for the profile",
            err=True,
        )
    errors = errors or output.with_name(output.name + ".errors.csv")
    header, batches = tables.read_batches(patients)
    with output_file(output, force=force) as out, output_file(errors, force=force) as refused:
        with tables.TableWriter(out, SCHEMA, fmt) as rows, tables.TableWriter(refused, ERROR_SCHEMA, "csv") as bad:
            totals = plan_cohort(
                regimen,
                batches,
                header,
                options,
                rows.write,
                bad.write,
                _progress("patients"),
            )
    click.echo(
        f"regimencalc: {plural(totals.patients, 'patient')}, {plural(totals.administrations, 'administration')} "
        f"to {output}; {plural(totals.refused, 'row')} refused ({errors})",
        err=True,
    )
    if totals.refused:
        sys.exit(1)


@main.command()
@click.argument("orders", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="The full result, one row per order: .csv, .jsonl or .parquet.",
)
@click.option(
    "--tolerance", type=click.FloatRange(0, 25, min_open=True), help="± per cent (default: the profile's, else 5)."
)
@click.option(
    "--institution",
    type=click.Path(exists=True, dir_okay=False),
    envvar="REGIMENCALC_INSTITUTION",
    help="Institutional profile (its audit_tolerance); default: $REGIMENCALC_INSTITUTION.",
)
@cohort_options
def audit(
    orders: Path,
    output: Path | None,
    tolerance: float | None,
    institution: str | None,
    bsa_formula: str,
    accept_unusual: tuple[str, ...],
    force: bool,
) -> None:
    """Check ordered doses (a pharmacy export) against the protocol: deviation, verdict, dose intensity (docs/batch.md)."""
    tables, options = _cohort_setup(bsa_formula, accept_unusual)
    from regimencalc.batch.audit import DEFAULT_TOLERANCE, RDI_SCHEMA, RESULT_SCHEMA, Audit, OrderColumns, summary
    from regimencalc.display import terminal_safe_lines
    from regimencalc.render.output import output_file

    where = "default"
    if tolerance is None and institution is not None:
        from regimencalc.safety.institution import load_institution

        local = load_institution(institution)
        if local.audit_tolerance is not None:
            tolerance, where = local.audit_tolerance.percent, f"{local.name}: {local.audit_tolerance.source}"
    elif tolerance is not None:
        where = "--tolerance"
    checker = Audit(tolerance or DEFAULT_TOLERANCE, options)
    header, batches = tables.read_batches(orders)
    columns = OrderColumns.of(header)
    fmt = tables.output_format(output) if output is not None else None
    with contextlib.ExitStack() as stack:
        writer = None
        if output is not None and fmt is not None:
            writer = stack.enter_context(
                tables.TableWriter(stack.enter_context(output_file(output, force=force)), RESULT_SCHEMA, fmt)
            )
        first = 1
        progress = _progress("orders")
        for batch in batches:
            result = checker.check(batch, columns, first)
            first += batch.num_rows
            progress(first - 1)
            if writer is not None:
                writer.write(result)
        intensity = checker.intensity()
        if output is not None:
            rdi_path = output.with_name(output.name + ".rdi.csv")
            with output_file(rdi_path, force=force) as path, tables.TableWriter(path, RDI_SCHEMA, "csv") as rdi:
                rdi.write(intensity)
    to_stdout(terminal_safe_lines(summary(checker, where, intensity)), _echo)


def _cohort_setup(bsa_formula: str, accept_unusual: tuple[str, ...]) -> tuple[Any, Any]:
    """The batch package's table module and the per-row options, or the one-line fix when numpy or
    pyarrow is missing."""
    try:
        import numpy  # noqa: F401

        from regimencalc.batch import tables
        from regimencalc.batch.cohort import Options
    except ImportError as exc:
        from regimencalc.errors import RegimencalcError

        raise RegimencalcError(
            f"this command needs the batch extra: pip install 'regimencalc[batch]' ({exc})"
        ) from None
    from regimencalc.safety.plausibility import check_keys

    check_keys(frozenset(accept_unusual))
    return tables, Options(bsa_formula, frozenset(accept_unusual))


def _progress(what: str) -> Callable[[int], None]:
    """A count on stderr, rewritten in place, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return lambda count: None
    return lambda count: click.echo(f"\r{count:,} {what}", err=True, nl=False)


@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on; loopback unless you mean it."
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--allowed-host", multiple=True, metavar="NAME", help="A Host name the page may be reached by (non-loopback)."
)
def serve(host: str, port: int, allowed_host: tuple[str, ...]) -> None:
    """The local web page and REST API (docs/web.md); needs regimencalc[web]."""
    try:
        from regimencalc.web.guard import is_loopback
        from regimencalc.web.server import serve as run
    except ImportError as exc:
        from regimencalc.errors import RegimencalcError

        raise RegimencalcError(f"serve needs the web extra: pip install 'regimencalc[web]' ({exc})") from None
    if not is_loopback(host):
        click.echo(
            f"regimencalc: warning: listening on {host}: other machines can reach the page, which has no login "
            "and sends patient values over plain HTTP; use it only behind your institution's HTTPS proxy",
            err=True,
        )
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    click.echo(f"regimencalc: serving http://{shown}:{port}/ (Ctrl+C to stop)", err=True)
    run(host, port, allowed_host)


def _echo(text: str | bytes, err: bool = False) -> None:
    """click.echo, as the bodies in `run` write (the text as it is, no newline added)."""
    click.echo(text, nl=False, err=err)


def _emit(text: str | bytes, output: Path | None, force: bool) -> None:
    emit(text, output, force, _echo)
