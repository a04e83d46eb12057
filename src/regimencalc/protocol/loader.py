"""Reading input files: YAML 1.2 (ruamel.yaml) → plain data with positions → a strict model.

Regimen files and observation files go through the same path. Regimen and drug files reach the
planner as the plain tree of protocol/plain.py, validated by their pydantic model first and kept in
the user's cache (`load_validated`); nothing here imports pydantic or ruamel until a file is read.

ruamel.yaml is used, never PyYAML: YAML 1.2 keeps `NO` a string and `1:30` text, and duplicate
keys are an error instead of a silent last-one-wins. Every problem is reported as
`file:line:col: path: message`, pointing at the value to fix (or the key, for unknown fields,
or the enclosing mapping, for missing ones).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterator
from functools import cache, partial
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from regimencalc.errors import InputFileError, Problem, UnknownRegimenError
from regimencalc.protocol.bundled import DRUGS, REGIMENS, bundled_ids, read_bounded, regimen_file
from regimencalc.protocol.limits import (
    MAX_FILE_BYTES,
    MAX_NUMBER,
    MAX_NUMBER_DIGITS,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    limit_text,
)
from regimencalc.protocol.plain import DrugFile, Path, Regimen, file_stem, plain_tree

if TYPE_CHECKING:
    from pathlib import Path as FilePath

    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")
T = TypeVar("T", Regimen, DrugFile)
Positions = dict[Path, tuple[int, int]]
#: Fields that hold an amount: a bare number there lacks its unit, it is not a quoting problem.
AMOUNT_FIELDS = ("dose", "amount", "amount_max", "cap", "below", "at_least")
KeyPositions = dict[Path, tuple[int, int]]
#: Fields that are a measurement with a unit, and the unit of the example a bare number is told to add.
_MEASURE_UNITS = {
    "weight": "kg",
    "height": "cm",
    "duration": "min",
    **dict.fromkeys(("increment", "max_absolute", "low", "high", "vials"), "mg"),
}
#: The fix for each kind of YAML syntax error ruamel reports (the last one is the default).
_YAML_HINTS = (
    ("duplicate key", "; each key may appear once in a mapping: remove or rename one"),
    ("undefined alias", "; define the anchor (&name) before its alias (*name)"),
    ("single document", "; a file holds one document: remove the second '---'"),
    ("'\\t'", "; indent with spaces, not tabs"),
    ("", "; check the quotes, brackets and indentation there"),
)
#: What each pattern of the models asks for, in words.
_PATTERN_HINTS = {
    r"^[a-z][a-z0-9 -]*[a-z0-9]$": "must be lower-case words (letters, digits, spaces, hyphens), e.g. 'vindesine'",
    r"^[a-z0-9]+(-[a-z0-9]+)*$": "must be lower-case letters and digits joined by single hyphens, e.g. 'vicp-induction'",
    r"^[A-Za-z0-9][A-Za-z0-9_-]*$": "must be letters, digits, '_' and '-' only, e.g. 'counts-d15'",
}
#: Where each kind of input file is described, for the hint on an unknown field.
#: The cache folder of validated regimen and drug files (protocol/cache.py).
VALIDATED = "validated"
FORMAT_DOCS = {
    "Regimen": "docs/regimen-format.md",
    "Observations": "docs/observations.md",
    "Prior": "docs/safety.md",
    "RoundingProfile": "docs/safety.md",
    "DrugFile": "docs/regimen-format.md",
    "Institution": "docs/institution.md",
}


def load_drug_file(drug: str) -> DrugFile | None:
    """The bundled file of a drug, validated, or None when the project has none for it."""
    path = os.path.join(DRUGS, f"{file_stem(drug)}.yaml")
    if not os.path.isfile(path):
        return None
    loaded = load_validated(path, DrugFile)
    if loaded.drug != drug:
        raise InputFileError([Problem(path, 1, 1, "drug", f"the file is for '{loaded.drug}', not '{drug}'")])
    return loaded


def resolve(reference: str) -> str:
    """A bundled regimen id or a path to a regimen file → the file to read."""
    path = regimen_file(reference)
    if path is not None:
        return path
    known = ", ".join(bundled_ids())
    raise UnknownRegimenError(f"no regimen '{reference}': not a bundled id ({known}) and not a file")


def load_regimen(reference: str | FilePath) -> Regimen:
    """Load and validate a regimen by bundled id or path; InputFileError lists every problem. A
    bundled id is the id of the regimen its file holds: a kept tree of another regimen is a miss."""
    path = resolve(str(reference))
    folder, name = os.path.split(os.path.realpath(path))
    bundled = folder == os.path.realpath(REGIMENS)  # by id, or by a path into the package
    return load_validated(path, Regimen, name.removesuffix(".yaml") if bundled else None)


def regimen_model(reference: str | FilePath) -> BaseModel:
    """A regimen's pydantic model, validated from its file and never kept: for `validate` (which
    validates every time) and for its JSON form (`model_dump`), which the plain tree does not offer."""
    path = resolve(str(reference))
    return parse_document(read_text(path), str(path), _model(Regimen))


def load_validated(path: str, kind: type[T], expected_id: str | None = None) -> T:
    """A regimen or drug file (`kind`: its plain class) validated by its model, as the plain tree.

    The tree is kept in the user's cache (protocol/cache.py) as tagged JSON (protocol/tagged.py),
    keyed by the file's bytes and the stamp of the code that validates it: a second run reads it
    back with `json` alone (no ruamel, pydantic or pint). An entry that does not read back to
    exactly a tree of `kind` is ignored and rewritten, and nothing is kept that would not read
    back equal to what was validated."""
    import json

    from regimencalc.protocol.cache import cache_key, read_entry, write_entry
    from regimencalc.protocol.tagged import FORMAT, code_stamp, from_tagged, to_tagged

    text = read_text(path)
    stamp = code_stamp()
    key = cache_key(f"plain {kind.__name__} {FORMAT} {stamp}", text.encode("utf-8"))
    kept = read_entry(VALIDATED, key) if stamp is not None else None
    if kept is not None:
        try:
            found = from_tagged(kept)
        except (ValueError, TypeError, RecursionError):
            found = None
        if type(found) is kind and expected_id in (None, getattr(found, "id", None)):
            return found  # type: ignore[no-any-return]
    loaded: T = plain_tree(parse_document(text, str(path), _model(kind)))
    try:
        content = to_tagged(loaded)
        same = from_tagged(json.loads(json.dumps(content))) == loaded
    except (ValueError, TypeError):
        same = False
    if same and stamp is not None:
        write_entry(VALIDATED, key, content)
    return loaded


def _model(kind: type) -> type[BaseModel]:
    """The pydantic model a plain class is the validated form of (imported here: only a miss needs it)."""
    if kind is Regimen:
        from regimencalc.protocol.regimen import Regimen as RegimenModel

        return RegimenModel
    from regimencalc.protocol.drugs import DrugFile as DrugFileModel

    return DrugFileModel


def load_document(path: str | FilePath, model: type[M]) -> M:
    """Read a YAML file and validate it against a strict model (observations, prior exposure, rounding)."""
    return parse_document(read_text(path), str(path), model)


def read_text(path: str | FilePath) -> str:
    """The text of an input file, read no further than MAX_FILE_BYTES (so /dev/zero or a huge file
    is refused at once); a folder, a missing file or bytes that are not UTF-8 are refused too."""
    try:
        data = read_bounded(path)
    except OSError as exc:
        raise InputFileError([Problem(str(path), 1, 1, "", f"cannot read the file: {exc.strerror}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputFileError(
            [Problem(str(path), 1, 1, "", f"the file is larger than {limit_text('MAX_FILE_BYTES')} bytes; split it")]
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputFileError(
            [Problem(str(path), line, column, "", "the file is not UTF-8 text; save it as UTF-8")]
        ) from None


def parse_regimen(text: str, filename: str) -> Regimen:
    """Validate regimen YAML text, as the plain tree; `filename` is only used in messages."""
    return plain_tree(parse_document(text, filename, _model(Regimen)))  # type: ignore[no-any-return]


def parse_document(text: str, filename: str, model: type[M]) -> M:
    """Validate YAML text against a strict model; InputFileError lists every located problem."""
    from pydantic import ValidationError

    from regimencalc.protocol.beside import problems_beside
    from regimencalc.protocol.checks import RegimenProblems

    data, values, keys = read_yaml(text, filename)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        doc = FORMAT_DOCS.get(model.__name__, "docs/regimen-format.md")
        problems = [
            _problem(filename, values, keys, tuple(e["loc"]), _message(e, doc), at_key=e["type"] == "extra_forbidden")
            for e in exc.errors()
        ]
        problems += [_problem(filename, values, keys, loc, m) for loc, m in problems_beside(data, exc.errors(), model)]
    except RegimenProblems as exc:
        problems = [_problem(filename, values, keys, loc, message) for loc, message in exc.problems]
    raise InputFileError(problems)


def read_yaml(text: str, filename: str) -> tuple[Any, Positions, KeyPositions]:
    """Plain Python data from YAML 1.2 text, with the line:column of every value and key."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError, YAMLWarning

    yaml = YAML(typ="rt")
    yaml.Constructor = _constructor()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _screen(yaml, text, filename)
            document = yaml.load(text)
    except InputFileError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        message += next((hint for found, hint in _YAML_HINTS if found in message), _YAML_HINTS[-1][1])
        raise InputFileError([Problem(filename, line, column, "", message)]) from exc
    except YAMLError as exc:
        line, column = _position(text, getattr(exc, "position", None))
        reason = str(getattr(exc, "reason", "")) or type(exc).__name__
        raise InputFileError(
            [Problem(filename, line, column, "", f"not valid YAML: {reason}; remove the character")]
        ) from exc
    except (TypeError, ValueError, RecursionError, AssertionError) as exc:  # ruamel asserts on some input
        raise InputFileError([Problem(filename, 1, 1, "", f"not valid YAML: {type(exc).__name__}: {exc}")]) from exc
    warned = [w.message for w in caught if isinstance(w.message, YAMLWarning)]
    if warned:
        raise InputFileError([_warning_problem(filename, warning) for warning in warned])
    values: Positions = {(): (1, 1)}
    keys: KeyPositions = {}
    if document is None:
        raise InputFileError([Problem(filename, 1, 1, "", "the file is empty; a regimen is a YAML mapping")])
    try:
        return _plain(document, (), values, keys), values, keys
    except _KeyTwice as twice:
        message = f"the key '{twice.key}' appears twice (once unquoted, once quoted); each key may appear once: remove or rename one"
        raise InputFileError([Problem(filename, twice.line, twice.column, "", message)]) from None


class _KeyTwice(Exception):
    """Two keys of one mapping that read the same as text (1 and "1")."""

    def __init__(self, key: str, line: int, column: int) -> None:
        super().__init__(key)
        self.key, self.line, self.column = key, line, column


@cache
def _constructor() -> type:
    """ruamel's round-trip constructor, except that dates stay text: the models read them and a bad
    date ('2026-02-30') is then reported at its own line, not as an unlocated YAML failure."""
    from ruamel.yaml.constructor import RoundTripConstructor

    class DatesAsText(RoundTripConstructor):
        def timestamp_as_text(self, node: Any) -> str:
            return str(self.construct_scalar(node))

    DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", DatesAsText.timestamp_as_text)
    return DatesAsText


#: The scalars the screen refuses, as patterns `re` compiles when a file is first read, not at import:
#: a warm `schedule` reads no YAML (docs/batch.md, start-up).
_NUMBER = r"[-+]?\.?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"
_AMOUNT_AS_KEY = r"[0-9]+(?:\.[0-9]+)?\s*[A-Za-zµμ%][^:]*"
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_NOT_DECIMAL = r"[-+]?0[xXoObB][0-9a-fA-F_]*"
_NOT_FINITE = r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"


def _screen(yaml: Any, text: str, filename: str) -> None:
    """Refuse, before anything is built, what a clinical file has no use for and what would cost
    unbounded time or memory: a YAML version other than 1.2, tags, merge keys, anchors defined twice or
    used inside themselves,
    nesting past MAX_YAML_DEPTH, more than MAX_YAML_NODES values once aliases are expanded, and
    numbers that are not finite or too large. Streams the parser's events; stops at the first problem."""
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        MappingStartEvent,
        NodeEvent,
        ScalarEvent,
    )

    _screen_directives(text, filename)
    sizes: dict[str, int] = {}  # anchor → values it stands for
    stack: list[_Open] = []
    nodes = 0
    for event in yaml.parse(text):
        refuse = partial(_refuse, filename, event.start_mark)

        if isinstance(event, CollectionEndEvent):
            done = stack.pop()
            if done.anchor is not None:
                sizes[done.anchor] = nodes - done.before
            _completed(stack)
            continue
        if not isinstance(event, NodeEvent):
            continue
        is_key = bool(stack) and stack[-1].key_next
        if isinstance(event, AliasEvent):
            if any(o.anchor == event.anchor for o in stack):
                refuse(
                    f"the alias '*{event.anchor}' is inside its own anchor (a loop, read as nothing); write the value out"
                )
            nodes += sizes.get(event.anchor, 1)
        else:
            nodes += 1
            if event.tag is not None:
                refuse(f"the YAML tag '{event.tag}' is not allowed; remove it")
            if event.anchor is not None and (event.anchor in sizes or any(o.anchor == event.anchor for o in stack)):
                refuse(f"the anchor '&{event.anchor}' is defined twice; give each anchor a unique name")
        if nodes > MAX_YAML_NODES:
            refuse(f"more than {limit_text('MAX_YAML_NODES')} values once aliases are expanded; shorten the file")
        if isinstance(event, ScalarEvent) and re.search(_SURROGATE, event.value):
            refuse("the text holds a lone surrogate (an escape such as \\ud800 that is no character); remove it")
        if isinstance(event, ScalarEvent) and event.style is None:
            _screen_plain(event.value, is_key, refuse)
        if isinstance(event, ScalarEvent | AliasEvent):
            if event.anchor is not None and isinstance(event, ScalarEvent):
                sizes[event.anchor] = 1
            _completed(stack)
            continue
        if len(stack) >= MAX_YAML_DEPTH:
            refuse(f"nested deeper than {limit_text('MAX_YAML_DEPTH')} levels; flatten the file")
        mapping = isinstance(event, MappingStartEvent)
        stack.append(_Open(event.anchor, nodes - 1, mapping, mapping))


_SURROGATE = "[\ud800-\udfff]"
_YAML_DIRECTIVE = r"(?m)^%YAML[ \t]+(\S*)"


def _screen_directives(text: str, filename: str) -> None:
    """A %YAML directive other than 1.2, refused before the parser sees it (ruamel fails an internal
    assertion on '%YAML 1.3')."""
    for found in re.finditer(_YAML_DIRECTIVE, text):
        if found.group(1) != "1.2":
            line, column = _position(text, found.start())
            message = f"'%YAML {found.group(1)}' is not allowed: these files are YAML 1.2; remove the line"
            raise InputFileError([Problem(filename, line, column, "", message)])


def _position(text: str, index: int | None) -> tuple[int, int]:
    """Line and column (1-based) of a character index of the text; 1:1 when unknown."""
    if index is None:
        return 1, 1
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _refuse(filename: str, mark: Any, message: str) -> NoReturn:
    raise InputFileError([Problem(filename, mark.line + 1, mark.column + 1, "", message)])


class _Open:
    """A mapping or list being read: its anchor, the values before it, and whether a key comes next."""

    def __init__(self, anchor: str | None, before: int, mapping: bool, key_next: bool) -> None:
        self.anchor = anchor
        self.before = before
        self.mapping = mapping
        self.key_next = key_next


def _completed(stack: list[_Open]) -> None:
    """A value has been read inside the innermost open mapping: a key is followed by its value."""
    if stack and stack[-1].mapping:
        stack[-1].key_next = not stack[-1].key_next


def _screen_plain(value: str, is_key: bool, refuse: Callable[[str], None]) -> None:
    """An unquoted scalar: no merge key, no null value, and a number must be finite and within the limits."""
    if is_key and value == "<<":
        refuse("merge keys '<<' are not supported (YAML 1.2 has none); write the fields out or use an alias")
    if is_key and value in _NULLS:
        refuse("an empty key (null) is not allowed; write the key")
    if is_key and re.fullmatch(_AMOUNT_AS_KEY, value):
        refuse(
            f"'{value}' was read as a key: a comma splits a flow mapping ({{amount: 100,5 mg/m2}} is 'amount: 100' "
            "and a key '5 mg/m2'); write decimals with a point (100.5 mg/m2), or quote the value"
        )
    if "_" in value and re.fullmatch(_NUMBER, value):
        refuse(f"'{value}' is a number written with underscores, which YAML drops ('2_1' is 21); write the digits only")
    if not is_key and value in _NULLS:
        refuse(
            "an empty value (null) is not allowed: it would silently mean 'not given'; write the value or remove the key"
        )
    if re.fullmatch(_NOT_FINITE, value):
        refuse(f"'{value}' is not a finite number; write the number")
    if re.fullmatch(_NOT_DECIMAL, value):
        refuse(f"'{value}' is not a decimal number (octal or hexadecimal); write it in decimal digits")
    if not re.fullmatch(_NUMBER, value):
        return
    digits = sum(c.isdigit() for c in value.lstrip("+-").split("e")[0].split("E")[0].lstrip("0."))
    if digits > MAX_NUMBER_DIGITS:
        refuse(f"the number {value[:20]}… has more digits than {limit_text('MAX_NUMBER_DIGITS')}; check it")
    try:
        large = abs(float(value.replace("_", ""))) > MAX_NUMBER
    except ValueError:
        large = False
    if large:
        refuse(f"the number {value} is above {limit_text('MAX_NUMBER')}; check it")


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
            if str(key) in result:
                raise _KeyTwice(str(key), key_line + 1, key_col + 1)
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


def _limit_named(bound: object) -> str:
    """The name of the limit in protocol/limits.py a field's maximum is, if it is one."""
    from regimencalc.protocol import limits

    return next(
        (n for n in ("MAX_CYCLE_LENGTH_DAYS", "MAX_CYCLES", "MAX_VIAL_SIZES") if getattr(limits, n) == bound), ""
    )


def _message(error: Any, doc: str) -> str:
    kind = error["type"]
    loc = error["loc"]
    field = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        return f"unknown field '{field}'; remove it or check its spelling (see {doc})"
    if kind == "missing":
        return f"required field '{field}' is missing"
    if kind == "string_type" and field in AMOUNT_FIELDS and isinstance(error["input"], int | float):
        return f"{error['input']!r} has no unit; write the amount with its unit, e.g. {field}: {error['input']} mg/m2"
    if kind == "string_type" and field in _MEASURE_UNITS and isinstance(error["input"], int | float):
        return f"{error['input']!r} has no unit; write it with its unit, e.g. {field}: {error['input']} {_MEASURE_UNITS[field]}"
    if kind == "string_type":
        return f'expected text, got {error["input"]!r}; quote it, e.g. {field}: "{error["input"]}"'
    if kind in ("int_type", "int_from_float", "int_parsing"):
        return f"expected a whole number, got {error['input']!r}; write it without quotes or decimals, e.g. {field}: 2"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number, got {error['input']!r}; write it without quotes, e.g. {field}: 10"
    if kind in ("dict_type", "model_type"):
        return f"expected a mapping of fields (key: value), got {error['input']!r}; see {doc}"
    if kind == "list_type":
        return f"expected a list, got {error['input']!r}; write it as [a, b] or one '- item' per line"
    if kind == "too_short":
        return f"is empty; give at least {error['ctx']['min_length']} item(s)"
    if kind in ("greater_than", "less_than"):
        bound = error["ctx"]["gt" if kind == "greater_than" else "lt"]
        return f"{error['input']!r} must be {'more' if kind == 'greater_than' else 'less'} than {bound}"
    if kind == "string_pattern_mismatch":
        return f"{error['input']!r} {_PATTERN_HINTS.get(error['ctx']['pattern'], 'has characters not allowed here')}"
    if kind == "literal_error":
        return f"{error['input']!r} is not allowed; use one of {error['ctx']['expected']}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "less_than_equal" and _limit_named(error["ctx"]["le"]):
        return f"{error['input']!r} is past {limit_text(_limit_named(error['ctx']['le']))}; check it"
    if kind == "too_long" and _limit_named(error["ctx"]["max_length"]):
        return f"{error['ctx']['actual_length']} items, past {limit_text(_limit_named(error['ctx']['max_length']))}; list fewer"
    if kind in ("less_than_equal", "greater_than_equal"):
        bound = error["ctx"]["le" if kind == "less_than_equal" else "ge"]
        return f"{error['input']!r} is {'above' if kind == 'less_than_equal' else 'below'} the allowed {'maximum' if kind == 'less_than_equal' else 'minimum'} {bound}"
    return f"{error['msg']} (got {error.get('input')!r})"
