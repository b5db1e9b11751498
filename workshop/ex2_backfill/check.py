"""Exercise 2 is done when a backfill of two days or more ran as one successful run that built
marts/orders, and the busiest day of that range is read correctly off its metadata (checked
against the landing files)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from workshop.platform_state import PlatformState, require

FOLDER = Path(__file__).parent
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def range_runs(platform: PlatformState) -> list[tuple[str, date, date]]:
    """Successful runs over a range of at least two days, newest first: (run id, first, last)."""
    found = []
    for run in platform.runs(succeeded=True):
        first, last = run.tags.get(RANGE_START), run.tags.get(RANGE_END)
        if first and last and first != last:
            found.append((run.run_id, date.fromisoformat(first), date.fromisoformat(last)))
    return found


def check(platform: PlatformState) -> None:
    runs = range_runs(platform)
    require(
        runs,
        "no run over a range of days has succeeded yet. In Lineage type tag:daily, press "
        "Materialize all, click Show all partitions, type [2018-09-01...2018-09-07], press "
        "Enter and Launch backfill; Runs > Backfills shows it.",
    )
    with_orders = [
        (run_id, first, last)
        for run_id, first, last in runs
        if "marts/orders" in platform.materialized_in_run(run_id)
    ]
    require(
        with_orders,
        "your range run did not build marts/orders: backfill the whole daily chain, "
        "selected with tag:daily, not a single asset.",
    )
    run_id, first, last = with_orders[0]
    counts = {
        (first + timedelta(days=n)).isoformat(): len(
            platform.csv_rows("orders", first + timedelta(days=n))
        )
        for n in range((last - first).days + 1)
    }
    most = max(counts.values())
    answers = platform.answers(FOLDER)
    require(
        counts.get(str(answers.get("busiest_day"))) == most,
        f"busiest_day in workshop/ex2_backfill/answers.toml is not the busiest day of your "
        f"range {first}...{last} (run {run_id[:8]}): open marts/orders, pick the "
        "materialization of that run and read `rows_by_day`.",
    )
    require(
        answers.get("busiest_day_orders") == most,
        "busiest_day_orders is not the number of orders marts/orders holds for your busiest "
        "day: it is the value next to that day in `rows_by_day`.",
    )
