"""The planned course: what every renderer reads. Frozen data, no logic beyond formatting.

Plain frozen dataclasses, so that planning and writing a course import no pydantic (a warm
`schedule` starts in a few tens of milliseconds). `course_document(course)` is the documented JSON
document (docs/output-json.md), so a field added or renamed here is a format change: bump
`Course.format_version` when one breaks readers. pydantic reads these classes only where a JSON
Schema is written (`json_schema`, the web API's OpenAPI document); `__pydantic_config__` and a
field's metadata (`description`, `json_schema_extra`) are what it reads, plain dicts that import nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from regimencalc.display import format_number, format_range, group_thousands


class _Frozen:
    """The base of every class here: instances hold values only (slots), and a schema forbids other keys."""

    __slots__ = ()
    __pydantic_config__ = {"extra": "forbid"}


@dataclass(frozen=True, kw_only=True, slots=True)
class Amount(_Frozen):
    """A computed amount; `max` is set for dose ranges (cells), `value` is then the minimum."""

    value: float
    unit: str
    max: float | None = None

    def text(self) -> str:
        """'4 mg', '9 mcg/day', '6,923 mcg', '0.0468 – 1.17 ×10⁸ cells'."""
        if self.max is None:
            return f"{group_thousands(format_number(self.value))} {self.unit}"
        return f"{group_thousands(format_range(self.value, self.max))} {self.unit}"


TraceKind = Literal["prescribed", "band", "basis", "rate", "cap", "rounding", "rule", "final"]


@dataclass(frozen=True, kw_only=True, slots=True)
class TraceStep(_Frozen):
    """One step of a dose calculation, in words a pharmacist can recompute by hand."""

    kind: TraceKind
    text: str
    value: Amount | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class CourseFlag(_Frozen):
    """A warning shown on every output: seed vs label, institutional default, cap applied, …"""

    id: str
    kind: str
    text: str
    source: str | None = None


Status = Literal["planned", "given", "held", "omitted", "moved", "discontinued"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Administration(_Frozen):
    """One drug given on one date, with its dose, the trace behind it and its flags.

    `restart` marks the first dose after an interruption (the infusion restarts here, or a new cycle
    inserted after it begins); `route_label` is the drug's route safety label ("FOR INTRAVENOUS USE
    ONLY - FATAL IF GIVEN BY OTHER ROUTES"), printed with the dose."""

    id: str
    cycle: int
    day: int
    date: dt.date
    phase: str
    drug: str
    route: str
    dose: Amount
    rate: Amount | None = None
    prescribed: str
    basis: Literal["bsa", "weight", "flat"]
    trace: tuple[TraceStep, ...]
    flags: tuple[str, ...] = ()
    status: Status = "planned"
    original_date: dt.date | None = None
    given: Amount | None = None
    because: tuple[str, ...] = ()
    restart: bool = False
    source: str
    route_label: str | None = None

    def dose_text(self) -> str:
        """The dose as printed: '14.5 mg' for a single dose; '16.4 mg/day' for a dose prescribed per day
        (an infusion's daily amount, or a daily oral or IV dose), as its trace's final step writes it."""
        per_day = self.rate is not None or any(s.kind == "final" and s.text.endswith("/day") for s in self.trace)
        return self.dose.text() + ("/day" if per_day else "")


@dataclass(frozen=True, kw_only=True, slots=True)
class Cycle(_Frozen):
    """One cycle of the course and the branch arms chosen in it.

    `new_after` is set on a cycle the re-planning inserted: a new cycle started because cycle
    `new_after` was interrupted longer than the label allows. A cycle renumbered by such an insertion
    keeps its number in the plan as `planned_number` (observations and rules count planned cycles)."""

    number: int
    phase: str
    phase_name: str
    start_date: dt.date
    original_start_date: dt.date | None = None
    length_days: int
    # pydantic shows no default made by a factory: the metadata writes it into the schema
    branches: dict[str, str] = field(default_factory=dict, metadata={"json_schema_extra": {"default": {}}})
    planned_number: int | None = None
    new_after: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class DrugTotal(_Frozen):
    """The planned course total of one drug (daily amounts added up for infusions)."""

    drug: str
    total: Amount
    administrations: int


@dataclass(frozen=True, kw_only=True, slots=True)
class CumulativeDose(_Frozen):
    """Lifetime exposure to a drug with a limit or a doxorubicin equivalence, in mg/m²."""

    drug: str
    prior_mg_per_m2: float
    course_mg_per_m2: float
    total_mg_per_m2: float
    doxorubicin_ratio: float | None = None
    doxorubicin_equivalent_mg_per_m2: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PatientSummary(_Frozen):
    """The patient values the doses were computed from."""

    height_cm: float
    weight_kg: float
    age_years: float | None = None
    sex: Literal["F", "M"] | None = None
    bsa_m2: float
    bsa_formula: str
    bsa_equation: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Criterion(_Frozen):
    """A rule of the regimen in plain words: the criteria to treat a dose sheet prints."""

    id: str
    name: str
    text: str
    source: str


@dataclass(frozen=True, kw_only=True, slots=True)
class RegimenSummary(_Frozen):
    """Which regimen (and version) the course was planned from, and its sources."""

    id: str
    name: str
    version: str
    indication: str
    sources: dict[str, str]
    file: str | None = field(
        default=None, metadata={"description": "The regimen file's path, when planned from a file, not a bundled id"}
    )


SupportiveKind = Literal["premedication", "supervision", "requirement", "admission", "intrathecal", "administration"]


@dataclass(frozen=True, kw_only=True, slots=True)
class SupportiveLine(_Frozen):
    """A line of the order around the chemotherapy, never a chemotherapy dose: premedication,
    supervision, a requirement before a dose, an admission window, intrathecal therapy, or how a
    drug is given. Undated lines (`date` None) hold for the whole course. `local` names the
    institutional profile's source when a value came from it; `source` is the citation itself."""

    id: str
    kind: SupportiveKind
    for_drug: str | None = None
    cycle: int | None = None
    day: int | None = None
    date: dt.date | None = None
    end_date: dt.date | None = None
    agent: str | None = None
    route: str | None = None
    dose: Amount | None = None
    dose_text: str = ""
    text: str
    trace: tuple[TraceStep, ...] = ()
    flags: tuple[str, ...] = ()
    source: str
    local: str | None = None

    def given_text(self, route: str | None = None) -> str:
        """'dexamethasone 20 mg IV', 'methotrexate IT: dose per local protocol', '' when nothing is given;
        `route` replaces the route's abbreviation (a sheet writes it out)."""
        words = " ".join(p for p in (self.agent or "", route or self.route or "") if p)
        if self.dose is None and self.dose_text:
            return f"{words}: {self.dose_text}"
        return " ".join(p for p in (self.agent or "", self.dose_text, route or self.route or "") if p)


@dataclass(frozen=True, kw_only=True, slots=True)
class LocalValue(_Frozen):
    """One value the institutional profile supplied to this course, with its local source."""

    what: str
    value: str
    source: str


@dataclass(frozen=True, kw_only=True, slots=True)
class InstitutionSummary(_Frozen):
    """The institutional profile the course used (`--institution`) and the values taken from it."""

    name: str
    source: str
    values: tuple[LocalValue, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Course(_Frozen):
    """A dated course for one patient: the single thing renderers turn into output."""

    format: Literal["regimencalc.course"] = "regimencalc.course"
    format_version: Literal[1] = 1
    regimen: RegimenSummary
    patient: PatientSummary
    start_date: dt.date
    response: str | None = None
    assessed_until: dt.date | None = None
    cycles: tuple[Cycle, ...]
    administrations: tuple[Administration, ...]
    totals: tuple[DrugTotal, ...]
    flags: tuple[CourseFlag, ...]
    criteria: tuple[Criterion, ...] = ()
    cumulative: tuple[CumulativeDose, ...] = ()
    supportive: tuple[SupportiveLine, ...] = ()
    institution: InstitutionSummary | None = None


def course_document(course: Course) -> dict[str, Any]:
    """The JSON document of a course (docs/output-json.md): every field in declaration order, dates as
    ISO text, tuples as lists, None kept; what `schedule --format json` and the web API write."""
    return _plain(course)


_NAMES: dict[type, tuple[str, ...]] = {}
_LEAVES = frozenset((str, int, float, bool, type(None)))  # written as they are


def _plain(value: Any) -> Any:
    if isinstance(value, _Frozen):
        kind = type(value)
        names = _NAMES.get(kind) or _NAMES.setdefault(kind, tuple(f.name for f in fields(value)))
        return {name: v if type(v := getattr(value, name)) in _LEAVES else _plain(v) for name in names}
    if isinstance(value, tuple):
        return [v if type(v) in _LEAVES else _plain(v) for v in value]
    if isinstance(value, dict):
        return {key: v if type(v) in _LEAVES else _plain(v) for key, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def json_schema() -> dict[str, Any]:
    """The JSON Schema of `schedule --format json` documents (docs/output-json.md), built by pydantic
    from the dataclasses; pydantic is imported here, never on the way to a course."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(Course).json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
