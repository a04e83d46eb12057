"""One course per patient row, column-wise: the rows of a chunk in, one row per administration out.

Each patient row is read and checked one by one with the functions `schedule` uses (units,
plausibility, start date, BSA); the doses of all the chunk's patients are then computed line by
line with numpy (`evaluate.line_doses`) and laid out in the planner's order. A row the fast path
refuses, or any row of a regimen that did not compile, is planned by `planner.plan_typed` itself:
its course, or its refusal in `schedule`'s words, is what is written (docs/batch.md).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from regimencalc.batch.checks import passes_all
from regimencalc.batch.compiled import CompiledRegimen, Schedule
from regimencalc.batch.evaluate import line_doses, weight_flag_mask
from regimencalc.dosing.bsa import BSA_FORMULAS, bsa
from regimencalc.dosing.dates import parse_start_date
from regimencalc.dosing.patient import (
    Patient,
    checked_patient,
    is_small_child,
    outside_age_range,
    parse_age,
    parse_measure,
)
from regimencalc.errors import PatientInputError, RegimencalcError
from regimencalc.safety.plausibility import USUAL, confirm, unusual_bsa

if TYPE_CHECKING:
    from regimencalc.course import Course
    from regimencalc.protocol.plain import Regimen

_TEXT = pa.dictionary(pa.int32(), pa.string())
#: The administration columns written, one row per administration.
SCHEMA = pa.schema(
    [
        ("patient_id", _TEXT),
        ("id", _TEXT),
        ("cycle", pa.int32()),
        ("day", pa.int32()),
        ("date", pa.date32()),
        ("drug", _TEXT),
        ("route", _TEXT),
        ("dose_value", pa.float64()),
        ("dose_max", pa.float64()),
        ("dose_unit", _TEXT),
        ("rate_value", pa.float64()),
        ("rate_unit", _TEXT),
        ("prescribed", _TEXT),
        ("basis", _TEXT),
        ("status", _TEXT),
        ("flags", _TEXT),
    ]
)
ERROR_SCHEMA = pa.schema([("row", pa.int64()), ("patient_id", pa.string()), ("reason", pa.string())])
#: Flags about the patient rather than a line, written on each of the patient's rows.
PATIENT_FLAGS = ("accepted-unusual", "small-child", "eligibility")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_EPOCH = dt.date(1970, 1, 1)


class ColumnError(PatientInputError):
    """A value that does not fit its column (text under weight_kg): refused as it is, not re-planned."""


@dataclass(frozen=True)
class Options:
    """What applies to every row: the BSA formula and the unusual values confirmed for the whole file."""

    bsa_formula: str = "mosteller"
    accept_unusual: frozenset[str] = frozenset()


@dataclass
class Columns:
    """Where a chunk's patient values are: a column per value, with the unit its name gives (weight_kg)."""

    names: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    @staticmethod
    def of(header: list[str], what: str = "patients file") -> Columns:
        """Map the header; RegimencalcError when a needed column is missing or given twice."""
        found: dict[str, tuple[str, str | None]] = {}
        for name in header:
            base, _, unit = name.strip().lower().partition("_")
            if base in ("id", "height", "weight", "start", "age", "sex", "response"):
                if base in found:
                    raise RegimencalcError(f"{what}: columns '{found[base][0]}' and '{name}' both give {base}")
                found[base] = (name, unit or None)
        missing = [c for c in ("id", "height", "weight", "start") if c not in found]
        if missing:
            raise RegimencalcError(
                f"{what}: no '{missing[0]}' column; the columns are id, height, weight, start "
                "(optional age, sex, response), with the unit in the values or the name (weight_kg)"
            )
        return Columns(found)


@dataclass
class Chunk:
    """What a chunk of patient rows became: the administrations and the refused rows."""

    administrations: pa.Table
    errors: pa.Table
    patients: int


class Cohort:
    """Plans chunks of patient rows for one regimen."""

    def __init__(self, compiled: CompiledRegimen, reference: str, options: Options) -> None:
        self.compiled = compiled
        self.reference = reference
        self.options = options
        self._regimen: Regimen | None = None

    def plan_chunk(self, table: pa.RecordBatch | pa.Table, columns: Columns, first_row: int) -> Chunk:
        """The administrations of the chunk's patients; `first_row` is the chunk's first row number (1-based).

        Rows whose values are plain numbers under unit columns and inside every plausibility limit are
        read column-wise; the others are read one by one (`_patient`), and those the compiled path
        cannot plan go to the planner."""
        values = {key: _texts(table.column(name)) for key, (name, _) in columns.names.items()}
        count = table.num_rows
        height, height_ok = _plain_numbers(values, columns, "height", "cm")
        weight, weight_ok = _plain_numbers(values, columns, "weight", "kg")
        start, start_ok = _memo(values["start"], lambda text: (parse_start_date(text) - _EPOCH).days, np.int64)
        age, age_ok = _memo(values.get("age", [None] * count), parse_age, float, optional=True)
        sex_ok = np.array([(_stripped(v) or "F") in ("F", "M") for v in values.get("sex", [None] * count)], bool)
        responses = [_stripped(v) or "" for v in values.get("response", [None] * count)]
        usable = {r for r, s in self.compiled.schedules.items() if s.error is None and not self.compiled.not_compiled}
        compute = BSA_FORMULAS[self.options.bsa_formula].compute
        body = np.array([compute(h, w) if h > 0 and w > 0 else np.nan for h, w in zip(height, weight, strict=True)])
        with np.errstate(invalid="ignore", divide="ignore"):
            plain = height_ok & weight_ok & start_ok & age_ok & sex_ok & passes_all(height, weight, age, body)
        groups: dict[str, list[np.ndarray]] = {}
        errors: list[tuple[int, str, str]] = []
        slow: list[int] = []
        for i in range(count):
            if plain[i] and responses[i] in usable:
                continue
            try:
                if responses[i] not in usable:
                    raise RegimencalcError(responses[i])
                patient, body[i] = self._patient(values, columns, i)
                start[i] = (parse_start_date(values["start"][i] or "") - _EPOCH).days
            except ColumnError as exc:
                errors.append((first_row + i, values["id"][i] or "", str(exc)))
                continue
            except RegimencalcError:
                slow.append(i)
                continue
            weight[i] = patient.weight_kg
            age[i] = np.nan if patient.age_years is None else patient.age_years
            groups.setdefault(responses[i], []).append(np.array([i, 1 if patient.confirmed else 0]))
        for response in usable:
            chosen = np.flatnonzero(plain & np.array([r == response for r in responses]))
            rows = [
                np.stack([chosen, np.zeros(len(chosen), np.int64)], axis=1),
                *(r[None, :] for r in groups.get(response, [])),
            ]
            picked = np.concatenate(rows) if rows else np.empty((0, 2), np.int64)
            groups[response] = [picked[np.argsort(picked[:, 0], kind="stable")]]
        parts = [
            self._compiled_rows(values["id"], response, g[0][:, 0], weight, body, start, age, g[0][:, 1])
            for response, g in groups.items()
            if len(g[0])
        ]
        for i in slow:
            try:
                parts.append(self._planned_rows(values, columns, i))
            except RegimencalcError as exc:
                errors.append((first_row + i, values["id"][i] or "", str(exc)))
        return Chunk(
            administrations=pa.Table.from_batches(parts, schema=SCHEMA),
            errors=pa.Table.from_pylist(
                [{"row": r, "patient_id": p, "reason": m} for r, p, m in sorted(errors)], schema=ERROR_SCHEMA
            ),
            patients=count,
        )

    def _patient(self, values: dict[str, list[str | None]], columns: Columns, i: int) -> tuple[Patient, float]:
        """The row's patient, checked as `schedule` checks one, and the BSA."""
        height_cm = _measure(values, columns, "height", "cm", i)
        weight_kg = _measure(values, columns, "weight", "kg", i)
        patient = checked_patient(
            height_cm,
            weight_kg,
            _typed(values, columns, "height", i),
            _typed(values, columns, "weight", i),
            _value(values, "age", i),
            _value(values, "sex", i),
            self.options.accept_unusual,
        )
        body = bsa(patient.height_cm, patient.weight_kg, self.options.bsa_formula)
        unusual = unusual_bsa(body, BSA_FORMULAS[self.options.bsa_formula].name, USUAL)
        confirmed = patient.confirmed + confirm([unusual] if unusual else [], patient.accepted)
        return Patient(
            patient.height_cm, patient.weight_kg, patient.age_years, patient.sex, patient.accepted, confirmed
        ), body

    def _compiled_rows(
        self,
        ids: list[str | None],
        response: str,
        rows: np.ndarray,
        weight_kg: np.ndarray,
        bsa_m2: np.ndarray,
        start: np.ndarray,
        age_years: np.ndarray,
        confirmed: np.ndarray,
    ) -> pa.RecordBatch:
        """The administrations of the patients at `rows` on the compiled path, laid out slot by slot."""
        compiled = self.compiled
        schedule = compiled.schedules[response]
        slots = len(schedule.line)
        n = len(rows)
        weight = weight_kg[rows]
        body = bsa_m2[rows]
        start = start[rows]
        patient_bits = self._patient_flag_bits(weight, body, age_years[rows], confirmed)
        doses = np.empty((n, len(compiled.lines)))
        flag_codes = np.empty((n, len(compiled.lines)), np.int64)
        for k, line in enumerate(compiled.lines):
            doses[:, k], capped = line_doses(line, body, weight)
            bits = capped.astype(np.int64)
            for j, (operator, value, _) in enumerate(line.weight_flags):
                bits |= weight_flag_mask(operator, value, weight).astype(np.int64) << (1 + j)
            flag_codes[:, k] = (bits << len(PATIENT_FLAGS)) | patient_bits
        line_of = np.asarray(schedule.line, np.int64)
        slot_lines = np.tile(line_of, n)
        dose_values = doses[:, line_of].ravel()
        unique, inverse = np.unique(flag_codes, return_inverse=True)
        inverse = inverse.reshape(flag_codes.shape)
        flag_index = (inverse[:, line_of] * slots + np.arange(slots)).ravel().astype(np.int32)
        flag_text = [self._flag_text(schedule, slot, int(bits)) for bits in unique for slot in range(slots)]
        daily = np.array([line.daily and line.route == "CIV" for line in compiled.lines])[slot_lines]
        offsets = np.asarray(schedule.offset, np.int64)
        dates = (start[:, None] + offsets[None, :]).ravel().astype(np.int32)
        patient_ids = [ids[i] for i in rows]

        def by_line(values: list[str | None]) -> pa.Array:
            """A text per line, repeated along the slots (null where a line has none: Parquet
            keeps no null inside a dictionary)."""
            empty = np.array([v is None for v in values])[slot_lines]
            indices = pa.array(slot_lines.astype(np.int32), mask=empty if empty.any() else None)
            return pa.DictionaryArray.from_arrays(indices, pa.array([v or "" for v in values], pa.string()))

        lines = compiled.lines
        columns = {
            "patient_id": pa.DictionaryArray.from_arrays(
                pa.array(np.repeat(np.arange(n, dtype=np.int32), slots)), pa.array(patient_ids, pa.string())
            ),
            "id": pa.DictionaryArray.from_arrays(
                pa.array(np.tile(np.arange(slots, dtype=np.int32), n)), pa.array(schedule.ids, pa.string())
            ),
            "cycle": pa.array(np.tile(np.asarray(schedule.cycle, np.int32), n)),
            "day": pa.array(np.tile(np.asarray(schedule.day, np.int32), n)),
            "date": pa.Array.from_buffers(pa.date32(), n * slots, [None, pa.py_buffer(dates)]),
            "drug": by_line([line.drug for line in lines]),
            "route": by_line([line.route for line in lines]),
            "dose_value": pa.array(dose_values),
            "dose_max": pa.nulls(n * slots, pa.float64()),
            "dose_unit": by_line([line.unit for line in lines]),
            "rate_value": pa.array(dose_values, mask=~daily),
            "rate_unit": by_line(
                [f"{line.unit}/day" if line.daily and line.route == "CIV" else None for line in lines]
            ),
            "prescribed": by_line([line.prescribed for line in lines]),
            "basis": by_line([line.basis for line in lines]),
            "status": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n * slots, np.int32)), pa.array(["planned"])),
            "flags": pa.DictionaryArray.from_arrays(pa.array(flag_index), pa.array(flag_text, pa.string())),
        }
        return pa.RecordBatch.from_arrays([columns[c] for c in SCHEMA.names], schema=SCHEMA)

    def _patient_flag_bits(
        self, weight_kg: np.ndarray, bsa_m2: np.ndarray, age_years: np.ndarray, confirmed: np.ndarray
    ) -> np.ndarray:
        """Which of PATIENT_FLAGS the planner raises for each patient (the same rules, dosing.patient)."""
        bits = confirmed.astype(np.int64)
        if self.compiled.per_m2:
            bits |= is_small_child(weight_kg, bsa_m2).astype(np.int64) << 1
        eligibility = self.compiled.eligibility
        if eligibility is not None:
            outside = np.isnan(age_years) | outside_age_range(age_years, eligibility[0], eligibility[1])
            bits |= outside.astype(np.int64) << 2
        return bits

    def _flag_text(self, schedule: Schedule, slot: int, bits: int) -> str:
        """The flag kinds of one slot for one combination of flag bits, in the planner's order."""
        line = self.compiled.lines[schedule.line[slot]]
        patient_bits = bits & ((1 << len(PATIENT_FLAGS)) - 1)
        bits >>= len(PATIENT_FLAGS)
        kinds = list(line.flag_kinds)
        kinds += [kind for j, (_, _, kind) in enumerate(line.weight_flags) if bits >> (1 + j) & 1]
        if bits & 1:
            kinds.append("cap-applied")
        kinds += [kind for kind in schedule.extra_flags[slot].split("; ") if kind]
        kinds += [kind for j, kind in enumerate(PATIENT_FLAGS) if patient_bits >> j & 1]
        return "; ".join(dict.fromkeys(kinds))

    def _planned_rows(self, values: dict[str, list[str | None]], columns: Columns, i: int) -> pa.RecordBatch:
        """One row planned by the planner itself (RegimencalcError in `schedule`'s words when refused)."""
        from regimencalc.planner import plan_typed
        from regimencalc.protocol.loader import load_regimen

        if self._regimen is None:
            self._regimen = load_regimen(self.reference)
        course = plan_typed(
            self._regimen,
            _typed(values, columns, "height", i),
            _typed(values, columns, "weight", i),
            values["start"][i] or "",
            age=_value(values, "age", i),
            sex=_value(values, "sex", i),
            accept_unusual=self.options.accept_unusual,
            bsa_formula=self.options.bsa_formula,
            response=_value(values, "response", i),
        )
        return course_rows(values["id"][i] or "", course)


def course_rows(patient_id: str, course: Course) -> pa.RecordBatch:
    """A planned course as administration rows (the planner's course, flag ids read as kinds)."""
    kinds = {f.id: f.kind for f in course.flags}
    patient_kinds = [f.kind for f in course.flags if f.kind in PATIENT_FLAGS]
    patient_kinds.sort(key=PATIENT_FLAGS.index)
    rows = [
        {
            "patient_id": patient_id,
            "id": a.id,
            "cycle": a.cycle,
            "day": a.day,
            "date": a.date,
            "drug": a.drug,
            "route": a.route,
            "dose_value": a.dose.value,
            "dose_max": a.dose.max,
            "dose_unit": a.dose.unit,
            "rate_value": None if a.rate is None else a.rate.value,
            "rate_unit": None if a.rate is None else a.rate.unit,
            "prescribed": a.prescribed,
            "basis": a.basis,
            "status": a.status,
            "flags": "; ".join(dict.fromkeys([kinds[f] for f in a.flags] + patient_kinds)),
        }
        for a in course.administrations
    ]
    return pa.RecordBatch.from_pylist(rows, schema=SCHEMA)


def _texts(column: pa.Array | pa.ChunkedArray) -> list[str | None]:
    """A column's values as the text a person typed (numbers from Parquet written as Python writes them)."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.to_pylist()
    return [None if v is None else v.isoformat() if isinstance(v, dt.date) else repr(v) for v in column.to_pylist()]


def _stripped(text: str | None) -> str | None:
    return None if text is None or not text.strip() else text.strip()


def _plain_numbers(
    values: dict[str, list[str | None]], columns: Columns, key: str, base: str
) -> tuple[np.ndarray, np.ndarray]:
    """A column of plain numbers in the base unit (height_cm, weight_kg), and where a value was one."""
    texts = values[key]
    if columns.names[key][1] != base:
        return np.zeros(len(texts)), np.zeros(len(texts), bool)
    ok = np.array([t is not None and _NUMBER.fullmatch(t.strip()) is not None for t in texts], bool)
    return np.array([float(t) if good else 0.0 for t, good in zip(texts, ok, strict=True)]), ok  # type: ignore[arg-type]


def _memo(
    texts: list[str | None], read: Callable[[str], float], kind: type, *, optional: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct value read once (start dates and ages repeat): values, and where one was read;
    an empty value is NaN when `optional` (not given), and left with a refused one to the row-by-row path."""
    seen: dict[str | None, float | None] = {}
    for text in set(texts):
        value = _stripped(text)
        try:
            seen[text] = (np.nan if optional else None) if value is None else read(value)
        except RegimencalcError:
            seen[text] = None
    ok = np.array([seen[t] is not None for t in texts], bool)
    return np.array([0 if seen[t] is None else seen[t] for t in texts], kind), ok


def _value(values: dict[str, list[str | None]], key: str, i: int) -> str | None:
    column = values.get(key)
    if column is None:
        return None
    text = column[i]
    return None if text is None or not text.strip() else text.strip()


def _typed(values: dict[str, list[str | None]], columns: Columns, key: str, i: int) -> str:
    """The value as `schedule` would be given it: '170cm' from a height_cm column's '170'."""
    text = (values[key][i] or "").strip()
    unit = columns.names[key][1]
    return f"{text}{unit}" if unit else text


def _measure(values: dict[str, list[str | None]], columns: Columns, key: str, base: str, i: int) -> float:
    """A height in cm or weight in kg; a bare number only under a column named with the unit."""
    text = (values[key][i] or "").strip()
    unit = columns.names[key][1]
    if unit == base and _NUMBER.fullmatch(text):
        return float(text)
    if unit is not None and not _NUMBER.fullmatch(text):
        raise ColumnError(f"{columns.names[key][0]} '{text}' is not a number; the unit is in the column name")
    return parse_measure(_typed(values, columns, key, i), key)


@dataclass(frozen=True)
class Totals:
    """What a cohort run did: patients read, administrations written, rows refused."""

    patients: int
    administrations: int
    refused: int


def plan_cohort(
    reference: str,
    batches: Iterator[pa.RecordBatch],
    header: list[str],
    options: Options,
    write: Callable[[pa.Table], None],
    refuse: Callable[[pa.Table], None],
    progress: Callable[[int], None] = lambda patients: None,
) -> Totals:
    """Plan every patient row of `batches` (from a file whose columns are `header`), chunk by chunk."""
    from regimencalc.batch.cache import load_compiled

    columns = Columns.of(header)
    cohort = Cohort(load_compiled(reference), reference, options)
    patients = administrations = refused = 0
    for batch in batches:
        chunk = cohort.plan_chunk(batch, columns, patients + 1)
        write(chunk.administrations)
        refuse(chunk.errors)
        patients += chunk.patients
        administrations += chunk.administrations.num_rows
        refused += chunk.errors.num_rows
        progress(patients)
    return Totals(patients, administrations, refused)
