"""Reading input files: YAML 1.2 (ruamel.yaml) → plain data with positions → a strict model.

Regimen files and observation files go through the same path.

ruamel.yaml is used, never PyYAML: YAML 1.2 keeps `NO` a string and `1:30` text, and duplicate
keys are an error instead of a silent last-one-wins. Every problem is reported as
`file:line:col: path: message`, pointing at the value to fix (or the key, for unknown fields,
or the enclosing mapping, for missing ones).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any, TypeVar

from regimencalc.errors import InputFileError, Problem, UnknownRegimenError
from regimencalc.protocol.beside import problems_beside
from regimencalc.protocol.checks import RegimenProblems
from regimencalc.protocol.drugs import DrugFile, file_stem
from regimencalc.protocol.regimen import Path, Regimen

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")
Positions = dict[Path, tuple[int, int]]
#: Fields that hold an amount: a bare number there lacks its unit, it is not a quoting problem.
AMOUNT_FIELDS = ("dose", "amount", "amount_max", "cap", "below", "at_least")
KeyPositions = dict[Path, tuple[int, int]]


def bundled_dir() -> FilePath:
    """The folder of regimen files shipped inside the package."""
    return FilePath(str(files("regimencalc").joinpath("regimens")))


def bundled_ids() -> list[str]:
    """Ids of the bundled regimens (their file names), sorted."""
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def bundled_drug_dir() -> FilePath:
    """The folder of drug files shipped inside the package (one per drug: its label rules and lines)."""
    return FilePath(str(files("regimencalc").joinpath("drugs")))


def load_drug_file(drug: str) -> DrugFile | None:
    """The bundled file of a drug, validated, or None when the project has none for it."""
    path = bundled_drug_dir() / f"{file_stem(drug)}.yaml"
    if not path.is_file():
        return None
    loaded = load_document(path, DrugFile)
    if loaded.drug != drug:
        raise InputFileError([Problem(str(path), 1, 1, "drug", f"the file is for '{loaded.drug}', not '{drug}'")])
    return loaded


def resolve(reference: str) -> FilePath:
    """A bundled regimen id or a path to a regimen file → the file to read."""
    bundled = bundled_dir() / f"{reference}.yaml"
    if bundled.is_file():
        return bundled
    path = FilePath(reference)
    if path.is_file():
        return path
    known = ", ".join(bundled_ids())
    raise UnknownRegimenError(f"no regimen '{reference}': not a bundled id ({known}) and not a file")


def load_regimen(reference: str | FilePath) -> Regimen:
    """Load and validate a regimen by bundled id or path; InputFileError lists every problem."""
    return load_document(resolve(str(reference)), Regimen)


def load_document(path: str | FilePath, model: type[M]) -> M:
    """Read a YAML file and validate it against a strict model (observations, prior exposure, rounding)."""
    try:
        text = FilePath(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError([Problem(str(path), 1, 1, "", f"cannot read the file: {exc}")]) from None
    return parse_document(text, str(path), model)


def parse_regimen(text: str, filename: str) -> Regimen:
    """Validate regimen YAML text; `filename` is only used in messages."""
    return parse_document(text, filename, Regimen)


def parse_document(text: str, filename: str, model: type[M]) -> M:
    """Validate YAML text against a strict model; InputFileError lists every located problem."""
    from pydantic import ValidationError

    data, values, keys = read_yaml(text, filename)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            _problem(filename, values, keys, tuple(e["loc"]), _message(e), at_key=e["type"] == "extra_forbidden")
            for e in exc.errors()
        ]
        problems += [_problem(filename, values, keys, loc, m) for loc, m in problems_beside(data, exc.errors(), model)]
    except RegimenProblems as exc:
        problems = [_problem(filename, values, keys, loc, message) for loc, message in exc.problems]
    raise InputFileError(problems)


def read_yaml(text: str, filename: str) -> tuple[Any, Positions, KeyPositions]:
    """Plain Python data from YAML 1.2 text, with the line:column of every value and key."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, MarkedYAMLWarning, YAMLError

    yaml = YAML(typ="rt")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _refuse_tags(yaml, text, filename)
            document = yaml.load(text)
    except InputFileError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        if "duplicate key" in message:
            message += "; each key may appear once in a mapping: remove or rename one"
        raise InputFileError([Problem(filename, line, column, "", message)]) from exc
    except (YAMLError, TypeError, ValueError, RecursionError) as exc:
        raise InputFileError([Problem(filename, 1, 1, "", f"not valid YAML: {type(exc).__name__}: {exc}")]) from exc
    reused = [w.message for w in caught if isinstance(w.message, MarkedYAMLWarning)]
    if reused:
        raise InputFileError([_warning_problem(filename, warning) for warning in reused])
    values: Positions = {(): (1, 1)}
    keys: KeyPositions = {}
    if document is None:
        raise InputFileError([Problem(filename, 1, 1, "", "the file is empty; a regimen is a YAML mapping")])
    return _plain(document, (), values, keys), values, keys


def _refuse_tags(yaml: Any, text: str, filename: str) -> None:
    """Explicit YAML tags ('!!python/object:…', '!custom') have no place in these files: refuse the first."""
    for event in yaml.parse(text):
        tag = getattr(event, "tag", None)
        if tag is not None:
            mark = event.start_mark
            raise InputFileError(
                [
                    Problem(
                        filename, mark.line + 1, mark.column + 1, "", f"the YAML tag '{tag}' is not allowed; remove it"
                    )
                ]
            )


def _warning_problem(filename: str, warning: Any) -> Problem:
    """A YAML warning (an anchor defined twice) as a problem: a clinical file must not be ambiguous."""
    mark = warning.problem_mark or warning.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return Problem(filename, line, column, "", f"{warning.problem or warning}; give each anchor a unique name")


def _plain(node: Any, path: Path, values: Positions, keys: KeyPositions) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        result = {}
        for key in node:
            key_line, key_col, value_line, value_col = node.lc.data[key]
            keys[path + (str(key),)] = (key_line + 1, key_col + 1)
            values[path + (str(key),)] = (value_line + 1, value_col + 1)
            result[str(key)] = _plain(node[key], path + (str(key),), values, keys)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            line, col = node.lc.data[index]
            values[path + (index,)] = (line + 1, col + 1)
            items.append(_plain(item, path + (index,), values, keys))
        return items
    return _scalar(node)


def _scalar(node: Any) -> Any:
    for plain in (bool, int, float, str):
        if isinstance(node, plain):
            return plain(node)
    return node


def _problem(
    filename: str, values: Positions, keys: KeyPositions, loc: Path, message: str, at_key: bool = False
) -> Problem:
    """Locate a problem: an unknown field at its key, anything else at its value (or the nearest parent)."""
    if at_key and loc in keys:
        line, column = keys[loc]
    else:
        line, column = next(values[p] for p in _prefixes(loc) if p in values)
    return Problem(filename, line, column, _dotted(loc), message)


def _prefixes(loc: Path) -> Iterator[Path]:
    for end in range(len(loc), -1, -1):
        yield loc[:end]


def _dotted(loc: Path) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: Any) -> str:
    kind = error["type"]
    loc = error["loc"]
    field = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        return f"unknown field '{field}'; remove it or check its spelling (see docs/regimen-format.md)"
    if kind == "missing":
        return f"required field '{field}' is missing"
    if kind == "string_type" and field in AMOUNT_FIELDS and isinstance(error["input"], int | float):
        return f"{error['input']!r} has no unit; write the amount with its unit, e.g. {field}: {error['input']} mg/m2"
    if kind == "string_type":
        return f'expected text, got {error["input"]!r}; quote it, e.g. {field}: "{error["input"]}"'
    if kind == "literal_error":
        return f"{error['input']!r} is not allowed; use one of {error['ctx']['expected']}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind in ("less_than_equal", "greater_than_equal"):
        bound = error["ctx"]["le" if kind == "less_than_equal" else "ge"]
        return f"{error['input']!r} is {'above' if kind == 'less_than_equal' else 'below'} the allowed {'maximum' if kind == 'less_than_equal' else 'minimum'} {bound}"
    return f"{error['msg']} (got {error.get('input')!r})"
