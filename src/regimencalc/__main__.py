"""`python -m regimencalc` and the `regimencalc` command.

`regimencalc --help` (or `-h`) prints the text click rendered the last time, kept in the user's
cache with what it depends on: the command's name, the terminal width ($COLUMNS and the terminal's
columns) and the files of `cli/commands.py` and click (size and modification time, as Python checks its own
bytecode). Any difference, or a missing or unreadable entry, renders it again with click and keeps
it; importing click is most of the start-up of `--help` (docs/architecture.md, start-up).
"""

import os
import sys

HELP_FOLDER = "help"


def main() -> None:
    """The command line: a kept `--help`, else `cli.main`."""
    if sys.argv[1:] in (["--help"], ["-h"]) and os.path.basename(sys.argv[0]) == "regimencalc":
        _help()
        return
    from regimencalc.cli import main as command

    command()


def _help() -> None:
    from regimencalc.protocol.cache import cache_folder

    stamp = _help_stamp()
    entry = os.path.join(cache_folder(), HELP_FOLDER, "regimencalc.txt")
    try:
        with open(entry, encoding="utf-8") as stream:
            kept = stream.read()
    except (OSError, ValueError):
        kept = ""
    first, _, text = kept.partition("\n")
    if stamp is None or first != stamp or not text:
        import click

        from regimencalc.cli import main as command
        from regimencalc.protocol.cache import write_text

        with click.Context(command, info_name="regimencalc", **command.context_settings) as context:
            text = context.get_help() + "\n"
        if stamp is not None:
            write_text(HELP_FOLDER, "regimencalc.txt", f"{stamp}\n{text}")
    sys.stdout.write(text)
    sys.stdout.flush()


def _help_stamp() -> str | None:
    """Everything the help text depends on, in one line; None when a part cannot be found."""
    from importlib.machinery import PathFinder

    try:
        columns = str(os.get_terminal_size(sys.__stdout__.fileno()).columns) if sys.__stdout__ else "-"
    except (OSError, ValueError):
        columns = "-"
    click = PathFinder.find_spec("click")
    if click is None or click.origin is None:
        return None
    parts = [f"COLUMNS={os.environ.get('COLUMNS', '')!r}", f"terminal={columns}"]
    for path in (os.path.join(os.path.dirname(__file__), "cli", "commands.py"), click.origin):
        try:
            status = os.stat(path)
        except OSError:
            return None
        parts.append(f"{path!r}:{status.st_size}:{status.st_mtime_ns}")
    return " ".join(parts)


if __name__ == "__main__":
    main()
