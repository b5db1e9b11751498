"""How a check shows its evidence: a few of the offending rows, as a table in the Dagster UI.

Every check that can point at rows (a failed dbt test, quarantined rows) attaches the same two
entries: `failing_rows_sample`, a table of the first rows, and `failing_rows_sql`, the query
that lists them all, to paste into a SQL client.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

SAMPLE_SIZE = 5


def sample_sql(sql: str, limit: int = SAMPLE_SIZE) -> str:
    """The first `limit` rows of any query. The query goes on lines of its own, so a trailing
    `--` comment in it cannot swallow the closing parenthesis."""
    return f"select * from (\n{sql}\n) as failing_rows limit {limit}"


def _cell(value: Any) -> str | int | float | bool | None:
    # The UI's table takes plain values; dates, decimals and the like are shown as text.
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def rows_metadata(columns: Sequence[str], rows: Sequence[Sequence[Any]], sql: str) -> dict:
    return {
        "failing_rows_sample": MetadataValue.table(
            records=[
                TableRecord({c: _cell(v) for c, v in zip(columns, row, strict=True)})
                for row in rows
            ],
            schema=TableSchema(columns=[TableColumn(name) for name in columns]),
        ),
        "failing_rows_sql": MetadataValue.md(f"```sql\n{sql.strip()}\n```"),
    }
