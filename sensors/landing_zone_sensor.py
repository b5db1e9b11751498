"""The landing-zone sensor: new or re-delivered daily files become runs for exactly their days.

Each tick lists the landing zone's recent window (see `sensors/deliveries.py`), and asks for one
run per stretch of consecutive days that received files. A run loads those days' files into the
raw tables and rebuilds what depends on them, in one run, in graph order: the partitioned facts
for those days, and the unpartitioned marts built on them.

Why a job and not declarative automation: a file is an event with an identity (key and version),
and a run key made of those identities is what makes "exactly once" hold across ticks, restarts
and daemon failovers. Automation conditions react to asset state and cannot tell a re-delivered
file from one already loaded.

Files skipped (temporary uploads, names that are no day, empty files) are logged as warnings on
the tick, once each (a file for a day not yet begun: on every tick until the day begins), and
summarised as the tick's skip reason when nothing runs. A landing zone that cannot be listed
fails the tick with a message; the cursor is not advanced, so the next good tick finds every
file the failed one missed.
"""

from __future__ import annotations

from datetime import date

from dagster import (
    AssetKey,
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    define_asset_job,
    sensor,
)

# The tags that make a run cover a range of partitions, as a single-run backfill does; Dagster
# has no public name for them yet.
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from graduated_platform.partitions import FIRST_DAY, daily_partitions
from ingestion.assets import landing_zone_assets
from sensors.deliveries import DayRange, LandingCursor, day_ranges, scan
from sensors.storage import LandingZone

# Skipped files named in a tick's skip message; the tick's log names every one.
SKIPS_SHOWN = 20

# What a delivery changes: the landing-zone tables and everything built on them.
DELIVERED = AssetSelection.assets(*landing_zone_assets.keys).downstream()

ingest_landing_zone = define_asset_job(
    "ingest_landing_zone",
    # Also the inputs the delivered assets read, so a run can build those that were never
    # built (a fresh warehouse); each run selects what it needs from this.
    selection=DELIVERED.upstream(),
    description="Load the days delivered to the landing zone, then rebuild what depends on them.",
)


def run_request(days: DayRange, assets: list[AssetKey]) -> RunRequest:
    """One run for a stretch of days: a partition, or a range run as one (single-run backfill)."""
    if days.first == days.last:
        return RunRequest(
            run_key=days.run_key, partition_key=days.first.isoformat(), asset_selection=assets
        )
    return RunRequest(
        run_key=days.run_key,
        asset_selection=assets,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: days.first.isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: days.last.isoformat(),
        },
    )


def assets_to_run(context: SensorEvaluationContext) -> list[AssetKey]:
    """The delivered assets, plus any input of theirs never built (a run cannot read it)."""
    graph = context.repository_def.asset_graph  # type: ignore[union-attr]
    delivered = DELIVERED.resolve(graph)
    inputs = DELIVERED.upstream().resolve(graph) - delivered
    never_built = {
        key for key in inputs if context.instance.get_latest_materialization_event(key) is None
    }
    return sorted(delivered | never_built, key=lambda key: key.to_user_string())


@sensor(
    job=ingest_landing_zone,
    minimum_interval_seconds=30,
    # Off until someone turns it on in the UI: a fresh clone should not start work by itself.
    default_status=DefaultSensorStatus.STOPPED,
    description="Starts a run for each day that receives new or re-delivered landing files.",
)
def landing_zone_sensor(
    context: SensorEvaluationContext, landing_zone: LandingZone
) -> SensorResult:
    storage = landing_zone.open()
    last_day = daily_partitions.get_last_partition_key()
    found = scan(
        storage,
        LandingCursor.parse(context.cursor),
        first_day=date.fromisoformat(FIRST_DAY),
        last_day=date.fromisoformat(last_day) if last_day else None,
    )
    for skipped in found.skipped:
        context.log.warning(f"Skipped {skipped.key}: {skipped.reason}")
    ranges = day_ranges(found.deliveries)
    summary = (
        f"{storage.url}: {len(found.deliveries)} new or re-delivered file(s), "
        f"{len(found.skipped)} skipped, {found.list_calls} list call(s)"
    )
    context.log.info(summary)
    if not ranges:
        reasons = "".join(f"; {s.key}: {s.reason}" for s in found.skipped[:SKIPS_SHOWN])
        if len(found.skipped) > SKIPS_SHOWN:
            reasons += f"; and {len(found.skipped) - SKIPS_SHOWN} more in the tick's log"
        return SensorResult(skip_reason=summary + reasons, cursor=found.cursor.serialize())
    assets = assets_to_run(context)
    for days in ranges:
        context.log.info(f"Run for {days.first}..{days.last}: {[f.key for f in days.files]}")
    return SensorResult(
        run_requests=[run_request(days, assets) for days in ranges],
        cursor=found.cursor.serialize(),
    )


JOBS = [ingest_landing_zone]
SENSORS = [landing_zone_sensor]
