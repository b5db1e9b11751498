"""Which asset moves by what, and the automation condition's rules, on the platform's own graph.

The definitions say it (fast): the daily facts have no automation condition (the landing-zone
sensor's runs move them), every other dbt model, the catalogue's load and the shop database's
loads have the platform's one condition, the automation sensor is off. Then the condition is
evaluated by Dagster's own evaluator on the platform's definitions, against an instance fed with
reported events (no runs):
`customers` is requested once `marts/orders` updated and its blocking checks passed, not while
one of them fails; `raw/products` once the catalogue's publisher reported.
The end-to-end version, with the daemon and real runs, is tests/test_event_driven.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dagster import (
    AssetCheckEvaluation,
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    DefaultSensorStatus,
    evaluate_automation_conditions,
    instance_for_test,
)
from dagster._core.definitions.automation_condition_sensor_definition import (
    AutomationConditionSensorDefinition,
)

from graduated_platform.automation import ON_UPSTREAM_UPDATE
from graduated_platform.definitions import defs
from graduated_platform.defs.ingestion import PRODUCT_CATALOG

GRAPH = defs.resolve_asset_graph()
CUSTOMERS = AssetKey(["marts", "customers"])
ORDERS = AssetKey(["marts", "orders"])
STG_CUSTOMERS = AssetKey(["staging", "stg_customers"])
RAW_PRODUCTS = AssetKey(["raw", "products"])
DAY = "2018-09-01"
NEXT_DAY = "2018-09-02"

CATALOGUE_READERS = {
    "raw/products",
    "staging/stg_products",
    "staging/stg_supplies",
    "marts/products",
    "marts/supplies",
}
FOLLOWS_UPSTREAM = {
    "raw/products",
    "staging/stg_customers",
    "staging/stg_locations",
    "staging/stg_products",
    "staging/stg_supplies",
    "marts/customers",
    "marts/customer_segments",
    "marts/locations",
    "marts/products",
    "marts/supplies",
    "activation/marketing_contacts",
    "raw/customers",
    "raw/stores",
    "snapshots/customers_history",
}


def test_which_assets_follow_their_upstream_by_automation():
    followers = {
        key.to_user_string()
        for key in GRAPH.materializable_asset_keys
        if GRAPH.get(key).automation_condition == ON_UPSTREAM_UPDATE
    }
    assert followers >= FOLLOWS_UPSTREAM
    # Nothing else carries a condition but the shop database's observation (every 5 minutes):
    # the daily chain moves with the sensor's runs.
    others = {
        key.to_user_string()
        for key in GRAPH.get_all_asset_keys()
        if GRAPH.get(key).automation_condition is not None
    } - followers
    assert others == {"shop/database"}
    partitioned = {
        key.to_user_string()
        for key in GRAPH.materializable_asset_keys
        if GRAPH.get(key).is_partitioned
    }
    # The rule, for what a team adds as well: what reads whole tables follows its upstream.
    every = {key.to_user_string() for key in GRAPH.materializable_asset_keys}
    assert partitioned and followers == every - partitioned
    assert GRAPH.get(RAW_PRODUCTS).parent_keys == {PRODUCT_CATALOG.key}
    assert not GRAPH.get(PRODUCT_CATALOG.key).is_materializable


def test_the_automation_sensor_is_off_until_turned_on():
    sensor = defs.get_sensor_def("automation_sensor")
    assert isinstance(sensor, AutomationConditionSensorDefinition)
    assert sensor.default_status == DefaultSensorStatus.STOPPED
    # It targets every asset, so Dagster adds no default automation sensor of its own.
    automation_sensors = [
        s.name
        for s in defs.get_repository_def().sensor_defs
        if isinstance(s, AutomationConditionSensorDefinition)
    ]
    assert automation_sensors == ["automation_sensor"]


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with instance_for_test() as instance:
        yield instance


def report_checks(
    instance: DagsterInstance, key: AssetKey, day: str | None, failing: frozenset[str] = frozenset()
) -> None:
    """The blocking checks of `key` (on `day`), as a run would record them."""
    for name in blocking_checks_of(key):
        instance.report_runless_asset_event(
            AssetCheckEvaluation(
                asset_key=key, check_name=name, passed=name not in failing, partition=day
            )
        )


def blocking_checks_of(key: AssetKey) -> list[str]:
    return sorted(
        check.name
        for check in GRAPH.asset_check_keys
        if check.asset_key == key and GRAPH.get(check).blocking
    )


def test_customers_wait_for_the_blocking_checks_of_what_they_read(instance: DagsterInstance):
    checks = blocking_checks_of(ORDERS)
    assert checks, "marts/orders has no blocking check to wait for"
    # What customers read: whole tables (stg_customers), and daily facts (marts/orders, and any
    # daily table added to the model since), which a day's run builds together, checks and all.
    parents = GRAPH.get(CUSTOMERS).parent_keys
    daily = sorted(key for key in parents if GRAPH.get(key).is_partitioned)
    assert STG_CUSTOMERS in parents and ORDERS in daily
    result = evaluate_automation_conditions(defs, instance)
    # A day is built and passes its checks: customers (never built) are requested, once.
    for key in parents - set(daily):
        instance.report_runless_asset_event(AssetMaterialization(key))
        report_checks(instance, key, None)
    for key in daily:
        instance.report_runless_asset_event(AssetMaterialization(key, partition=DAY))
    result = evaluate_automation_conditions(defs, instance, cursor=result.cursor)
    assert result.get_num_requested(CUSTOMERS) == 0, "customers ran before the checks did"
    for key in daily:
        report_checks(instance, key, DAY)
    result = evaluate_automation_conditions(defs, instance, cursor=result.cursor)
    assert result.get_num_requested(CUSTOMERS) == 1
    result = evaluate_automation_conditions(defs, instance, cursor=result.cursor)
    assert result.get_num_requested(CUSTOMERS) == 0, "customers requested twice for one update"

    # The next day's orders fail one blocking check: customers are not requested.
    for key in daily:
        instance.report_runless_asset_event(AssetMaterialization(key, partition=NEXT_DAY))
        failing = frozenset(checks[:1]) if key == ORDERS else frozenset()
        report_checks(instance, key, NEXT_DAY, failing=failing)
    for _tick in range(2):
        result = evaluate_automation_conditions(defs, instance, cursor=result.cursor)
        assert result.get_num_requested(CUSTOMERS) == 0, f"customers ran past {checks[0]}"


def test_a_reported_publication_requests_the_catalogue_and_what_reads_it(
    instance: DagsterInstance,
):
    # Everything that reads the catalogue was built before, and passed its checks.
    for key in map(AssetKey.from_user_string, CATALOGUE_READERS):
        instance.report_runless_asset_event(AssetMaterialization(key))
        report_checks(instance, key, None)
    result = evaluate_automation_conditions(defs, instance)
    result = evaluate_automation_conditions(defs, instance, cursor=result.cursor)
    assert result.total_requested == 0, "something moved with no upstream change"
    instance.report_runless_asset_event(
        AssetMaterialization(PRODUCT_CATALOG.key, tags={"dagster/data_version": "abc"})
    )
    result = evaluate_automation_conditions(defs, instance, cursor=result.cursor)
    requested = {
        key.to_user_string()
        for key in GRAPH.materializable_asset_keys
        if result.get_num_requested(key)
    }
    # One tick asks for the load and every model that reads it: one run, in graph order. The
    # daily order_items keep the price each day was built with.
    assert requested == CATALOGUE_READERS
