"""Exercise 2's solution: the first week's backfill of tag:daily as one `dg launch` over the
range (what Launch backfill does with a single-run backfill policy), then the answers read off
marts/orders' `rows_by_day`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from dagster import AssetKey, AssetRecordsFilter

from workshop.workbench import SolveError, Workbench

FOLDER = Path(__file__).parent


def solve(bench: Workbench) -> None:
    days = bench.state().landing_days()
    if len(days) < 2:
        raise SolveError("the landing zone has fewer than two days: run `make data` first")
    first, last = days[0], min(days[0] + timedelta(days=6), days[-1])
    bench.launch("tag:daily", first, last)
    record = (
        bench.state()
        .instance.fetch_materializations(
            AssetRecordsFilter(AssetKey(["marts", "orders"]), asset_partitions=[last.isoformat()]),
            limit=1,
        )
        .records[0]
    )
    metadata = record.asset_materialization.metadata  # type: ignore[union-attr]
    rows_by_day: dict[str, int] = dict(metadata["rows_by_day"].value)  # type: ignore[arg-type]
    busiest = max(rows_by_day, key=lambda day: rows_by_day[day])
    bench.write_answers(
        FOLDER, {"busiest_day": busiest, "busiest_day_orders": rows_by_day[busiest]}
    )
