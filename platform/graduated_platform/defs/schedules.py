"""Schedules: when the platform refreshes on its own, beyond the landing-zone sensors."""

from dagster import (
    AssetSelection,
    Definitions,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

# The job spans the daily partitions, so each run names a day: the schedule below asks for the
# day that has just ended, and the unpartitioned assets refresh in the same run.
refresh_everything = define_asset_job(
    "refresh_everything",
    selection=AssetSelection.all(),
    description="Load every source and rebuild every model, with its checks, for one day.",
)

# Off until someone turns it on in the UI: a fresh clone should not start work by itself.
daily_refresh = build_schedule_from_partitioned_job(
    refresh_everything, name="daily_refresh", hour_of_day=6
)

defs = Definitions(jobs=[refresh_everything], schedules=[daily_refresh])
