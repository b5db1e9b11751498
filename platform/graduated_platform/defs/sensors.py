"""The landing-zone sensor: new or re-delivered daily files become runs for exactly their days.

Each tick lists the landing zone's recent window (sensors/deliveries.py decides what it finds),
and asks for one run per stretch of consecutive days that received files: the run loads those
days and rebuilds what depends on them, in graph order. Skipped files are logged on the tick
once each; a landing zone that cannot be listed fails the tick without moving the cursor. Why a
sensor with run keys rather than declarative automation: README, "The landing zone and its
sensor".
"""

from __future__ import annotations

from datetime import date

from dagster import (
    AssetKey,
    AssetSelection,
    DefaultSensorStatus,
    Definitions,
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

from graduated_platform.automation import automation_sensor
from graduated_platform.landing_zone_resource import LandingZone
from graduated_platform.partitions import DAILY_TAG, FIRST_DAY, daily_partitions
from graduated_platform.translators import raw_table_asset_key
from landing_zone.tables import DAILY_TABLES
from sensors.deliveries import DayRange, LandingCursor, day_ranges, scan

# Skipped files named in a tick's skip message; the tick's log names every one.
SKIPS_SHOWN = 20

# What a delivery changes: the landing-zone tables and the daily facts built on them, the
# partitioned chain. What reads the facts across days (`customers`) follows by declarative
# automation once the run's checks passed (automation.py; README, "What moves each asset").
DELIVERED = AssetSelection.assets(*map(raw_table_asset_key, DAILY_TABLES)).downstream() & (
    AssetSelection.tag(DAILY_TAG, "")
)

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


defs = Definitions(jobs=[ingest_landing_zone], sensors=[landing_zone_sensor, automation_sensor])
