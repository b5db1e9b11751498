"""Exercise 1 is done when every asset of the starting graph has been materialized, 2018-09-01
among the days, and the answers read from the UI match the files and the definitions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from workshop.platform_state import (
    STARTING_DAILY_TABLES,
    STARTING_MODELS,
    PlatformState,
    require,
)

FIRST_DAY = date(2018, 9, 1)
FOLDER = Path(__file__).parent
STARTING_RAW = ("customers", "products", "stores", *STARTING_DAILY_TABLES)


def starting_assets(platform: PlatformState) -> list[str]:
    models = [
        f"{'staging' if name.startswith('stg_') else 'marts'}/{name}" for name in STARTING_MODELS
    ]
    return [f"raw/{table}" for table in STARTING_RAW] + models


def upstream_raw_tables(platform: PlatformState, user_string: str) -> set[str]:
    graph, seen = platform.graph, set()
    todo = [platform.asset_key(user_string)]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return {key.to_user_string() for key in seen if key.path[0] == "raw"}


def check(platform: PlatformState) -> None:
    missing = [
        key for key in starting_assets(platform) if platform.latest_materialization_run(key) is None
    ]
    require(
        not missing,
        f"not materialized yet: {', '.join(missing)}. In the UI open Lineage, press "
        "Materialize all, pick the partition 2018-09-01 and Launch; watch the run finish.",
    )
    require(
        FIRST_DAY.isoformat() in platform.materialized_partitions("raw/orders"),
        "raw/orders has no materialization for 2018-09-01: materialize that day (Materialize "
        "all, partition 2018-09-01).",
    )
    answers = platform.answers(FOLDER)
    orders = len(platform.csv_rows("orders", FIRST_DAY))
    require(
        answers.get("orders_on_first_day") == orders,
        "orders_on_first_day in workshop/ex1_explore/answers.toml is not the rows raw/orders "
        "loaded on 2018-09-01: open raw/orders, pick that partition's materialization and read "
        "`dagster/partition_row_count` (or `rows_by_day`).",
    )
    behind = upstream_raw_tables(platform, "marts/order_items")
    given = answers.get("raw_tables_behind_order_items")
    require(
        isinstance(given, list) and {str(name) for name in given} == behind,
        "raw_tables_behind_order_items is not the set of raw tables upstream of "
        "marts/order_items: in Lineage select marts/order_items and show its upstream "
        '(type +key:"marts/order_items" in the search box); write them like "raw/orders".',
    )
    checks = len(platform.checks_on("staging/stg_orders"))
    require(
        answers.get("checks_on_stg_orders") == checks,
        "checks_on_stg_orders is not the number of checks staging/stg_orders has: open the "
        "asset and count the rows of its Checks tab.",
    )
