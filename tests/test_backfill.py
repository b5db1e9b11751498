"""Backfills span ingestion and dbt, and any order of runs gives the figures the raw files imply.

Every run here is a real `dg launch` over a real landing zone, warehouse and
DAGSTER_HOME. Expected figures are counted from the CSV files with Python's csv module.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from tests.conftest import Platform
from tests.raw_figures import raw_figures

pytestmark = pytest.mark.slow

DAYS = ["2018-09-01", "2018-09-02", "2018-09-03"]

# What a mart says about each day: orders, revenue, items. Compared across ways of running.
FIGURES_BY_DAY = """
    select strftime(landed_on, '%Y-%m-%d'), count(*), sum(order_total), sum(count_order_items)
    from marts.orders group by 1 order by 1
"""


def raw_figures_by_day(landing: Path) -> list[tuple]:
    figures = []
    for day in DAYS:
        with (landing / "orders" / f"{day}.csv").open(newline="") as f:
            orders = list(csv.DictReader(f))
        with (landing / "items" / f"{day}.csv").open(newline="") as f:
            items = sum(1 for _ in csv.DictReader(f))
        revenue_cents = sum(int(order["order_total"]) for order in orders)
        figures.append((day, len(orders), revenue_cents, items))
    return figures


def in_cents(rows: list[tuple]) -> list[tuple]:
    return [(day, orders, int(revenue * 100), items) for day, orders, revenue, items in rows]


def snapshot(platform: Platform) -> dict[str, list[tuple]]:
    """Every row of every fact table, sorted: equal snapshots mean nothing changed."""
    return {
        table: platform.query(f"select * from {table} order by all")
        for table in ("raw.orders", "raw.items", "marts.orders", "marts.order_items")
    }


def test_one_backfill_run_and_day_by_day_runs_agree_with_the_raw_files(
    platform: Platform, tmp_path
):
    platform.generate(DAYS[0], DAYS[-1])
    log = platform.materialize(f"{DAYS[0]}...{DAYS[-1]}")
    # dlt and dbt each ran once, over the whole range (the other steps are checks)
    for step in ("landing_zone_assets", "shop_db_assets", "product_catalog_assets",
                 "jaffle_shop_models"):  # fmt: skip
        assert log.count(f'STEP_START - Started execution of step "{step}"') == 1, step
    assert log.count(f"--event-time-start {DAYS[0]} --event-time-end 2018-09-04") == 2
    backfilled = platform.query(FIGURES_BY_DAY)

    one_by_one = Platform(tmp_path / "one_by_one", platform.dagster_home)
    one_by_one.generate(DAYS[0], DAYS[-1])
    for day in (DAYS[2], DAYS[0], DAYS[1]):  # out of order, each the first run of its day
        one_by_one.materialize(day)
    day_by_day = one_by_one.query(FIGURES_BY_DAY)

    assert in_cents(backfilled) == in_cents(day_by_day) == raw_figures_by_day(platform.landing)

    expected = raw_figures(platform.data_dir)
    for warehouse in (platform, one_by_one):
        lifetime = dict(
            warehouse.query("select customer_id, count_lifetime_orders from marts.customers")
        )
        busiest, orders = expected.orders_by_customer.most_common(1)[0]
        assert lifetime[busiest] == orders


def test_running_the_same_range_twice_changes_nothing(platform: Platform):
    platform.generate(DAYS[0], DAYS[-1])
    platform.materialize(f"{DAYS[0]}...{DAYS[-1]}")
    before = snapshot(platform)
    platform.materialize(f"{DAYS[0]}...{DAYS[-1]}")
    platform.materialize(DAYS[1])
    assert snapshot(platform) == before
    assert len(before["marts.orders"]) == raw_figures(platform.data_dir).order_count


def test_a_redelivered_file_changes_only_its_own_day(platform: Platform):
    platform.generate(DAYS[0], DAYS[-1])
    platform.materialize(f"{DAYS[0]}...{DAYS[-1]}")
    before = platform.query("select order_id, order_total, landed_on from marts.orders")

    # The shop re-sends 2018-09-02 with its last ten orders cancelled.
    orders_file = platform.landing / "orders" / f"{DAYS[1]}.csv"
    items_file = platform.landing / "items" / f"{DAYS[1]}.csv"
    header, *orders = orders_file.read_text().splitlines()
    cancelled = {line.split(",")[0] for line in orders[-10:]}
    orders_file.write_text("\n".join([header, *orders[:-10]]) + "\n")
    item_header, *items = items_file.read_text().splitlines()
    items_file.write_text(
        "\n".join([item_header, *(i for i in items if i.split(",")[1] not in cancelled)]) + "\n"
    )
    platform.materialize(DAYS[1])

    after = platform.query("select order_id, order_total, landed_on from marts.orders")
    untouched = [row for row in before if str(row[2]) != DAYS[1]]
    assert sorted(row for row in after if str(row[2]) != DAYS[1]) == sorted(untouched)
    assert {row[0] for row in after if str(row[2]) == DAYS[1]} == {
        line.split(",")[0] for line in orders[:-10]
    }
    assert platform.query(FIGURES_BY_DAY)[1][1] == len(orders) - 10


def test_each_run_records_rows_per_day_on_its_assets(platform: Platform):
    platform.generate(DAYS[0], DAYS[-1])
    (platform.landing / "orders" / f"{DAYS[1]}.csv").unlink()  # a day whose file never came
    (platform.landing / "items" / f"{DAYS[1]}.csv").unlink()
    platform.materialize(f"{DAYS[0]}...{DAYS[-1]}")

    landed = Counter()
    for day in (DAYS[0], DAYS[2]):
        with (platform.landing / "orders" / f"{day}.csv").open(newline="") as f:
            landed[day] = sum(1 for _ in csv.DictReader(f))
    expected = {day: landed[day] for day in DAYS}

    instance = DagsterInstance.from_config(str(platform.dagster_home))
    for key in (AssetKey(["raw", "orders"]), AssetKey(["marts", "orders"])):
        event = instance.get_latest_materialization_event(key)
        assert event is not None and event.asset_materialization is not None
        metadata = event.asset_materialization.metadata
        assert metadata["rows_by_day"].value == expected, key
        assert metadata["rows_in_run"].value == sum(expected.values())
