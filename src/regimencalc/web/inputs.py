"""A course request (from the API's JSON or the page's form) read into what the planner takes.

The fields are the `schedule` command's options; files are given as their text (a server has no
business reading paths a client names), and a regimen is a bundled id or a regimen file's text.
Patient values stay text, as typed, so `plan_typed` refuses them with the command line's words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from regimencalc.errors import InputFileError, RegimencalcError, UnknownRegimenError
from regimencalc.protocol.bundled import bundled_ids
from regimencalc.protocol.loader import load_regimen, parse_document, parse_regimen
from regimencalc.replan.observations import Observations
from regimencalc.safety.institution import Institution
from regimencalc.safety.prior import Prior
from regimencalc.safety.rounding import RoundingProfile

if TYPE_CHECKING:
    from regimencalc.course import Course
    from regimencalc.protocol.plain import Regimen


@dataclass(frozen=True)
class Document:
    """A file a request may carry besides the regimen: the model it is read into, how the page names it.

    Its kind is the keyword `plan` takes it as; the request field is `<kind>_yaml`, the upload `<kind>_file`.
    """

    model: type[BaseModel]
    label: str
    hint: str


#: The documents a request may carry besides the regimen (a new `plan` input file is one entry here
#: and one `<kind>_yaml` field in CourseRequest).
DOCUMENTS = {
    "observations": Document(
        Observations, "Observations file", "Labs, toxicities, responses and given doses (docs/observations.md)."
    ),
    "prior": Document(
        Prior, "Prior exposure file", "Lifetime anthracycline exposure before this course (docs/safety.md)."
    ),
    "rounding": Document(RoundingProfile, "Rounding profile", "Your institution's dose rounding (docs/safety.md)."),
    "institution": Document(
        Institution,
        "Institutional profile",
        "Local choices: rounding, limits, intrathecal doses, premedication, infusion times (docs/institution.md).",
    ),
}
#: The request fields that carry a file's text (each also names the file in file:line:col messages).
_TEXT_FIELDS = {kind: f"{kind}_yaml" for kind in ("regimen", *DOCUMENTS)}
#: Where a refusal belongs on the form, by how its message starts (messages name their value first).
_FIELD_BY_PREFIX = (
    ("height", "height"),
    ("weight", "weight"),
    ("BMI", "weight"),
    ("BSA", "weight"),
    ("age", "age"),
    ("sex", "sex"),
    ("start date", "start"),
    ("--bsa-cap", "bsa_cap"),
    ("--accept-unusual", "accept_unusual"),
    ("--cycles", "cycles"),
    ("--measured", "measured"),
    ("--time", "time"),
    ("--tz", "tz"),
    ("--remind", "remind"),
    ("unknown BSA formula", "bsa_formula"),
    ("response", "response"),
)


class FieldError(RegimencalcError, ValueError):
    """A request that is incomplete or contradictory (no regimen, or two of them)."""


class CourseRequest(BaseModel):
    """The inputs of `regimencalc schedule`, as JSON: the same names, patient values as typed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    regimen: str | None = Field(None, description="A bundled regimen id (GET /v1/regimens lists them).")
    regimen_yaml: str | None = Field(None, description="A regimen file's text, instead of a bundled id.")
    height: str = Field(description="As on the command line: 170cm, 1.7 m, 5 ft 7 in.", examples=["170cm"])
    weight: str = Field(description="As on the command line: 70kg, 154 lb.", examples=["70kg"])
    start: str = Field(description="Cycle 1 day 1, YYYY-MM-DD.", examples=["2026-01-05"])
    age: str | None = Field(None, description="Age in years.", examples=["40"])
    sex: str | None = Field(None, description="F or M.")
    bsa_formula: str = Field(
        "mosteller",
        validation_alias=AliasChoices("bsa_formula", "bsa-formula"),
        description="mosteller, dubois, haycock, gehan-george or boyd.",
    )
    cycles: int | None = Field(None, description="Plan only the first N cycles.")
    response: str | None = Field(None, description="CR, CRi, PR or NR: picks branch arms no observation decides.")
    observations_yaml: str | None = Field(None, description="An observations file's text (docs/observations.md).")
    prior_yaml: str | None = Field(None, description="A prior-exposure file's text (docs/safety.md).")
    rounding_yaml: str | None = Field(None, description="A rounding profile's text (docs/safety.md).")
    institution_yaml: str | None = Field(None, description="An institutional profile's text (docs/institution.md).")
    bsa_cap: str | None = Field(
        None,
        validation_alias=AliasChoices("bsa_cap", "bsa-cap"),
        description="Cap the BSA, e.g. 2m2 (institutional option, flagged).",
    )
    accept_unusual: tuple[str, ...] = Field(
        (),
        validation_alias=AliasChoices("accept_unusual", "accept-unusual"),
        description="Unusual values confirmed, as --accept-unusual KEY (a list, or one key).",
    )

    @field_validator("height", "weight", "age", "bsa_cap", mode="before")
    @classmethod
    def _number_as_typed(cls, value: Any) -> Any:
        """A JSON number is taken as the text it was written as: 40 → '40' (then refused if it lacks a unit)."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("accept_unusual", mode="before")
    @classmethod
    def _one_key(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value


def plan_request(request: CourseRequest, labels: dict[str, str] | None = None) -> Course:
    """The course a request describes; `labels` name uploaded texts in file:line:col messages."""
    from regimencalc.planner import plan_typed

    names = _TEXT_FIELDS | (labels or {})
    documents = {
        kind: None
        if (text := getattr(request, f"{kind}_yaml")) is None
        else parse_document(text, names[kind], doc.model)
        for kind, doc in DOCUMENTS.items()
    }
    course = plan_typed(
        request_regimen(request.regimen, request.regimen_yaml, names["regimen"]),
        request.height,
        request.weight,
        request.start,
        age=request.age,
        sex=request.sex,
        bsa_cap=request.bsa_cap,
        accept_unusual=request.accept_unusual,
        bsa_formula=request.bsa_formula.lower(),  # DuBois, as the README writes it
        cycles=request.cycles,
        response=request.response,
        **documents,
    )
    if request.regimen_yaml is None:
        return course
    return replace(course, regimen=replace(course.regimen, file=names["regimen"]))


def request_regimen(regimen_id: str | None, text: str | None, label: str) -> Regimen:
    """The regimen of a request: a bundled id or a file's text, never a path on the server."""
    if regimen_id is not None and text is not None:
        raise FieldError("give a bundled regimen id or a regimen file, not both")
    if text is not None:
        return parse_regimen(text, label)
    if regimen_id is None:
        raise FieldError("regimen is missing; choose a bundled regimen or give a regimen file")
    return bundled_regimen(regimen_id)


@dataclass(frozen=True)
class RegimenEntry:
    """One bundled regimen, as `regimencalc list` shows it."""

    id: str
    version: str
    name: str
    indication: str


@cache
def catalogue() -> tuple[RegimenEntry, ...]:
    """The bundled regimens, read once per process: package data does not change under a running server."""
    return tuple(RegimenEntry(r.id, r.version, r.name, r.indication) for r in map(load_regimen, bundled_ids()))


def bundled_regimen(regimen_id: str) -> Regimen:
    """A bundled regimen by id; anything else (a path, '..') is an unknown id."""
    known = bundled_ids()
    if regimen_id not in known:
        raise UnknownRegimenError(f"no regimen '{regimen_id}': not a bundled id ({', '.join(known)})")
    return load_regimen(regimen_id)


def field_of(error: RegimencalcError, labels: dict[str, str] | None = None) -> str:
    """The input a refusal concerns, or '' for the request as a whole.

    With `labels` (the page's uploads, kind → file name) an input file's refusal names its kind
    (`observations`); without, its JSON field (`observations_yaml`).
    """
    if isinstance(error, InputFileError):
        first = error.problems[0].file
        if labels is None:  # the API: the file is named by its JSON field
            return first if first in _TEXT_FIELDS.values() else ""
        return next((kind for kind, label in labels.items() if label == first), "")
    if isinstance(error, UnknownRegimenError | FieldError):
        return "regimen"
    text = str(error)
    field = next((f for prefix, f in _FIELD_BY_PREFIX if text.startswith(prefix)), "")
    return field or ("response" if "--response" in text else "")
