"""Exercise 3 is done when the landing-zone sensor is on, its runs loaded the days delivered
into the marts (as many orders as each day's file holds), and a later tick found nothing new
to run: each file triggers once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from workshop.platform_state import PlatformState, require

SENSOR = "landing_zone_sensor"
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def days_of(tags: Mapping[str, str]) -> tuple[date, date] | None:
    if "dagster/partition" in tags:
        day = date.fromisoformat(tags["dagster/partition"])
        return day, day
    if RANGE_START in tags and RANGE_END in tags:
        return date.fromisoformat(tags[RANGE_START]), date.fromisoformat(tags[RANGE_END])
    return None


def sensor_state(platform: PlatformState):  # type: ignore[no-untyped-def]
    from dagster._core.scheduler.instigation import InstigatorType

    states = platform.instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
    return next((state for state in states if state.name == SENSOR), None)


def check(platform: PlatformState) -> None:
    from dagster._core.scheduler.instigation import InstigatorStatus, TickStatus

    state = sensor_state(platform)
    require(
        state is not None and state.status == InstigatorStatus.RUNNING,
        f"{SENSOR} is off: with `make up` running, open Automation and turn {SENSOR} on.",
    )
    runs = platform.runs(tags={"dagster/sensor_name": SENSOR})
    require(
        runs,
        f"{SENSOR} has not started a run yet. Is `make up` running (its daemon ticks the "
        "sensor every 30 s)? Deliver a day with `make deliver` and watch Automation > "
        f"{SENSOR} > its ticks.",
    )
    succeeded = [days for run in runs if run.is_success and (days := days_of(run.tags))]
    require(
        succeeded,
        f"no run of {SENSOR} has succeeded yet: open its run from Runs and read which step "
        "failed; `make deliver DAY=...` delivers a day again.",
    )
    newest = max(last for _, last in succeeded)
    (orders,) = platform.query(
        f"select count(*) from marts.orders where landed_on = '{newest.isoformat()}'"
    )[0]
    expected = len(platform.csv_rows("orders", newest))
    require(
        orders == expected,
        f"marts.orders holds {orders} orders of {newest}, the day's file {expected}: deliver "
        f"it again (`make deliver DAY={newest}`) and let the sensor's run finish.",
    )
    ticks = platform.instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=50)
    with_runs = [tick.timestamp for tick in ticks if tick.run_ids]
    quiet = [
        tick
        for tick in ticks
        if tick.status == TickStatus.SKIPPED and with_runs and tick.timestamp > min(with_runs)
    ]
    require(
        quiet,
        "no tick has found nothing to do yet: wait for the tick after the sensor's run (30 s) "
        f"and read it under Automation > {SENSOR}: the files it already ran are not run again.",
    )
