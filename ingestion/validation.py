"""Row-level validation of landing-zone files: which rows load, which are quarantined, and why.

Ingestion checks the *form* of each row, the promise the shop's export makes: every column the
table needs is there, every value is present, and every value reads as its declared type (money
as whole cents, times as timestamps). A row that breaks that promise cannot be loaded faithfully,
so it is set aside with its reason instead of failing the whole file or vanishing. Rules about
*meaning* (amounts never negative, totals that add up, ids unique across rows) are dbt tests on
the staging models: they see a day's rows together, show up as asset checks, and can change
without reloading anything.

Before any row is judged, the file is read as the CSV text it is, whatever program wrote it: a
UTF-8 byte-order mark (Excel's "CSV UTF-8"), Windows line ends (CRLF) and blank lines at the end
read as if they were not there, so no column name carries a BOM and no value a carriage return.
A line that repeats the header (two exports joined into one file) is no row at all: it is dropped,
not quarantined, and reported by row number (`Validated.repeated_headers`), so the load can warn.

Everything here is pure pyarrow, so it is tested without dlt, Dagster or a warehouse.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

# The quarantine's own columns, beside the file's columns, which it keeps as the file's text.
REASON = "_reason"
ROW_NUMBER = "_row_number"  # where the row is in its file; the header is row 1
RAW_LINE = "_raw_line"  # the text of a row the parser could not split into the header's columns

# How a reason names the type a value failed to read as.
_TYPE_WORDS = (
    (pa.types.is_integer, "a whole number (money is in cents)"),
    (pa.types.is_timestamp, "a timestamp like 2018-09-01 07:30:00"),
)


@dataclass(frozen=True)
class Validated:
    """A file's rows in two tables: `rows` to load, typed as the schema says, and `rejected`,
    the other rows as the file's text with `_reason` and `_row_number`. `repeated_headers`: the
    row numbers of lines that repeat the header, in neither table."""

    rows: pa.Table
    rejected: pa.Table
    repeated_headers: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Column:
    """One expected column read from the file's text: its typed values (null where unusable),
    and per row whether the value is missing or does not read as the column's type."""

    name: str
    typed: pa.Array
    in_file: bool
    empty: pa.BooleanArray
    unreadable: pa.BooleanArray

    @property
    def bad(self) -> pa.BooleanArray:
        return pc.or_(self.empty, self.unreadable)

    def problems(self, rows: list[int], texts: list[str | None]) -> list[str | None]:
        """What is wrong with this column's value in each of `rows` (their texts given)."""
        if not self.in_file:
            return [f"missing column {self.name}"] * len(rows)
        empty = self.empty.take(pa.array(rows, pa.int64())).to_pylist()
        unreadable = self.unreadable.take(pa.array(rows, pa.int64())).to_pylist()
        expected = _type_words(self.typed.type)
        return [
            f"{self.name} is empty"
            if is_empty
            else f"{self.name} {text!r} is not {expected}"
            if is_unreadable
            else None
            for is_empty, is_unreadable, text in zip(empty, unreadable, texts, strict=True)
        ]


def read_csv_as_text(data: bytes) -> tuple[pa.Table, list[pacsv.InvalidRow]]:
    """Parse a CSV file keeping every value as text, so that no single value can fail the file.

    Rows with more or fewer fields than the header are returned apart, with their row numbers.
    A file with no header line (no bytes, or only blank space and a byte-order mark) reads as a
    table with no columns; a file with a header and no rows, as the header's columns and no rows.
    """
    data = data.removeprefix(codecs.BOM_UTF8)
    if not data.strip():
        return pa.table({}), []
    if not data.endswith((b"\n", b"\r")):
        data += b"\n"  # a header with no line end is still a header (pyarrow wants one)
    header = data.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    names = next(csv.reader([header]))
    misshapen: list[pacsv.InvalidRow] = []

    def set_aside(row: pacsv.InvalidRow) -> str:
        misshapen.append(row)
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(data),
        # One thread, so the parser knows each misshapen row's number; daily files are small.
        read_options=pacsv.ReadOptions(use_threads=False),
        parse_options=pacsv.ParseOptions(invalid_row_handler=set_aside),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )
    return table, misshapen


def validate(
    text: pa.Table, schema: pa.Schema, misshapen: Sequence[pacsv.InvalidRow] = ()
) -> Validated:
    """Split a file read by `read_csv_as_text` into loadable rows and rejected rows.

    Loadable rows have every column of `schema`, typed; columns the schema does not know are
    kept as text after them (the raw layer keeps what the shop sends, the schema contract
    decides whether a new column may land). Rejected rows keep every column as text.
    """
    repeats = _repeated_headers(text)
    repeated_headers = tuple(_row_numbers(pc.indices_nonzero(repeats).to_pylist(), misshapen))
    # Each remaining row's index in the file as parsed, for its row number.
    parsed_at = pc.indices_nonzero(pc.invert(repeats))
    text = text.filter(pc.invert(repeats))
    columns = [_read_column(text, field) for field in schema]
    bad = pa.repeat(False, text.num_rows)
    for column in columns:
        bad = pc.or_(bad, column.bad)

    extra = [name for name in text.column_names if name not in schema.names]
    loadable = pa.table(
        [*(c.typed for c in columns), *(text[name] for name in extra)],
        names=[*schema.names, *extra],
    ).filter(pc.invert(bad))

    # Only the rejected rows are looked at one by one, to word their reasons.
    rejected_at = pc.indices_nonzero(bad).to_pylist()
    rejected = _as_text(text.take(pa.array(rejected_at, pa.int64())), schema)
    per_column = [c.problems(rejected_at, rejected[c.name].to_pylist()) for c in columns]
    reasons = ["; ".join(p for p in problems if p) for problems in zip(*per_column, strict=True)]
    rejected = rejected.append_column(REASON, pa.array(reasons or [], pa.string()))
    rejected = rejected.append_column(
        ROW_NUMBER,
        pa.array(
            _row_numbers(parsed_at.take(pa.array(rejected_at, pa.int64())).to_pylist(), misshapen),
            pa.int64(),
        ),
    )
    return Validated(loadable, _with_misshapen(rejected, misshapen), repeated_headers)


def _repeated_headers(text: pa.Table) -> pa.BooleanArray:
    """Which rows are the header line again: every value is its column's name (the first may
    carry the byte-order mark that began the file that was joined on)."""
    repeats = pa.repeat(text.num_columns > 0, text.num_rows)
    for position, name in enumerate(text.column_names):
        values = text[name].combine_chunks()
        if position == 0:
            values = pc.utf8_ltrim(values, characters="\ufeff")
        repeats = pc.and_(repeats, pc.equal(values, name))
    return repeats


def _read_column(text: pa.Table, field: pa.Field) -> _Column:
    rows = text.num_rows
    if field.name not in text.column_names:
        everywhere, nowhere = pa.repeat(True, rows), pa.repeat(False, rows)
        return _Column(field.name, pa.nulls(rows, field.type), False, everywhere, nowhere)
    values = text[field.name].combine_chunks()
    empty = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(values)), 0)
    present = pc.if_else(empty, pa.scalar(None, pa.string()), values)
    unreadable = _unreadable(present, field.type)
    typed = pc.cast(pc.if_else(unreadable, pa.scalar(None, pa.string()), present), field.type)
    return _Column(field.name, typed, True, empty, unreadable)


def _unreadable(present: pa.Array, type_: pa.DataType) -> pa.BooleanArray:
    """Which values (nulls aside) do not cast to `type_`, by pyarrow's own casting rules."""
    try:
        pc.cast(present, type_)
        return pa.repeat(False, len(present))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    # Some value does not cast: find which, one at a time (only ever for a file that has one).
    flags = []
    for value in present.to_pylist():
        try:
            if value is not None:
                pa.scalar(value, pa.string()).cast(type_)
            flags.append(False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            flags.append(True)
    return pa.array(flags, pa.bool_())


def _type_words(type_: pa.DataType) -> str:
    return next((words for test, words in _TYPE_WORDS if test(type_)), str(type_))


def _row_numbers(indices: Sequence[int], misshapen: Sequence[pacsv.InvalidRow]) -> list[int]:
    """Row numbers in the file of parsed rows, counting the header and the rows set aside."""
    skipped = sorted(row.number for row in misshapen if row.number is not None)
    numbers = []
    for index in indices:
        number = index + 2  # the header is row 1
        for row in skipped:
            if row <= number:
                number += 1
        numbers.append(number)
    return numbers


def _as_text(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The file's columns, plus any expected column the file lacks (as nulls), all as text."""
    missing = [name for name in schema.names if name not in table.column_names]
    for name in missing:
        table = table.append_column(name, pa.nulls(table.num_rows, pa.string()))
    return table


def _with_misshapen(rejected: pa.Table, misshapen: Sequence[pacsv.InvalidRow]) -> pa.Table:
    if not misshapen:
        return rejected.append_column(RAW_LINE, pa.nulls(rejected.num_rows, pa.string()))
    aside = pa.table(
        {
            REASON: [
                f"row has {row.actual_columns} fields, the header has {row.expected_columns}"
                for row in misshapen
            ],
            ROW_NUMBER: pa.array([row.number for row in misshapen], pa.int64()),
            RAW_LINE: [row.text for row in misshapen],
        }
    )
    return pa.concat_tables(
        [rejected.append_column(RAW_LINE, pa.nulls(rejected.num_rows, pa.string())), aside],
        promote_options="default",
    )
