"""The page: one plain HTML form (no script needed) that plans a course and shows it, flags first,
as the roadmap grid and the dose table with every calculation; the same inputs download the dose
sheet, the calendar, CSV and JSON. Nothing is kept between requests: an uploaded file travels
back in the page as a hidden field, so the next submission carries it again.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import Response

from regimencalc.course import Administration, Course, Cycle
from regimencalc.display import ROUTE_NAMES
from regimencalc.dosing.bsa import BSA_FORMULAS
from regimencalc.errors import RegimencalcError
from regimencalc.protocol.plain import RESPONSES
from regimencalc.render.sheet import FLAG_WORDS
from regimencalc.safety.plausibility import KEYS as UNUSUAL_KEYS
from regimencalc.web.guard import CSRF_FIELD, csrf_ok, new_csrf_token
from regimencalc.web.inputs import DOCUMENTS, CourseRequest, catalogue, field_of, plan_request

router = APIRouter(include_in_schema=False)
#: The form's text fields, named as the CourseRequest fields (and the command line's options).
TEXT_FIELDS = ("height", "weight", "age", "sex", "start", "cycles", "response", "bsa_formula", "bsa_cap")
#: What only the dose sheet prints.
SHEET_FIELDS = ("patient_name", "patient_id", "measured")
#: How the calendar is laid out (the `ics` command's options), asked beside the download buttons.
CALENDAR_FIELDS = ("per_day", "time", "tz", "remind")
UPLOAD = "upload"
#: The downloads: button value → (what it is called, file extension, media type).
DOWNLOADS = {
    "sheet": ("Dose sheet (HTML)", "html", "text/html; charset=utf-8"),
    "pdf": ("Dose sheet (PDF)", "pdf", "application/pdf"),
    "ics": ("Calendar (.ics)", "ics", "text/calendar; charset=utf-8"),
    "csv": ("CSV", "csv", "text/csv; charset=utf-8"),
    "json": ("JSON", "json", "application/json"),
}


@dataclass(frozen=True)
class Upload:
    """A file the user sent: the name it is reported under, its text, and whether it came with this request."""

    name: str
    text: str
    fresh: bool = False


@dataclass(frozen=True)
class FormState:
    """What the form holds: typed values, confirmations, uploaded files, and the refusals by field."""

    values: dict[str, str] = field(default_factory=dict)
    accepted: tuple[str, ...] = ()
    uploads: dict[str, Upload] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


@router.get("/")
def show_form(request: Request) -> Response:
    return _page(request, FormState(values={"regimen": "", "bsa_formula": "mosteller"}))


@router.post("/")
async def submit(request: Request) -> Response:
    try:
        form = await request.form()
    except HTTPException as exc:
        return _page(request, FormState(errors={"": str(exc.detail)}), status=exc.status_code)
    state = await _read(form)
    if not csrf_ok(request.app.state.csrf_key, _text(form, CSRF_FIELD)):
        message = "the form has expired or came from another page; reload the page and submit it again"
        return _page(request, _refused(state, "", message), status=403)
    if state.errors:
        return _page(request, state, status=422)
    action = _text(form, "action") or "show"
    if action != "show" and action not in DOWNLOADS:
        return _page(request, _refused(state, "", f"unknown action '{action}'"), status=400)
    try:
        course_request = _request(state)
    except ValidationError as exc:
        errors = {str(e["loc"][0]): f"{e['loc'][0]}: {e['msg']}" for e in exc.errors()}
        return _page(request, FormState(state.values, state.accepted, state.uploads, errors), status=422)
    labels = {kind: upload.name for kind, upload in state.uploads.items()}
    try:
        course = plan_request(course_request, labels)
    except RegimencalcError as exc:
        return _page(request, _refused(state, _place(field_of(exc, labels), state), str(exc)), status=422)
    if action == "show":
        return _page(request, state, course)
    try:
        return _download(course, action, state)
    except RegimencalcError as exc:  # a sheet or calendar option: shown with the course it concerns
        return _page(request, _refused(state, field_of(exc), str(exc)), course, status=422)


def _place(field: str, state: FormState) -> str:
    """Where on the form a refusal goes: an input file's refusal next to its upload field."""
    uploaded = field in DOCUMENTS or (field == "regimen" and state.values["regimen"] == UPLOAD)
    return f"{field}_file" if uploaded else field


def _refused(state: FormState, where: str, message: str) -> FormState:
    return FormState(state.values, state.accepted, state.uploads, {where: message})


async def _read(form: FormData) -> FormState:
    """The form's values; an uploaded file replaces the one carried from the previous answer."""
    values = {name: _text(form, name) for name in ("regimen", *TEXT_FIELDS, *SHEET_FIELDS, *CALENDAR_FIELDS)}
    accepted = tuple(k for k in form.getlist("accept_unusual") if isinstance(k, str))
    uploads: dict[str, Upload] = {}
    errors: dict[str, str] = {
        name: f"{name} is sent twice; send it once" for name in values if len(form.getlist(name)) > 1
    }  # a crafted form would otherwise keep one of the two silently
    for kind in ("regimen", *DOCUMENTS):
        sent = form.get(f"{kind}_file")
        if isinstance(sent, UploadFile) and sent.filename:
            name = _safe_name(sent.filename)
            try:
                uploads[kind] = Upload(name, (await sent.read()).decode("utf-8"), fresh=True)
            except UnicodeDecodeError:
                errors[f"{kind}_file"] = f"{name}: not a text file in UTF-8; upload the YAML file itself"
        elif _text(form, f"{kind}_yaml") and not _text(form, f"drop_{kind}"):
            carried = str(form.get(f"{kind}_yaml"))  # not stripped: line numbers must stay those of the file
            uploads[kind] = Upload(_safe_name(_text(form, f"{kind}_name")), carried)
    sent_regimen = uploads.get("regimen")
    if sent_regimen and not values["regimen"]:
        values["regimen"] = UPLOAD
    elif sent_regimen and values["regimen"] != UPLOAD:
        if sent_regimen.fresh:
            errors["regimen"] = (
                f"a bundled regimen is chosen and {sent_regimen.name} was uploaded; "
                "choose “Uploaded file” to use the file, or remove it"
            )
        else:
            del uploads["regimen"]  # a bundled regimen was chosen instead of the file sent earlier
    return FormState(values, accepted, uploads, errors)


def _request(state: FormState) -> CourseRequest:
    """The API's request for the form's values (so page and API plan alike); empty fields are absent."""
    given = {name: state.values[name] for name in TEXT_FIELDS if state.values[name]}
    uploading = state.values["regimen"] == UPLOAD
    regimen = state.uploads.get("regimen") if uploading else None
    documents = {f"{kind}_yaml": state.uploads[kind].text for kind in DOCUMENTS if kind in state.uploads}
    return CourseRequest(
        regimen=None if uploading else state.values["regimen"] or None,
        regimen_yaml=None if regimen is None else regimen.text,
        accept_unusual=state.accepted,
        **given,
        **documents,
    )


def _download(course: Course, action: str, state: FormState) -> Response:
    """One output of the course, as a file to save (renderers chosen and called as the CLI does)."""
    from regimencalc.dosing.dates import parse_date
    from regimencalc.dosing.timing import calendar_options
    from regimencalc.render.ics import render_ics
    from regimencalc.render.sheet import SheetInfo, render_sheet_html, render_sheet_pdf
    from regimencalc.render.tabular import render_csv, render_json

    _, extension, media_type = DOWNLOADS[action]
    body: str | bytes
    if action in ("sheet", "pdf"):
        measured = state.values["measured"]
        info = SheetInfo(
            written=dt.date.today(),
            patient_name=state.values["patient_name"] or None,
            patient_id=state.values["patient_id"] or None,
            measured=parse_date(measured, "--measured") if measured else None,
        )
        body = render_sheet_html(course, info)
        if action == "pdf":
            body = render_sheet_pdf(body)
    elif action == "ics":
        given = {name: state.values[name] or None for name in CALENDAR_FIELDS}
        options = calendar_options(
            per_day=bool(given["per_day"]), at=given["time"], zone=given["tz"], remind=given["remind"], course_id=None
        )
        body = render_ics(course, options)
    else:
        body = (render_csv if action == "csv" else render_json)(course)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{course.regimen.id}-{course.start_date.isoformat()}")
    return Response(
        body, media_type=media_type, headers={"content-disposition": f'attachment; filename="{stem}.{extension}"'}
    )


def _page(request: Request, state: FormState, course: Course | None = None, status: int = 200) -> Response:
    """The page, with a fresh CSRF token in its forms."""
    context = {
        "state": state,
        "course": course,
        "token": new_csrf_token(request.app.state.csrf_key),
        "csrf_field": CSRF_FIELD,
        "regimens": [(r.id, f"{r.name} (v{r.version})") for r in catalogue()],
        "upload": UPLOAD,
        "formulas": [(key, f.name) for key, f in BSA_FORMULAS.items()],
        "responses": [(r, r) for r in RESPONSES],
        "unusual_keys": UNUSUAL_KEYS,
        "documents": DOCUMENTS,
        "downloads": DOWNLOADS,
        "calendar_fields": CALENDAR_FIELDS,
        "flag_words": FLAG_WORDS,
        "route_names": ROUTE_NAMES,
        "roadmap": roadmap,
        "doses_of": doses_of,
    }
    return request.app.state.templates.TemplateResponse(request, "page.html", context, status_code=status)


def doses_of(course: Course, cycle: Cycle) -> list[Administration]:
    """The administrations of one cycle, in date order."""
    return [a for a in course.administrations if a.cycle == cycle.number]


def roadmap(course: Course, cycle: Cycle) -> tuple[list[tuple[str, str]], list[tuple[int, dt.date, list[Any]]]]:
    """The cycle as a grid: (drug, route) columns; a row per date with the administration in each column."""
    doses = doses_of(course, cycle)
    columns = list(dict.fromkeys((a.drug, a.route) for a in doses))
    dates = sorted({a.date for a in doses})
    cells = {(a.date, a.drug, a.route): a for a in doses}
    rows = [((d - cycle.start_date).days + 1, d, [cells.get((d, *c)) for c in columns]) for d in dates]
    return columns, rows


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _safe_name(name: str) -> str:
    """A file name as reported in messages: its last part only, printable characters."""
    base = PurePath(name.replace("\\", "/")).name
    return re.sub(r"[^\w.\- ]+", "_", base)[:100] or "uploaded.yaml"
