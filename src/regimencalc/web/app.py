"""The application: the page, the API, the OpenAPI document, and how errors become answers."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from regimencalc import __version__
from regimencalc.display import format_number
from regimencalc.errors import RegimencalcError
from regimencalc.web import api, page
from regimencalc.web.guard import Guard
from regimencalc.web.inputs import field_of
from regimencalc.web.problems import INVALID_INPUT, input_problem, problem

HERE = Path(__file__).parent
log = logging.getLogger("regimencalc.web")


def create_app(*, allowed_hosts: Iterable[str] = ()) -> FastAPI:
    """The ASGI application; `allowed_hosts` are Host names accepted besides the loopback ones."""
    app = FastAPI(
        title="regimencalc",
        version=__version__,
        summary="Chemotherapy regimen dosing and scheduling with hand-checkable dose traces.",
        description="The API of `regimencalc serve` (docs/web.md). Check every dose before dispensing.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.csrf_key = secrets.token_bytes(32)
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.templates.env.filters["number"] = format_number
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(page.router)
    app.add_exception_handler(RegimencalcError, _refused)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
    app.add_middleware(Guard, hosts=allowed_hosts)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the Problem schema the error answers refer to."""
    if app.openapi_schema is None:
        schema = FastAPI.openapi(app)
        schema["components"]["schemas"]["Problem"] = api.Problem.model_json_schema()
        app.openapi_schema = schema
    return app.openapi_schema


async def _refused(_: Request, error: Exception) -> Response:
    """An input the command line would refuse: 422 with its message and the field concerned."""
    assert isinstance(error, RegimencalcError)
    return input_problem(error, field_of(error))


async def _invalid_request(_: Request, error: Exception) -> Response:
    """A request body that is not the JSON the endpoint takes: each field and what is wrong with it."""
    assert isinstance(error, RequestValidationError)
    lines, fields = [], []
    for e in error.errors():
        field = ".".join(str(part) for part in e["loc"] if part != "body")
        if e["type"] == "json_invalid":
            field = ""  # its place is a character offset, not a field
        fields.append(field)
        if e["type"] == "extra_forbidden" and field in ("observations", "prior", "rounding"):
            lines.append(f"send the {field} file's text as {field}_yaml; the server reads no paths")
        elif e["type"] == "extra_forbidden":
            lines.append(f"unknown field '{field}'; remove it or check its spelling (see docs/web.md)")
        elif e["type"] == "missing":
            lines.append(f"{field} is missing")
        elif not field and e["type"] in ("model_attributes_type", "dict_type"):
            lines.append("the body must be a JSON object, sent with Content-Type: application/json")
        elif e["type"] == "json_invalid":
            where = next((part for part in e["loc"] if isinstance(part, int)), None)
            at = f" at character {where}" if where is not None else ""
            lines.append(f"the body is not valid JSON{at} ({e.get('ctx', {}).get('error', e['msg'])})")
        else:
            lines.append(f"{field}: {e['msg']} (got {e.get('input')!r})" if field else e["msg"])
    return problem(422, "; ".join(lines), type_=INVALID_INPUT, field=fields[0] if fields and fields[0] else None)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    detail = str(error.detail)
    if error.status_code == 404 and detail == "Not Found":
        detail = f"nothing at {request.url.path}; the page is at / and the API under /v1 (GET /v1/regimens)"
    elif error.status_code == 405:
        detail = f"{request.method} is not accepted at {request.url.path} (see /openapi.json)"
    return problem(error.status_code, detail, headers=error.headers)


async def _internal_error(_: Request, error: Exception) -> Response:
    """A bug: no traceback and no values (they may be patient data) in the answer or the log."""
    log.error("internal error (%s); please report it", type(error).__name__)
    return problem(500, f"internal error ({type(error).__name__}); please report it")
