"""Reading patient and order tables and writing result tables, in chunks (pyarrow).

Input: CSV (every value read as text, as typed) or Parquet, by suffix, streamed in batches of
`CHUNK_ROWS` rows so a million-patient file never sits in memory at once. Output: CSV, JSONL or
Parquet by suffix, written batch by batch to a path the caller gives (the CLI hands a temporary
file that render.output puts in place whole).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from regimencalc.errors import RegimencalcError

CHUNK_ROWS = 20_000
OUTPUT_FORMATS = ("csv", "jsonl", "parquet")


def read_batches(path: Path) -> tuple[list[str], Iterator[pa.RecordBatch]]:
    """The header and the record batches of a CSV or Parquet table."""
    try:
        if path.suffix.lower() == ".parquet":
            parquet = pq.ParquetFile(path)
            return parquet.schema_arrow.names, parquet.iter_batches(batch_size=CHUNK_ROWS)
        with open(path, encoding="utf-8-sig", newline="") as stream:
            names = next(csv.reader(stream), [])
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=1 << 22),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names}, strings_can_be_null=False
            ),
        )
        return names, _rechunk(reader)
    except (OSError, pa.ArrowInvalid, UnicodeDecodeError, StopIteration) as exc:
        raise RegimencalcError(f"cannot read {path}: {exc}") from None


def _rechunk(reader: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in reader:
        for start in range(0, batch.num_rows, CHUNK_ROWS):
            yield batch.slice(start, CHUNK_ROWS)


def output_format(path: Path) -> str:
    """csv, jsonl or parquet from the file's suffix; RegimencalcError otherwise."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in OUTPUT_FORMATS:
        raise RegimencalcError(
            f"-o {path}: write .csv, .jsonl or .parquet, not {'.' + suffix if suffix else 'no suffix'}"
        )
    return suffix


class TableWriter:
    """Writes record batches of one schema to a CSV, JSONL or Parquet file as they come."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        self.fmt = fmt
        self.rows = 0
        self._stream = open(path, "wb")  # noqa: SIM115 (closed in __exit__)
        if fmt == "parquet":
            self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = pq.ParquetWriter(self._stream, schema)
        elif fmt == "csv":
            self._writer = pacsv.CSVWriter(self._stream, schema)
        else:
            self._writer = None

    def write(self, table: pa.Table) -> None:
        """Append the rows of `table`."""
        self.rows += table.num_rows
        if self._writer is not None:
            self._writer.write_table(table)
            return
        lines = (json.dumps(row, ensure_ascii=False, default=str) for row in table.to_pylist())
        self._stream.write("".join(f"{line}\n" for line in lines).encode("utf-8"))

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._writer is not None:
            self._writer.close()
        self._stream.close()
