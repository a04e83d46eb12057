"""A plain `regimencalc schedule …` line, read without importing click (9-33 ms of start-up; docs/batch.md).

The reader knows the command only from its description: click's own `schedule` command object
(`commands.main.commands["schedule"]`) turned into data — each parameter's name, flags, kind
(text, whole number, choice with its case rule, flag), `multiple`, required, environment variables,
and the values click itself gives for an option left out or a flag given (asked of click, never
written here). The description is kept like the `--help` text (`kept`), stamped with the files it
comes from (the commands, click's files, this module); a stale or missing one is made again by the
next `schedule` run, which click then reads.

The reader accepts only: `schedule`, one REGIMEN, long options of the command as `--name value` or
`--name=value`, each once unless `multiple`, text, digits for a whole number, a choice among the
choices as click matches them (case-folded where click folds case), no value starting with `-`,
every required option, and no option whose environment variable is set. Everything else goes to
click unchanged: `--help`, `-o`/`--output`, a short option, `--`, an unknown or repeated option, a
bad choice, a path option (click checks the file), shell completion, a stream click would rewrap.
tests/test_fast_cli.py draws command lines from the description and requires the reader to decline
or to give exactly click's parameters (`make_context(...).params`).

What runs is the command's body (`run.schedule`), as the click command runs it. Output is written as
click.echo writes to a plain stream (the text, then a flush); text with an escape character (which
click strips when not writing to a terminal) goes to click instead. An input error is reported by
`run.exit_code` (one line, exit 1), as the click group reports it; any other error, before anything
is written, runs the line through click, so a bug's message and REGIMENCALC_DEBUG's traceback are
click's. Ctrl+C prints what click's main prints ("Aborted!", exit 1).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing loads only when used: this is the warm `schedule` path
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    import click

FOLDER = "cli"
NAME = "schedule.json"
#: What an option holds when the reader reads it; any other option's value is left to click.
READ = ("text", "integer", "choice", "flag")


class _ClickWrites(Exception):
    """Text click.echo would change (it strips escape sequences when not writing to a terminal)."""


def schedule(args: list[str]) -> bool:
    """Run `regimencalc schedule` with `args` (the words after `schedule`) when the line is plain and the
    kept description fresh; False, with nothing written, when click must read the line."""
    from regimencalc.cli.kept import keep, read

    stamp = _stamp()
    text = read(FOLDER, NAME, stamp)
    description = None if text is None else _decode(text)
    if description is None:  # missing, stale or not a description: made again, and click reads this line
        from regimencalc.cli.commands import main

        description = describe(main)
        if description is not None:
            keep(FOLDER, NAME, stamp, _encode(description))
        return False
    try:  # never a traceback from the reader: whatever it cannot read, click reads
        params = read_line(description, args, os.environ)
    except Exception:
        return False
    if params is None or not _plain_streams():
        return False
    from regimencalc.cli.run import exit_code
    from regimencalc.cli.run import schedule as body
    from regimencalc.errors import RegimencalcError

    try:
        body(params, _echo)
    except RegimencalcError as exc:
        sys.exit(exit_code(exc, _echo))
    except (EOFError, KeyboardInterrupt):
        _echo("\nAborted!\n", True)  # what click's main writes, with exit 1
        sys.exit(1)
    except Exception:
        return False
    return True


def describe(group: click.Group, name: str = "schedule") -> dict[str, Any] | None:
    """click's description of the command `name` of `group`, as data; None when the command's parsing
    goes beyond what the reader knows (a context setting, a callback, a prompt, a deprecated or eager
    parameter, a required one that is not text, an environment variable set now)."""
    import click

    command = group.commands[name]
    settings = set(group.context_settings) | set(command.context_settings)
    if (
        settings - {"help_option_names"}
        or command.deprecated
        or not command.allow_interspersed_args
        or command.ignore_unknown_options
        or command.allow_extra_args
    ):
        return None
    parent = click.Context(group, info_name="regimencalc", **group.context_settings)
    params = [_parameter(p) for p in command.params]
    if None in params or any(e in os.environ for p in params if p for e in p["envvars"]):
        return None
    least: list[str] = []  # the shortest line click accepts: every required parameter, as text
    for p in params:
        if p["required"]:
            if p["kind"] != "text":
                return None
            least += ["x"] if p["argument"] else [p["flags"][0], "x"]
    try:  # click's own values (make_context consumes the list it is given: each call gets a new one)
        absent = command.make_context(name, [*least], parent=parent).params
        for p in params:
            p["absent"] = None if p["required"] else absent[p["name"]]
            if p["kind"] == "flag":
                p["given"] = command.make_context(name, [*least, p["flags"][0]], parent=parent).params[p["name"]]
    except click.ClickException:
        return None
    description = {"command": name, "params": params}
    try:
        return description if _decode(_encode(description)) == description else None
    except (TypeError, ValueError):  # a value JSON cannot hold (or holds as another value)
        return None


def _parameter(param: click.Parameter) -> dict[str, Any] | None:
    """One parameter as data; None when it acts beyond parsing (callback, prompt, eager, deprecated)."""
    import click

    if param.callback or param.is_eager or param.deprecated or not param.expose_value or param.nargs != 1:
        return None
    if isinstance(param, click.Option) and (param.prompt or param.count or param.secondary_opts):
        return None
    kind = {
        click.types.StringParamType: "text",
        click.types.IntParamType: "integer",
        click.types.Choice: "choice",
        click.types.BoolParamType: "flag",
    }.get(type(param.type), "click")
    is_flag = isinstance(param, click.Option) and param.is_flag
    if (kind == "flag") != is_flag or (is_flag and param.multiple):
        kind = "click"
    if kind == "choice" and not all(isinstance(c, str) for c in param.type.choices):
        kind = "click"
    envvar = param.envvar
    argument = isinstance(param, click.Argument)
    return {
        "name": param.name,
        "argument": argument,
        "flags": [] if argument else param.opts,
        "kind": kind,
        "multiple": param.multiple,
        "required": param.required,
        "envvars": [envvar] if isinstance(envvar, str) else list(envvar or ()),
        "choices": list(param.type.choices) if kind == "choice" else None,
        "case_sensitive": param.type.case_sensitive if kind == "choice" else None,
    }


def read_line(description: dict[str, Any], args: list[str], environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The parameters click would give the command for `args`, or None when the line is not one the
    reader accepts (module docstring); None is always safe: click then reads the line."""
    params = description["params"]
    if any(e in environ for p in params for e in p["envvars"]):
        return None
    if any(key.startswith("_") and key.endswith("_COMPLETE") for key in environ):  # click's shell completion
        return None
    options = {flag: p for p in params for flag in p["flags"] if flag.startswith("--")}
    given: dict[str, Any] = {}
    positional: list[str] = []
    words = iter(args)
    for word in words:
        if not word.startswith("-"):
            positional.append(word)
            continue
        flag, equals, value = word.partition("=")
        option = options.get(flag)
        if option is None or option["kind"] not in READ:
            return None
        if option["kind"] == "flag":
            if equals:
                return None
            value = option["given"]
        else:
            value = value if equals else next(words, None)
            if value is None or value.startswith("-"):
                return None
            value = _value(option, value)
            if value is None:
                return None
        if option["multiple"]:
            given[option["name"]] = (*given.get(option["name"], ()), value)
        elif option["name"] in given:
            return None
        else:
            given[option["name"]] = value
    arguments = [p for p in params if p["argument"]]
    if len(positional) != len(arguments):
        return None
    given.update((p["name"], word) for p, word in zip(arguments, positional, strict=True))
    if any(p["required"] and p["name"] not in given for p in params):
        return None
    return {p["name"]: given.get(p["name"], p["absent"]) for p in params}


def _value(option: dict[str, Any], text: str) -> str | int | None:
    """`text` as click converts it for the option's kind, or None when click would refuse it or the
    reader does not know (a whole number that is not plain digits, or more digits than int() reads)."""
    if option["kind"] == "integer":
        if not (text.isascii() and text.isdigit()):
            return None
        try:  # more digits than int() reads (sys.get_int_max_str_digits): click refuses it too
            return int(text)
        except ValueError:
            return None
    if option["kind"] == "choice":
        if option["case_sensitive"]:
            return text if text in option["choices"] else None
        return next((c for c in option["choices"] if c.casefold() == text.casefold()), None)
    return text


def _plain_streams() -> bool:
    """Whether click.echo writes to standard output and error as they are: click rewraps a stream with
    no encoding or an ASCII one, and on Windows the console."""
    import codecs

    if os.name == "nt":
        return False
    for stream in (sys.stdout, sys.stderr):
        encoding, errors = getattr(stream, "encoding", None), getattr(stream, "errors", None)
        if encoding is None or errors is None:
            return False
        try:
            if codecs.lookup(encoding).name == "ascii":
                return False
        except LookupError:
            pass
    return True


def _echo(text: str | bytes, err: bool) -> None:
    """What click.echo writes to a plain stream: the text, then a flush."""
    if not isinstance(text, str) or "\x1b" in text:
        raise _ClickWrites
    stream = sys.stderr if err else sys.stdout
    stream.write(text)
    stream.flush()


def _stamp() -> str | None:
    """What the description depends on: the commands, click's files and this module."""
    from regimencalc.cli.kept import COMMANDS, stamp

    return stamp([], [COMMANDS, __file__])


def _encode(description: dict[str, Any]) -> str:
    import json

    return json.dumps(description, ensure_ascii=False)


#: Each parameter's fields in a description, and the types `read_line` relies on.
FIELDS = {
    "name": str,
    "argument": bool,
    "flags": list,
    "kind": str,
    "multiple": bool,
    "required": bool,
    "envvars": list,
    "choices": (list, type(None)),
    "case_sensitive": (bool, type(None)),
    "absent": object,
}


def _decode(text: str) -> dict[str, Any] | None:
    """A description read back (a `multiple` option's absent value a tuple, as click gives it); None
    when the text is not one (a description is made again rather than trusted)."""
    import json

    try:
        description = json.loads(text)
        params = description["params"]
        for p in params:
            fields = {**FIELDS, "given": object} if p["kind"] == "flag" else FIELDS
            if p.keys() != fields.keys() or not all(isinstance(p[k], t) for k, t in fields.items()):
                return None
            if not all(isinstance(word, str) for word in [*p["flags"], *p["envvars"], *(p["choices"] or ())]):
                return None
            if p["multiple"] and isinstance(p["absent"], list):
                p["absent"] = tuple(p["absent"])
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    return description if isinstance(params, list) else None
