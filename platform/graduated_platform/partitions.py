"""The platform's one partitioning: a partition per day, shared by ingestion and dbt.

The landing-zone assets and the dbt fact tables (the models tagged `daily`: orders and order
items) use this definition; reference data, dimensions and views stay unpartitioned. A view
holds no data of its own to partition, and every partitioned asset costs Dagster a
materialization event per day of a backfill. A partition is a day of landing files, named after
the file: partition 2018-09-01 is `landing/orders/2018-09-01.csv` and its items.
"""

from dataclasses import dataclass
from datetime import date

from dagster import AssetExecutionContext, DailyPartitionsDefinition

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


def day_window(context: AssetExecutionContext) -> DayWindow | None:
    """The days a run targets, or None for a run without partitions."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    window = context.partition_time_window
    return DayWindow(window.start.date(), window.end.date())
