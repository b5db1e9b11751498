"""Exercise 1's solution: Materialize all for the first day, as `dg launch`; then the answers,
read from the run's metadata and the definitions, as the UI shows them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from workshop.workbench import Workbench

FIRST_DAY = date(2018, 9, 1)
FOLDER = Path(__file__).parent


def solve(bench: Workbench) -> None:
    bench.launch("*", FIRST_DAY)
    state = bench.state()
    # The metadata the UI shows on raw/orders' materialization of the day.
    from dagster import AssetKey, AssetRecordsFilter

    records = state.instance.fetch_materializations(
        AssetRecordsFilter(AssetKey(["raw", "orders"]), asset_partitions=[FIRST_DAY.isoformat()]),
        limit=1,
    ).records
    metadata = records[0].asset_materialization.metadata  # type: ignore[union-attr]
    rows = metadata["dagster/partition_row_count"].value
    # Lineage and checks, as the UI draws them from the definitions.
    from workshop.ex1_explore.check import upstream_raw_tables

    bench.write_answers(
        FOLDER,
        {
            "orders_on_first_day": rows,
            "raw_tables_behind_order_items": sorted(
                upstream_raw_tables(state, "marts/order_items")
            ),
            "checks_on_stg_orders": len(state.checks_on("staging/stg_orders")),
        },
    )
