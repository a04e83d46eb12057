"""`python -m regimencalc` and the `regimencalc` command.

Two lines are answered without importing click (most of the start-up of a short run;
docs/architecture.md, start-up): `regimencalc --help` (or `-h`) prints the text click rendered the
last time, and a plain `regimencalc schedule …` line is read from click's description of the
command (`cli.fast`). Both are kept in the user's cache with a stamp of what they depend on (the
terminal width for the help; the click commands' and click's files); any
difference, or a missing or unreadable entry, renders it again with click and keeps it. Every
other line is click's (`cli.main`).
"""

import os
import sys

HELP_FOLDER = "help"


def main() -> None:
    """The command line: a kept `--help`, a plain `schedule` line, else `cli.main`."""
    _answer()


def run() -> None:
    """The `regimencalc` command and `python -m regimencalc`: `main`, and once a plain `schedule` line is
    answered, the end of the process without the interpreter's teardown (a tenth of that run's time).
    Nothing is left for the teardown to do there: the output is written and flushed (a write error was
    already reported, exit 1), no file is open and no thread runs; the only atexit hook such a run can have is
    `logging.shutdown` (registered when a cold cache imports pint or pydantic), with nothing to flush:
    no logging handler is configured.
    Every other line (and an error while flushing) ends as Python ends."""
    if _answer():
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            return
        os._exit(0)


def _answer() -> bool:
    """Answer the command line; True when it was a plain `schedule` line, answered without click."""
    if sys.argv[1:] in (["--help"], ["-h"]) and os.path.basename(sys.argv[0]) == "regimencalc":
        _help()
        return False
    if sys.argv[1:2] == ["schedule"]:
        import gc

        # A plain line plans one course and ends: reference counting frees what it builds, so the cyclic
        # collector's passes over every object the imports create (≈ 4 ms of a 60 ms run) buy nothing.
        gc.disable()
        from regimencalc.cli.fast import schedule

        if schedule(sys.argv[2:]):
            return True
        gc.enable()
    from regimencalc.cli import main as command

    command()
    return False


def _help() -> None:
    from regimencalc.cli.kept import keep, read

    stamp = _help_stamp()
    text = read(HELP_FOLDER, "regimencalc.txt", stamp)
    if text is None:
        import click

        from regimencalc.cli import main as command

        with click.Context(command, info_name="regimencalc", **command.context_settings) as context:
            text = context.get_help() + "\n"
        keep(HELP_FOLDER, "regimencalc.txt", stamp, text)
    sys.stdout.write(text)
    sys.stdout.flush()


def _help_stamp() -> str | None:
    """Everything the help text depends on, in one line; None when a part cannot be found."""
    from regimencalc.cli.kept import COMMANDS, stamp

    try:
        columns = str(os.get_terminal_size(sys.__stdout__.fileno()).columns) if sys.__stdout__ else "-"
    except (OSError, ValueError):
        columns = "-"
    return stamp([f"COLUMNS={os.environ.get('COLUMNS', '')!r}", f"terminal={columns}"], [COMMANDS])


if __name__ == "__main__":
    run()
