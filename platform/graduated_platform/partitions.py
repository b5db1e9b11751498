"""The platform's one partitioning: a partition per day, shared by ingestion and dbt.

The landing-zone assets and the dbt models of the order facts (tagged `daily`: the staging views
and the mart tables of orders and items) use this definition; reference data and dimensions
stay unpartitioned. The partitioned assets form one unbroken chain from landing file to mart,
so selecting `tag:daily` for a range runs in one run, in the right order. A partition is a day
of landing files, named after the file: partition 2018-09-01 is
`landing/orders/2018-09-01.csv` and its items.
"""

from dataclasses import dataclass
from datetime import date

from dagster import AssetCheckExecutionContext, AssetExecutionContext, DailyPartitionsDefinition

# The first day the shop delivered (and the simulator's default start, see Makefile's START).
FIRST_DAY = "2018-09-01"

daily_partitions = DailyPartitionsDefinition(start_date=FIRST_DAY)


@dataclass(frozen=True)
class DayWindow:
    """Days from `start` up to, not including, `end`: one partition or a range of them."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def sql_condition(self, column: str) -> str:
        """`column` within the window, in SQL; the dates come from Dagster, never from users."""
        return f"{column} >= '{self.start.isoformat()}' and {column} < '{self.end.isoformat()}'"


def day_window(context: AssetExecutionContext | AssetCheckExecutionContext) -> DayWindow | None:
    """The days a run targets, or None for a run without partitions. Checks that run in a
    partitioned run (volume, quarantine) see the run's days too."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    window = context.partition_time_window
    return DayWindow(window.start.date(), window.end.date())
