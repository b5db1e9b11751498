"""The quarantine: where the landing zone's rejected rows are kept, with the reason and the file.

Each daily table `raw.<table>` has its quarantine `raw.<table>_quarantine` beside it: one row per
rejected row, with the file's columns as the text the file had, `_reason`, `_row_number`,
`_raw_line` (for a row the parser could not split), `_landing_date` and `_source_file`. Nothing
the shop sends is dropped: a row either loads or waits here, and the asset check
`quarantined_rows` reports it (graduated_platform/checks/quarantined_rows.py).

A day's quarantine is replaced whenever the day is loaded, as the day's rows are: loading a day
twice never duplicates quarantined rows, and a corrected file clears what its earlier version
left. dlt's delete-insert only replaces the days present in what it loads, and a clean file has
no rejected rows to carry its day; so every file also sends one marker row with its day, flagged
with dlt's `hard_delete` column hint. The merge deletes the day's old rows for it, and never
stores the marker itself. A file the load does not read as a day's file at all (0 bytes, no
header: a failed upload) sends nothing, and leaves the day's quarantine as it was; the raw
tables use the same kind of marker for a header-only file (landing_zone.py).
"""

from __future__ import annotations

from datetime import date

import dlt
import pyarrow as pa
from dlt.extract.items import DataItemWithMeta

SUFFIX = "_quarantine"
DAY_MARKER = "_day_marker"


def quarantine_table(table: str) -> str:
    """`orders` -> `orders_quarantine`: named to sort beside the table it belongs to."""
    return f"{table}{SUFFIX}"


def day_marker(schema: pa.Schema, day: date, source_file: str) -> pa.Table:
    """One row that carries only a file's day and name, flagged `DAY_MARKER`: dlt's delete-insert
    deletes the day's rows for it and, as the flag is a `hard_delete` column, never stores it.
    Loaded alone, it leaves the day with no rows."""
    marker = pa.Table.from_pylist(
        [{"_landing_date": day, "_source_file": source_file}], schema=schema
    )
    return _flagged(marker, marker=True)


def quarantine_item(
    rejected: pa.Table, table: str, day: date, source_file: str
) -> DataItemWithMeta:
    """The rejected rows of one file, plus its day marker, addressed to the table's quarantine.

    `rejected` already carries `_landing_date` and `_source_file`, like the loaded rows.
    """
    flagged = _flagged(rejected, marker=False)
    return _to_quarantine(
        pa.concat_tables([flagged, day_marker(rejected.schema, day, source_file)]), table
    )


def no_quarantined_rows(rejected: pa.Schema, table: str) -> DataItemWithMeta:
    """No rows, addressed to the table's quarantine: it creates the quarantine where no file has
    yet, and deletes nothing, having no day marker."""
    return _to_quarantine(_flagged(rejected.empty_table(), marker=False), table)


def _flagged(rejected: pa.Table, marker: bool) -> pa.Table:
    return rejected.append_column(DAY_MARKER, pa.array([marker] * rejected.num_rows, pa.bool_()))


def _to_quarantine(item: pa.Table, table: str) -> DataItemWithMeta:
    hints = dlt.mark.make_hints(
        table_name=quarantine_table(table),
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key="_landing_date",
        columns={DAY_MARKER: {"data_type": "bool", "hard_delete": True}},
        # A holding area takes whatever arrives: every column is text, new ones are welcome.
        schema_contract="evolve",
    )
    return dlt.mark.with_hints(item, hints, create_table_variant=True)
