"""Which days a check on a daily raw table looks at: the run's days, or the last day loaded.

In a partitioned run (a sensor's day, a backfill) the checks judge the days the run loaded. Run
on its own from the UI, outside any partitioned run, a check judges the last day in the table.
"""

from __future__ import annotations

from datetime import timedelta

from dagster import AssetCheckExecutionContext

from graduated_platform.partitions import day_window
from graduated_platform.warehouse import Warehouse
from landing_zone.days import DayWindow


def checked_days(
    context: AssetCheckExecutionContext, warehouse: Warehouse, table: str
) -> DayWindow | None:
    """The days to check in `table`, or None when nothing has been loaded yet."""
    window = day_window(context)
    if window is not None:
        return window
    ((day,),) = warehouse.query(f"select max(_landing_date) from {table}")
    return None if day is None else DayWindow(day, day + timedelta(days=1))
