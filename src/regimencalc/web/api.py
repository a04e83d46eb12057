"""The REST API under /v1: plan a course, list and read the bundled regimens, validate a regimen file.

`POST /v1/courses` answers with exactly the document `regimencalc schedule --format json` prints
(the same renderer); refusals are problem details carrying the command line's messages.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.responses import Response

from regimencalc.course import Course
from regimencalc.errors import UnknownRegimenError
from regimencalc.protocol.loader import parse_regimen, regimen_model
from regimencalc.render.tabular import render_json
from regimencalc.web.inputs import CourseRequest, RegimenEntry, bundled_regimen, catalogue, plan_request
from regimencalc.web.problems import MEDIA_TYPE

_PROBLEM = {"content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
router = APIRouter(prefix="/v1", tags=["v1"])


class Problem(BaseModel):
    """RFC 9457 problem details; `field` names the input concerned, `problems` a file's located problems."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    problems: list[dict[str, Any]] | None = None


class ValidateRequest(BaseModel):
    """A regimen file's text to check, and the name to use for it in file:line:col messages."""

    model_config = ConfigDict(extra="forbid")

    regimen_yaml: str
    filename: str = Field("regimen.yaml", max_length=200)


class Validated(BaseModel):
    """A regimen file that passed every check."""

    valid: bool = True
    id: str
    version: str
    name: str


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    repeated = next((key for key in keys if keys.count(key) > 1), None)
    if repeated is not None:
        raise HTTPException(422, f"the key '{repeated}' appears twice in one JSON object; give each key once")
    texts = [*keys] + [t for _, v in pairs for t in (v if isinstance(v, list) else [v]) if isinstance(t, str)]
    if any(re.search("[\ud800-\udfff]", text) for text in texts):
        raise HTTPException(
            422, "the body holds a lone surrogate (an escape such as \\ud800 that is no character); remove it"
        )
    return dict(pairs)


async def strict_json(request: Request) -> None:
    """A JSON body sent as JSON (415 otherwise) in which no object repeats a key (the parser would keep
    the last value silently: {"weight": "70kg", "weight": "50kg"} would plan at 50 kg)."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "application/json":
        raise HTTPException(415, f"the body must be sent with Content-Type: application/json, not '{media}'")
    try:
        json.loads(await request.body(), object_pairs_hook=_refuse_duplicate_keys)
    except ValueError:
        return  # not JSON: the body's own validation says where


@router.post(
    "/courses",
    response_model=Course,
    responses={422: _PROBLEM, 413: _PROBLEM, 415: _PROBLEM},
    summary="Plan a course: the JSON `regimencalc schedule --format json` prints",
)
def post_course(request: CourseRequest, _: None = Depends(strict_json)) -> Response:
    return Response(render_json(plan_request(request)), media_type="application/json")


@router.get("/regimens", summary="The bundled regimens")
def get_regimens() -> list[RegimenEntry]:
    return list(catalogue())


@router.get(
    "/regimens/{regimen_id}",
    responses={404: _PROBLEM, 422: _PROBLEM},
    summary="One bundled regimen, as its validated model (the regimen file as JSON)",
)
def get_regimen(regimen_id: str) -> dict[str, Any]:
    try:
        bundled_regimen(regimen_id)
    except UnknownRegimenError as exc:
        raise HTTPException(404, str(exc)) from None
    return regimen_model(regimen_id).model_dump(mode="json")


@router.post(
    "/validate",
    responses={422: _PROBLEM, 413: _PROBLEM, 415: _PROBLEM},
    summary="Check a regimen file as `regimencalc validate` does",
)
def post_validate(request: ValidateRequest, _: None = Depends(strict_json)) -> Validated:
    regimen = parse_regimen(request.regimen_yaml, request.filename)
    return Validated(id=regimen.id, version=regimen.version, name=regimen.name)
