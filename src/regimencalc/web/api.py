"""The REST API under /v1: plan a course, list and read the bundled regimens, validate a regimen file.

`POST /v1/courses` answers with exactly the document `regimencalc schedule --format json` prints
(the same renderer); refusals are problem details carrying the command line's messages.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.responses import Response

from regimencalc.course import Course
from regimencalc.errors import UnknownRegimenError
from regimencalc.protocol.loader import parse_regimen
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


@router.post(
    "/courses",
    response_model=Course,
    responses={422: _PROBLEM, 413: _PROBLEM},
    summary="Plan a course: the JSON `regimencalc schedule --format json` prints",
)
def post_course(request: CourseRequest) -> Response:
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
        regimen = bundled_regimen(regimen_id)
    except UnknownRegimenError as exc:
        raise HTTPException(404, str(exc)) from None
    return regimen.model_dump(mode="json")


@router.post(
    "/validate", responses={422: _PROBLEM, 413: _PROBLEM}, summary="Check a regimen file as `regimencalc validate` does"
)
def post_validate(request: ValidateRequest) -> Validated:
    regimen = parse_regimen(request.regimen_yaml, request.filename)
    return Validated(id=regimen.id, version=regimen.version, name=regimen.name)
