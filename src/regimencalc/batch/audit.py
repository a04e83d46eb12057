"""Ordered doses checked against the protocol: expected dose, deviation, verdict, dose intensity.

Each order row names the patient (with the values `schedule` takes), the regimen, the cycle and day
(or the date), the drug and the dose with its unit. Each distinct patient's course is planned once
per chunk by the compiled path (`cohort.Cohort`: a patient is refused exactly as `schedule` refuses
one); orders are matched to the planned administration of that drug on that cycle and day (or
date) with a column-wise join, and:

- deviation % = (ordered − expected) / expected × 100, the ordered dose converted to the
  expected unit first (pint, once per distinct unit; a daily infusion's dose is its daily amount);
- verdict: `ok` within ± the tolerance (default 5 %, `audit_tolerance` in the institutional
  profile), else `overdose` or `underdose`; `not in protocol` when no planned administration
  matches; `patient refused` or `unreadable dose` with the reason.

Relative dose intensity per patient and drug: delivered dose per unit time over planned dose per
unit time, over the cycles the orders cover. Planned time P runs from the first to the last planned
administration of the patient (any drug) in those cycles, plus one day; delivered time D from the
first to the last ordered date, plus one day, and never shorter than P (a dose left out does not
shorten the treatment; a delay lengthens it). RDI = (Σ delivered / D) / (Σ planned / P).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from regimencalc.batch.cohort import Cohort, Columns, Options
from regimencalc.errors import RegimencalcError

DEFAULT_TOLERANCE = 5.0
#: How many orders that are not ok, and how many lowest dose intensities, the summary lists.
SHOWN = 20
#: Dose intensity below this is listed in the summary (85 %: the threshold most RDI studies report).
LOW_INTENSITY = 0.85
#: The patient values an order carries, as `batch` reads them (units in the values or column names).
PATIENT_VALUES = ("height", "weight", "start", "age", "sex", "response")
_TEXT = pa.dictionary(pa.int32(), pa.string())
RESULT_SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("patient", _TEXT),
        ("regimen", _TEXT),
        ("cycle", pa.int32()),
        ("day", pa.int32()),
        ("date", pa.date32()),
        ("drug", _TEXT),
        ("ordered_value", pa.float64()),
        ("ordered_unit", _TEXT),
        ("expected_value", pa.float64()),
        ("expected_unit", _TEXT),
        ("deviation_percent", pa.float64()),
        ("tolerance_percent", pa.float64()),
        ("verdict", _TEXT),
        ("reason", _TEXT),
    ]
)
RDI_SCHEMA = pa.schema(
    [
        ("patient", pa.string()),
        ("regimen", pa.string()),
        ("drug", pa.string()),
        ("planned", pa.float64()),
        ("delivered", pa.float64()),
        ("unit", pa.string()),
        ("planned_days", pa.int64()),
        ("delivered_days", pa.int64()),
        ("relative_dose_intensity", pa.float64()),
    ]
)
_NUMBER = r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+"
VERDICTS = ("ok", "overdose", "underdose", "not in protocol", "patient refused", "unreadable dose")
_EPOCH = dt.date(1970, 1, 1)
_SEPARATOR = "\x1f"


@dataclass
class OrderColumns:
    """Where an order file's values are; the dose's unit is in its values or its name (dose_mg)."""

    names: dict[str, str]
    dose_unit: str | None
    patient_columns: Columns

    @staticmethod
    def of(header: list[str]) -> OrderColumns:
        """Map the header; RegimencalcError names a missing column."""
        names: dict[str, str] = {}
        dose_unit = None
        for name in header:
            key = name.strip().lower()
            if key in ("patient", "regimen", "cycle", "day", "date", "drug", "route"):
                names[key] = name
            elif key == "dose" or key.startswith("dose_"):
                names["dose"] = name
                dose_unit = name.partition("_")[2] or None
        missing = [c for c in ("patient", "regimen", "drug", "dose") if c not in names]
        if "date" not in names and not ("cycle" in names and "day" in names):
            missing.append("cycle and day (or date)")
        if missing:
            raise RegimencalcError(
                f"orders file: no '{missing[0]}' column; the columns are patient, regimen, height, weight, start, "
                "cycle and day (or date), drug and dose (with its unit), optional age, sex, response"
            )
        patient_columns = Columns.of(
            ["id", *(n for n in header if n.strip().lower().partition("_")[0] in PATIENT_VALUES)], "orders file"
        )
        return OrderColumns(names, dose_unit, patient_columns)


@dataclass
class Audit:
    """Audits chunks of orders, keeping across chunks what dose intensity needs."""

    tolerance: float = DEFAULT_TOLERANCE
    options: Options = field(default_factory=Options)
    verdicts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    deviations: list[dict[str, object]] = field(default_factory=list)
    _cohorts: dict[str, Cohort] = field(default_factory=dict)
    _factors: dict[tuple[str, str, str], float | None] = field(default_factory=dict)
    _sums: dict[str, list[pa.Table]] = field(default_factory=lambda: defaultdict(list))
    _keys: dict[str, int] = field(default_factory=dict)

    def check(self, table: pa.RecordBatch | pa.Table, columns: OrderColumns, first_row: int) -> pa.Table:
        """The result rows of one chunk of orders (`first_row`: its first row number, 1-based)."""
        names = columns.names
        count = table.num_rows
        key_parts = [_text_column(table, names["regimen"]), _text_column(table, names["patient"])]
        key_parts += [
            _text_column(table, columns.patient_columns.names[k][0])
            for k in PATIENT_VALUES
            if k in columns.patient_columns.names
        ]
        keys = pc.binary_join_element_wise(*key_parts, _SEPARATOR).dictionary_encode()
        patient_index = keys.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        distinct = keys.dictionary.to_pylist()
        planned, refused = self._plan(distinct, columns)
        matched = self._match(table, columns, patient_index, planned)
        ordered, unit, unreadable = self._ordered(table, columns, matched)
        expected = matched["expected_value"]
        with np.errstate(invalid="ignore", divide="ignore"):
            deviation = (ordered - expected) / expected * 100
        tolerance = self.tolerance
        found = ~np.isnan(expected)
        refused_reason = np.array([refused.get(n, "") for n in range(len(distinct))], object)[patient_index]
        is_refused = refused_reason != ""
        rounded = np.round(deviation, 9)
        verdict = np.select(
            [is_refused, unreadable != "", ~found, rounded > tolerance, rounded < -tolerance], [4, 5, 3, 1, 2], 0
        ).astype(np.int32)
        reason = np.where(is_refused, refused_reason, unreadable)
        for code, n in zip(*np.unique(verdict, return_counts=True), strict=True):
            self.verdicts[VERDICTS[code]] += int(n)
        split = [key.split(_SEPARATOR) for key in distinct]
        index = pa.array(patient_index.astype(np.int32))
        good = found & (unreadable == "") & ~is_refused
        result = pa.table(
            {
                "row": pa.array(np.arange(first_row, first_row + count)),
                "patient": pa.DictionaryArray.from_arrays(index, pa.array([k[1] for k in split], pa.string())),
                "regimen": pa.DictionaryArray.from_arrays(index, pa.array([k[0] for k in split], pa.string())),
                "cycle": pa.array(matched["cycle"], pa.int32(), mask=np.isnan(matched["cycle"].astype(float))),
                "day": pa.array(matched["day"], pa.int32(), mask=np.isnan(matched["day"].astype(float))),
                "date": pa.array(matched["date"], pa.int32(), mask=matched["date"] == _NO_DATE).cast(pa.date32()),
                "drug": _text_column(table, names["drug"]).dictionary_encode(),
                "ordered_value": pa.array(ordered, mask=np.isnan(ordered)),
                "ordered_unit": unit.dictionary_encode(),
                "expected_value": pa.array(expected, mask=~found),
                "expected_unit": matched["expected_unit"].dictionary_encode(),
                "deviation_percent": pa.array(np.round(deviation, 2), mask=~good),
                "tolerance_percent": pa.array(np.full(count, tolerance)),
                "verdict": pa.DictionaryArray.from_arrays(pa.array(verdict), pa.array(VERDICTS)),
                "reason": pa.array(reason, pa.string()).dictionary_encode(),
            },
            schema=RESULT_SCHEMA,
        )
        if len(self.deviations) < SHOWN:
            self.deviations += result.filter(pa.array(verdict != 0)).slice(0, SHOWN).to_pylist()
        order_date = matched["ordered_date"]
        self._collect(
            distinct,
            pa.table(
                {
                    "patient": pa.array(patient_index),
                    "drug": _text_column(table, names["drug"]),
                    "cycle": pa.array(matched["cycle"], pa.int64(), mask=~found),
                    "date": pa.array(order_date, pa.int32()),
                    "ordered": pa.array(ordered),
                }
            ).filter(pa.array(good)),
            planned,
        )
        return result

    def _plan(self, distinct: list[str], columns: OrderColumns) -> tuple[pa.Table, dict[int, str]]:
        """Each distinct patient's planned administrations (patient_id: its index in `distinct`), and
        the patients refused with the reason."""
        by_regimen: dict[str, list[int]] = defaultdict(list)
        for n, key in enumerate(distinct):
            by_regimen[key.split(_SEPARATOR)[0]].append(n)
        present = [k for k in PATIENT_VALUES if k in columns.patient_columns.names]
        parts = []
        refused: dict[int, str] = {}
        for regimen, indices in by_regimen.items():
            try:
                cohort = self._cohort(regimen)
            except RegimencalcError as exc:
                refused |= {n: str(exc) for n in indices}
                continue
            values = [distinct[n].split(_SEPARATOR)[2:] for n in indices]
            patients = pa.table(
                {"id": [str(n) for n in indices]}
                | {columns.patient_columns.names[k][0]: [v[j] for v in values] for j, k in enumerate(present)}
            )
            chunk = cohort.plan_chunk(patients, columns.patient_columns, 1)
            refused |= {int(e["patient_id"]): e["reason"] for e in chunk.errors.to_pylist()}
            parts.append(chunk.administrations)
        if not parts:
            from regimencalc.batch.cohort import SCHEMA

            return SCHEMA.empty_table(), refused
        return pa.concat_tables(parts), refused

    def _cohort(self, regimen: str) -> Cohort:
        if regimen not in self._cohorts:
            from regimencalc.batch.cache import load_compiled

            self._cohorts[regimen] = Cohort(load_compiled(regimen), regimen, self.options)
        return self._cohorts[regimen]

    def _match(
        self, table: pa.RecordBatch | pa.Table, columns: OrderColumns, patient_index: np.ndarray, planned: pa.Table
    ) -> dict[str, np.ndarray]:
        """For each order, the planned administration it orders (NaN / empty where none)."""
        names = columns.names
        by_day = "cycle" in names and "day" in names
        keys = ["patient", "cycle", "day", "drug"] if by_day else ["patient", "date", "drug"]
        orders = {
            "order": pa.array(np.arange(table.num_rows)),
            "patient": pa.array(patient_index),
            "drug": _text_column(table, names["drug"]),
        }
        if by_day:
            orders["cycle"] = _integers(table, names["cycle"])
            orders["day"] = _integers(table, names["day"])
        else:
            orders["date"] = pc.cast(
                pc.strptime(_text_column(table, names["date"]), "%Y-%m-%d", "s", error_is_null=True), pa.date32()
            )
        plan = pa.table(
            {
                "patient": pc.cast(planned.column("patient_id").cast(pa.string()), pa.int64()),
                "cycle": planned.column("cycle"),
                "day": planned.column("day"),
                "date": planned.column("date"),
                "drug": planned.column("drug").cast(pa.string()),
                "expected_value": planned.column("dose_value"),
                "expected_unit": planned.column("dose_unit").cast(pa.string()),
                "rate_unit": planned.column("rate_unit").cast(pa.string()),
            }
        )
        plan = plan.group_by(keys, use_threads=False).aggregate(
            [
                (c, "first")
                for c in ("cycle", "day", "date", "expected_value", "expected_unit", "rate_unit")
                if c not in keys
            ]
        )
        plan = plan.rename_columns([c.removesuffix("_first") for c in plan.column_names])
        joined = pa.table(orders).join(plan, keys, join_type="left outer", use_threads=False).sort_by("order")
        date = joined.column("date").cast(pa.int32()).fill_null(_NO_DATE).to_numpy()
        ordered_date = date
        if "date" in names and by_day:
            given = pc.cast(
                pc.strptime(_text_column(table, names["date"]), "%Y-%m-%d", "s", error_is_null=True), pa.date32()
            )
            ordered_date = np.where(
                pc.is_null(given).to_numpy(zero_copy_only=False), date, given.cast(pa.int32()).fill_null(0).to_numpy()
            )
        return {
            "cycle": joined.column("cycle").to_numpy(zero_copy_only=False),
            "day": joined.column("day").to_numpy(zero_copy_only=False),
            "date": date,
            "ordered_date": ordered_date,
            "expected_value": joined.column("expected_value").to_numpy(zero_copy_only=False),
            "expected_unit": joined.column("expected_unit").fill_null("").combine_chunks(),
            "rate_unit": joined.column("rate_unit").fill_null("").combine_chunks(),
        }

    def _ordered(
        self, table: pa.RecordBatch | pa.Table, columns: OrderColumns, matched: dict[str, np.ndarray]
    ) -> tuple[np.ndarray, pa.Array, np.ndarray]:
        """The ordered doses in the expected unit, the units as written, and why a dose was unreadable."""
        text = _text_column(table, columns.names["dose"])
        if columns.dose_unit is not None:
            value_text, unit = pc.utf8_trim_whitespace(text), pa.array([columns.dose_unit] * table.num_rows)
        else:
            parts = pc.extract_regex(text, rf"^\s*(?P<value>{_NUMBER})\s*(?P<unit>.*?)\s*$")
            value_text = pc.struct_field(parts, "value")
            unit = pc.struct_field(parts, "unit")
        readable = pc.fill_null(pc.match_substring_regex(value_text, rf"^(?:{_NUMBER})$"), False).to_numpy(
            zero_copy_only=False
        )
        values = pc.cast(pc.if_else(pa.array(readable), value_text, None), pa.float64())
        values = values.to_numpy(zero_copy_only=False).astype(float)
        unit = unit.fill_null("")
        combos = pc.binary_join_element_wise(unit, matched["expected_unit"], matched["rate_unit"], _SEPARATOR)
        combos = combos.dictionary_encode()
        factor_of, why_of = [], []
        for combo in combos.dictionary.to_pylist():
            written, expected, rate = combo.split(_SEPARATOR)
            factor = self._factor(written, expected, rate) if expected else 1.0
            factor_of.append(np.nan if factor is None else factor)
            why_of.append(
                ""
                if factor is not None
                else f"'{written}' is not a unit of {expected}" + (f" or {rate}" if rate else "")
            )
        indices = combos.indices.to_numpy(zero_copy_only=False)
        factors = np.array(factor_of, float)[indices]
        why = np.array(why_of, object)[indices]
        why[~readable] = "the dose is not a number followed by its unit (e.g. 14.5 mg)"
        return values * factors, unit, why

    def _factor(self, written: str, expected: str, rate: str) -> float | None:
        """What one `written` unit is in the expected unit (or per day for a daily infusion)."""
        key = (written, expected, rate)
        if key not in self._factors:
            self._factors[key] = _conversion(written, expected, rate)
        return self._factors[key]

    def _collect(self, distinct: list[str], orders: pa.Table, planned: pa.Table) -> None:
        """Keep a chunk's sums for dose intensity, per patient key (regimen, patient and values; numbered
        across chunks in `_keys`):
        delivered dose per drug, ordered dates, covered cycles, planned dose per drug and cycle and
        planned dates per cycle (a patient seen in two chunks is planned twice, identically; the
        planned sums are deduplicated per cycle at the end)."""
        keys = pa.array([self._keys.setdefault(key, len(self._keys)) for key in distinct], pa.int64())
        plan = pa.table(
            {
                "patient": pc.cast(planned.column("patient_id").cast(pa.string()), pa.int64()),
                "drug": planned.column("drug").cast(pa.string()),
                "cycle": planned.column("cycle").cast(pa.int64()),
                "date": planned.column("date").cast(pa.int32()),
                "dose": planned.column("dose_value"),
                "unit": planned.column("dose_unit").cast(pa.string()),
            }
        )
        sums = {
            "delivered": (orders, ["patient", "drug"], [("ordered", "sum")]),
            "ordered_dates": (orders, ["patient"], [("date", "min"), ("date", "max")]),
            "covered": (orders, ["patient", "cycle"], []),
            "planned": (plan, ["patient", "drug", "cycle"], [("dose", "sum"), ("unit", "first")]),
            "planned_dates": (plan, ["patient", "cycle"], [("date", "min"), ("date", "max")]),
        }
        for name, (table, by, aggregates) in sums.items():
            summed = table.group_by(by, use_threads=False).aggregate(aggregates)
            at = summed.schema.get_field_index("patient")
            self._sums[name].append(summed.set_column(at, "key", keys.take(summed.column("patient"))))

    def intensity(self) -> pa.Table:
        """Relative dose intensity per patient, regimen and drug, over the cycles the orders cover."""
        if not self._sums:
            return RDI_SCHEMA.empty_table()

        def summed(name: str, by: list[str], aggregates: list[tuple[str, str]]) -> pa.Table:
            return pa.concat_tables(self._sums[name]).group_by(by, use_threads=False).aggregate(aggregates)

        covered = summed("covered", ["key", "cycle"], [])
        planned = summed("planned", ["key", "drug", "cycle"], [("dose_sum", "first"), ("unit_first", "first")])
        planned = planned.join(covered, ["key", "cycle"], join_type="inner", use_threads=False)
        planned = planned.group_by(["key", "drug"], use_threads=False).aggregate(
            [("dose_sum_first", "sum"), ("unit_first_first", "first")]
        )
        spans = summed("planned_dates", ["key", "cycle"], [("date_min", "first"), ("date_max", "first")])
        spans = spans.join(covered, ["key", "cycle"], join_type="inner", use_threads=False)
        spans = spans.group_by("key", use_threads=False).aggregate(
            [("date_min_first", "min"), ("date_max_first", "max")]
        )
        ordered = summed("ordered_dates", ["key"], [("date_min", "min"), ("date_max", "max")])
        delivered = summed("delivered", ["key", "drug"], [("ordered_sum", "sum")])
        table = (
            planned.join(delivered, ["key", "drug"], join_type="left outer", use_threads=False)
            .join(spans, "key", use_threads=False)
            .join(ordered, "key", use_threads=False)
        )

        def numbers(name: str) -> np.ndarray:
            return table.column(name).to_numpy(zero_copy_only=False).astype(float)

        planned_sum = numbers("dose_sum_first_sum")
        delivered_sum = np.nan_to_num(numbers("ordered_sum_sum"))
        planned_days = numbers("date_max_first_max") - numbers("date_min_first_min") + 1
        delivered_days = np.maximum(planned_days, numbers("date_max_max") - numbers("date_min_min") + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            rdi = np.round((delivered_sum / delivered_days) / (planned_sum / planned_days), 4)
        parts = pc.split_pattern(pa.array(list(self._keys), pa.string()).take(table.column("key")), _SEPARATOR)
        result = pa.table(
            {
                "patient": pc.list_element(parts, 1),
                "regimen": pc.list_element(parts, 0),
                "drug": table.column("drug"),
                "planned": pa.array(np.round(planned_sum, 9)),
                "delivered": pa.array(np.round(delivered_sum, 9)),
                "unit": table.column("unit_first_first_first"),
                "planned_days": pa.array(planned_days.astype(np.int64)),
                "delivered_days": pa.array(delivered_days.astype(np.int64)),
                "relative_dose_intensity": pa.array(rdi, mask=~(planned_sum > 0)),
            },
            schema=RDI_SCHEMA,
        )
        return result.sort_by([("regimen", "ascending"), ("patient", "ascending"), ("drug", "ascending")])


_NO_DATE = -(1 << 31)


def _text_column(table: pa.RecordBatch | pa.Table, name: str) -> pa.Array:
    """A column as text (numbers from Parquet written as Python writes them), nulls as ''."""
    column = table.column(name)
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if pa.types.is_integer(column.type) or pa.types.is_date(column.type):
        column = pc.cast(column, pa.string())
    elif not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())
    return pc.fill_null(pc.utf8_trim_whitespace(column), "")


def _integers(table: pa.RecordBatch | pa.Table, name: str) -> pa.Array:
    """A cycle or day column as integers (null where it is not one: such an order matches nothing)."""
    text = _text_column(table, name)
    plain = pc.match_substring_regex(text, r"^[0-9]{1,4}$")
    return pc.cast(pc.if_else(plain, text, None), pa.int32())


def _conversion(written: str, expected: str, rate: str) -> float | None:
    """How many `expected` (or `rate`, per day) one `written` unit is; None when it is neither."""
    if written == expected or (rate and written == rate):
        return 1.0
    from regimencalc.errors import UnitInputError
    from regimencalc.protocol.units import parse_quantity

    for target in (expected, rate.replace("/", " / ") if rate else ""):
        if not target:
            continue
        try:
            return float(parse_quantity(f"1 {written}").to(_pint_unit(target)).magnitude)
        except (UnitInputError, Exception):  # pint's DimensionalityError and parse errors alike
            continue
    return None


def _pint_unit(symbol: str) -> str:
    """A display unit ('mcg/day', 'cells') in words pint reads."""
    return symbol.replace("mcg", "microgram").replace("cells", "cell")


def summary(audit: Audit, tolerance_from: str, intensity: pa.Table) -> str:
    """The table printed at the end: orders per verdict, the first orders that are not ok, and the
    patients and drugs whose relative dose intensity is below 85 %."""
    total = sum(audit.verdicts.values())
    lines = [f"audit of {total} orders, tolerance ±{audit.tolerance:g} % ({tolerance_from})", ""]
    lines += [f"  {verdict:<16} {count:>10}" for verdict, count in sorted(audit.verdicts.items())]
    if audit.deviations:
        lines += ["", f"orders that are not ok (first {min(SHOWN, len(audit.deviations))}):"]
        for row in audit.deviations[:SHOWN]:
            where = f"c{row['cycle']} d{row['day']}" if row["cycle"] is not None else str(row["date"] or "")
            if row["verdict"] in ("overdose", "underdose"):
                what = (
                    f"ordered {row['ordered_value']:g} {row['expected_unit']}, expected {row['expected_value']:g} "
                    f"{row['expected_unit']}: {row['deviation_percent']:+.1f} % {row['verdict']}"
                )
            else:
                what = f"{row['verdict']}{': ' + str(row['reason']) if row['reason'] else ''}"
            lines.append(f"  row {row['row']}: {row['patient']} {row['drug']} {where}: {what}")
    below = intensity.filter(pc.less(intensity.column("relative_dose_intensity"), LOW_INTENSITY))
    low = below.sort_by("relative_dose_intensity").slice(0, SHOWN).to_pylist()
    lines += [
        "",
        f"relative dose intensity: {intensity.num_rows} patient-drug pairs, {below.num_rows} below {LOW_INTENSITY:.0%}",
    ]
    lines += [
        f"  {r['patient']} {r['drug']}: {r['relative_dose_intensity']:.0%} ({r['delivered']:g} of {r['planned']:g} {r['unit']}, "
        f"{r['delivered_days']} days for {r['planned_days']} planned)"
        for r in low[:SHOWN]
    ]
    return "\n".join(lines) + "\n"
