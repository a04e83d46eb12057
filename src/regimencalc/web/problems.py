"""Errors as RFC 9457 problem details (`application/problem+json`), with the command line's words.

`detail` is the line the CLI prints after `regimencalc: error:` (for a regimen file, its
`file:line:col: path: message` lines); `field` names the input concerned and `problems` lists
every located problem of an input file.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse

from regimencalc.errors import InputFileError, RegimencalcError

MEDIA_TYPE = "application/problem+json"
#: Problem types: relative URIs documented in docs/web.md.
INVALID_INPUT = "/problems/invalid-input"
INVALID_FILE = "/problems/invalid-file"


class ProblemResponse(JSONResponse):
    media_type = MEDIA_TYPE


def problem(
    status: int, detail: str, *, type_: str = "about:blank", headers: dict[str, str] | None = None, **extensions: Any
) -> ProblemResponse:
    """A problem details response; `title` is the status phrase for about:blank, as RFC 9457 asks."""
    titles = {INVALID_INPUT: "Invalid input", INVALID_FILE: "Invalid input file"}
    body = {
        "type": type_,
        "title": titles.get(type_, HTTPStatus(status).phrase),
        "status": status,
        "detail": detail,
        **extensions,
    }
    return ProblemResponse(body, status_code=status, headers=headers)


def input_problem(error: RegimencalcError, field: str) -> ProblemResponse:
    """A refused input (422): the CLI's message, the field it concerns, and a file's located problems."""
    if isinstance(error, InputFileError):
        located = [
            {"file": p.file, "line": p.line, "column": p.column, "path": p.path, "message": p.message}
            for p in error.problems
        ]
        return problem(422, str(error), type_=INVALID_FILE, field=field or None, problems=located)
    return problem(422, str(error), type_=INVALID_INPUT, field=field or None)
