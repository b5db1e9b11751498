"""The whole graph, run as a user runs it, against figures computed from the raw files."""

from __future__ import annotations

import duckdb
from dagster import DagsterInstance
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from tests.conftest import Platform
from tests.raw_figures import RawFigures, raw_figures


def test_materializing_everything_gives_the_marts_the_raw_files_imply(platform: Platform):
    platform.generate("2018-09-01", "2018-09-03")
    log = platform.materialize("2018-09-01...2018-09-03")
    assert "RUN_SUCCESS" in log

    expected = raw_figures(platform.data_dir)
    assert expected.order_count > 300  # the simulator wrote a real three days

    with duckdb.connect(str(platform.warehouse), read_only=True) as db:
        orders, revenue = db.sql("select count(*), sum(order_total) from marts.orders").fetchone()
        assert orders == expected.order_count
        assert revenue == RawFigures.dollars(expected.revenue_cents)

        (items,) = db.sql("select count(*) from marts.order_items").fetchone()
        assert items == expected.item_count

        (products,) = db.sql("select count(*) from marts.products").fetchone()
        assert products == expected.product_count

        customer_rows = dict(
            db.sql(
                "select customer_id, (count_lifetime_orders, lifetime_spend) from marts.customers"
            ).fetchall()
        )
        assert set(customer_rows) == expected.customer_ids

        busiest = [c for c, _ in expected.orders_by_customer.most_common(3)]
        one_order = next(c for c, n in expected.orders_by_customer.items() if n == 1)
        for customer in [*busiest, one_order]:
            count, spend = customer_rows[customer]
            assert count == expected.orders_by_customer[customer]
            assert spend == RawFigures.dollars(expected.spend_cents_by_customer[customer])

        never_ordered = next(iter(expected.customer_ids - set(expected.orders_by_customer)))
        assert customer_rows[never_ordered] == (None, None)

        order_costs = dict(db.sql("select order_id, order_cost from marts.orders").fetchall())
        for order_id, cents in list(expected.supply_cost_cents_by_order.items())[:50]:
            assert order_costs[order_id] == RawFigures.dollars(cents)


def test_every_asset_is_materialized_and_every_check_passes(platform: Platform):
    from graduated_platform.definitions import defs

    platform.generate("2018-09-01", "2018-09-01")
    platform.materialize("2018-09-01")

    instance = DagsterInstance.from_config(str(platform.dagster_home))
    graph = defs.resolve_asset_graph()
    for key in graph.materializable_asset_keys:
        assert instance.get_latest_materialization_event(key) is not None, key.to_user_string()

    check_keys = list(graph.asset_check_keys)
    assert len(check_keys) >= 30  # every dbt test is a check
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(check_keys)
    statuses = {key.to_user_string(): latest[key].status for key in check_keys if key in latest}
    assert statuses == dict.fromkeys(
        (key.to_user_string() for key in check_keys), AssetCheckExecutionRecordStatus.SUCCEEDED
    )


def test_a_failing_dbt_test_fails_the_run_and_keeps_what_dbt_did_build(platform: Platform):
    from dagster import AssetKey

    platform.generate("2018-09-01", "2018-09-02")
    # The shop sends one order twice: on both days, under the same id.
    first_day = (platform.landing / "orders" / "2018-09-01.csv").read_text().splitlines()
    with (platform.landing / "orders" / "2018-09-02.csv").open("a") as f:
        f.write(first_day[1] + "\n")

    process = platform.start_materialize("2018-09-01...2018-09-02")
    log, _ = process.communicate(timeout=600)
    assert process.returncode != 0
    assert "unique_stg_orders_order_id" in log

    instance = DagsterInstance.from_config(str(platform.dagster_home))
    built = {
        key.to_user_string()
        for key in (AssetKey(["staging", "stg_order_items"]), AssetKey(["marts", "orders"]))
        if instance.get_latest_materialization_event(key) is not None
    }
    # stg_order_items passed its tests and is recorded; orders sits downstream of the failure
    assert built == {"staging/stg_order_items"}
