"""Schedules: when the platform refreshes on its own, beyond the landing-zone sensors."""

from dagster import AssetSelection, ScheduleDefinition, define_asset_job

refresh_everything = define_asset_job(
    "refresh_everything",
    selection=AssetSelection.all(),
    description="Load every source and rebuild every model, with its checks.",
)

# Off until someone turns it on in the UI: a fresh clone should not start work by itself.
daily_refresh = ScheduleDefinition(
    name="daily_refresh",
    job=refresh_everything,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
)

JOBS = [refresh_everything]
SCHEDULES = [daily_refresh]
