"""The output model is plain frozen dataclasses: importing it loads no pydantic, and the JSON
document is exactly what pydantic wrote when the model was pydantic (key order, ISO dates, lists,
None kept, floats as floats), now that no validation coerces a value on construction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import subprocess
import sys
import types
import typing
from pathlib import Path

import pytest

from regimencalc.course import Amount, Course, CourseFlag, Cycle, course_document
from regimencalc.dosing.patient import Patient
from regimencalc.planner import plan, plan_typed
from regimencalc.protocol.loader import load_regimen, parse_document
from regimencalc.replan.observations import Observations, load_observations
from regimencalc.safety.institution import load_institution
from tests.conftest import START, course_for

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


def _courses() -> list[Course]:
    """Courses that between them fill every field: ranges of cells, branches, records, an interrupted
    infusion restarted, supportive lines and an institutional profile, cumulative anthracycline doses."""
    crs = "  - {id: crs3, cycle: 1, day: 10, toxicities: {crs: 3}}\n  - {id: ok, cycle: 1, day: 19, toxicities: {crs: 0}}\n"
    return [
        course_for("rdc-blinatumomab", "adult"),
        course_for("tisagenlecleucel", "adult"),
        course_for("inotuzumab-ozogamicin", "adult", response="CR"),
        plan_typed(
            load_regimen("vmp-lipo-mitoxantrone"),
            "160cm",
            "55kg",
            "2022-07-06",
            observations=load_observations(str(EXAMPLES / "vmp-seed-000-observations.yaml")),
        ),
        plan_typed(
            load_regimen("blinatumomab"),
            "170cm",
            "70kg",
            "2026-01-05",
            age="40",
            institution=load_institution(str(EXAMPLES / "institution.yaml")),
        ),
        plan_typed(
            load_regimen("blinatumomab"),
            "170cm",
            "70kg",
            "2026-01-05",
            observations=parse_document(f"schema_version: 1\nentries:\n{crs}", "crs.yaml", Observations),
        ),
    ]


COURSES = _courses()


def test_importing_the_model_imports_no_pydantic():
    code = "import sys, regimencalc.course\nprint('pydantic' in sys.modules, 'pint' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_the_courses_fill_the_optional_parts_of_the_model():
    statuses = {a.status for c in COURSES for a in c.administrations}
    assert {"given", "moved", "omitted"} <= statuses  # the VMP seed course's records; the CRS interruption
    assert any(a.restart for c in COURSES for a in c.administrations)
    assert any(cycle.original_start_date for c in COURSES for cycle in c.cycles)
    assert any(a.dose.max is not None for c in COURSES for a in c.administrations)  # cells
    assert any(c.institution is not None and c.institution.values for c in COURSES)
    assert any(c.cumulative for c in COURSES) and any(c.supportive for c in COURSES)


@pytest.mark.parametrize("course", COURSES, ids=lambda c: c.regimen.id)
def test_the_document_is_what_pydantic_serializes_byte_for_byte(course):
    from pydantic import TypeAdapter

    ours = json.dumps(course_document(course), indent=2, ensure_ascii=False)
    theirs = json.dumps(TypeAdapter(Course).dump_python(course, mode="json"), indent=2, ensure_ascii=False)
    assert ours == theirs


@functools.cache
def _hints(kind: type) -> dict[str, object]:
    return typing.get_type_hints(kind)


def _exact(value: object, hint: object) -> bool:
    """`value` has exactly the annotated type: 4.0 for a float, never 4; a tuple, never a list."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Literal:
        return any(type(value) is type(a) and value == a for a in args)
    if origin in (typing.Union, types.UnionType):
        return any(_exact(value, h) for h in args)
    if origin is tuple:
        return type(value) is tuple and all(_exact(v, args[0]) for v in value)
    if origin is dict:
        return type(value) is dict and all(_exact(k, args[0]) and _exact(v, args[1]) for k, v in value.items())
    if hint is type(None):
        return value is None
    if dataclasses.is_dataclass(hint):
        return type(value) is hint and all(_exact(getattr(value, n), h) for n, h in _hints(hint).items())
    return type(value) is hint


@pytest.mark.parametrize("course", COURSES, ids=lambda c: c.regimen.id)
def test_every_value_has_exactly_its_annotated_type(course):
    assert _exact(course, Course)


def test_patient_values_given_as_integers_are_written_as_floats():
    course = plan(load_regimen("rdc-blinatumomab"), Patient(170, 70, 40), START, cycles=1)
    assert course_document(course)["patient"] | {"bsa_m2": None} == {
        "height_cm": 170.0,
        "weight_kg": 70.0,
        "age_years": 40.0,
        "sex": None,
        "bsa_m2": None,
        "bsa_formula": "Mosteller",
        "bsa_equation": course.patient.bsa_equation,
    }
    assert json.dumps(course_document(course)["patient"]["height_cm"]) == "170.0"


def test_objects_compare_and_hash_by_value_and_stay_frozen():
    a, b = Amount(value=4.0, unit="mg"), Amount(value=4.0, unit="mg")
    assert a == b and hash(a) == hash(b) and {a, b} == {a}
    assert Amount(value=4.0, unit="mg") != Amount(value=4.0, unit="mg", max=5.0)
    assert CourseFlag(id="F1", kind="k", text="t") != Amount(value=4.0, unit="mg")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.value = 5.0  # type: ignore[misc]
    cycle = Cycle(number=1, phase="p", phase_name="P", start_date=dt.date(2026, 1, 5), length_days=28)
    assert cycle.branches == {}
    with pytest.raises(TypeError):  # a dict field: unhashable, as the pydantic model was
        hash(cycle)
    assert dataclasses.replace(a, value=5.0) == Amount(value=5.0, unit="mg") and a.value == 4.0
