"""The platform's one partitioning: a partition per day, shared by ingestion and dbt.

A partition is a day of landing files, named after the file: partition 2018-09-01 is
`orders/2018-09-01.csv` and its items. The landing-zone tables and the dbt models tagged `daily`
use it and form one unbroken chain from file to mart, so a range of days runs as one run, in
graph order; reference data and dimensions stay unpartitioned.
"""

from dagster import AssetCheckExecutionContext, AssetExecutionContext, DailyPartitionsDefinition

from landing_zone.days import DayWindow

# The first day the shop delivered (and the simulator's default start, see Makefile's START).
FIRST_DAY = "2018-09-01"

# Carried by the landing-zone tables and the dbt models partitioned by day: `tag:daily` selects
# the whole partitioned chain.
DAILY_TAG = "daily"

daily_partitions = DailyPartitionsDefinition(start_date=FIRST_DAY)


def day_window(context: AssetExecutionContext | AssetCheckExecutionContext) -> DayWindow | None:
    """The days a run targets, or None for a run without partitions. Checks that run in a
    partitioned run (volume, quarantine) see the run's days too."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    window = context.partition_time_window
    return DayWindow(window.start.date(), window.end.date())
