"""What a partitioned run did, day by day: row counts per partition as asset metadata.

Both the landing-zone loads and the dbt fact models attach the same two entries to their
materializations: `rows_by_day` (every day of the run's window, zero for a day with no rows,
so a missing file shows up) and `rows_in_run`. A one-day run also sets Dagster's standard
`dagster/partition_row_count`, which the UI shows per partition.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from dagster import MetadataValue

from landing_zone.days import DayWindow


def rows_by_day_sql(table: str, day_column: str, window: DayWindow) -> str:
    """Counts rows per day of `window`."""
    return (
        f"select cast({day_column} as date) as day, count(*) from {table} "
        f"where {window.sql_condition(day_column)} group by 1"
    )


def rows_by_day(counted: Iterable[Sequence[Any]], window: DayWindow) -> dict[str, int]:
    """Every day of the window with its count, from (day, count) rows; zero for missing days."""
    counts = {day.isoformat(): rows for day, rows in counted}
    return {day.isoformat(): counts.get(day.isoformat(), 0) for day in window.days()}


def partition_metadata(counts: dict[str, int]) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "rows_by_day": MetadataValue.json(counts),
        "rows_in_run": MetadataValue.int(sum(counts.values())),
    }
    if len(counts) == 1:
        metadata["dagster/partition_row_count"] = MetadataValue.int(sum(counts.values()))
    return metadata
