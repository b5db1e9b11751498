"""Freshness policies: on the assets people rely on, judged the way Dagster's daemon judges them.

Dagster's freshness daemon evaluates each policy with an evaluator per policy type; these tests
call those same evaluators on a real (temporary) instance, with the clock set by the test.
`freeze_time`, `LoadingContextForTest` and the evaluators are Dagster internals, so an upgrade
of Dagster may need these tests adjusted; the policies themselves use the public API.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from dagster import AssetKey, AssetMaterialization, DagsterInstance
from dagster._core.definitions.freshness import FreshnessState
from dagster._core.definitions.freshness_evaluator import FRESHNESS_EVALUATORS_BY_POLICY_TYPE
from dagster._core.loader import LoadingContextForTest
from dagster._core.test_utils import freeze_time, instance_for_test

from graduated_platform.definitions import defs
from landing_zone.tables import DAILY_TABLES

RAW_ORDERS = AssetKey(["raw", "orders"])
MARTS_ORDERS = AssetKey(["marts", "orders"])
GRAPH = defs.resolve_asset_graph()


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with instance_for_test() as instance:
        yield instance


def materialized_at(instance: DagsterInstance, key: AssetKey, when: datetime) -> None:
    with freeze_time(when):
        instance.report_runless_asset_event(AssetMaterialization(key))


def freshness(instance: DagsterInstance, key: AssetKey, now: datetime) -> FreshnessState:
    node = GRAPH.get(key)
    evaluator = FRESHNESS_EVALUATORS_BY_POLICY_TYPE[type(node.freshness_policy)]()
    with freeze_time(now):
        return asyncio.run(
            evaluator.evaluate_freshness(context=LoadingContextForTest(instance), node=node)
        )


def test_the_policies_sit_on_the_daily_raw_tables_and_the_morning_marts_only():
    with_policy = {
        key.to_user_string()
        for key in GRAPH.materializable_asset_keys
        if GRAPH.get(key).freshness_policy is not None
    }
    assert {"raw/orders", "raw/items"} <= with_policy
    # Every daily landing table, a team's new one as well, and the marts read each morning.
    landed = {f"raw/{table}" for table in DAILY_TABLES}
    assert with_policy == landed | {"marts/orders", "marts/customers"}


def test_a_landing_table_warns_after_a_day_without_a_load_and_fails_after_30_hours(instance):
    loaded = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    materialized_at(instance, RAW_ORDERS, loaded)
    states = [freshness(instance, RAW_ORDERS, loaded + timedelta(hours=h)) for h in (1, 25, 31)]
    assert states == [FreshnessState.PASS, FreshnessState.WARN, FreshnessState.FAIL]


def test_a_mart_must_be_rebuilt_in_the_24_hours_before_8_each_morning(instance):
    built = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    materialized_at(instance, MARTS_ORDERS, built)
    next_morning = datetime(2026, 1, 11, 8, 30, tzinfo=UTC)
    assert freshness(instance, MARTS_ORDERS, next_morning) == FreshnessState.PASS
    # Not rebuilt since: by 08:00 the morning after, it is a day late.
    assert freshness(instance, MARTS_ORDERS, next_morning + timedelta(days=1)) == (
        FreshnessState.FAIL
    )


def test_an_asset_never_materialized_has_no_freshness_yet(instance):
    assert freshness(instance, RAW_ORDERS, datetime(2026, 1, 10, tzinfo=UTC)) == (
        FreshnessState.UNKNOWN
    )
