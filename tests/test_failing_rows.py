"""A failed dbt test's check result gets a sample of its failing rows, from DuckDB or Snowflake.

The end-to-end runs (test_quality.py) show it on real dbt tests; this pins down the parts: which
tests get a sample, what it holds, and that a sample that cannot be read never hides the result.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import fakesnow
import pytest
import snowflake.connector
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, build_resources

from graduated_platform.checks.failing_rows import failing_test_queries, with_failing_rows
from graduated_platform.defs.resources import production_warehouse
from graduated_platform.warehouse import DuckDBWarehouse
from tests.production_env import PLACEHOLDERS

RUN_RESULTS = {
    "results": [
        {"unique_id": "test.shop.amounts", "status": "fail",
         "compiled_code": "select * from shop.orders\nwhere total < 0 -- never negative"},
        {"unique_id": "test.shop.keys", "status": "pass", "compiled_code": "select 1"},
        {"unique_id": "test.shop.broken", "status": "warn",
         "compiled_code": "select * from shop.nowhere"},
        {"unique_id": "model.shop.orders", "status": "success", "compiled_code": "select 1"},
    ]
}  # fmt: skip


def result(unique_id: str, passed: bool) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=AssetKey(["shop", "orders"]),
        check_name=unique_id.rsplit(".", 1)[-1],
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        metadata={"unique_id": unique_id, "dagster_dbt/failed_row_count": 0 if passed else 2},
    )


def test_only_failed_and_warning_tests_are_queried_again():
    assert set(failing_test_queries(RUN_RESULTS)) == {"test.shop.amounts", "test.shop.broken"}


def test_a_failed_test_gets_its_failing_rows_and_others_are_untouched(tmp_path: Path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as db:
        db.execute("create schema shop")
        db.execute("create table shop.orders (id integer, total integer)")
        db.execute("insert into shop.orders values (1, 10), (2, -5), (3, -7)")
    queries = failing_test_queries(RUN_RESULTS)
    events = [result("test.shop.amounts", False), result("test.shop.keys", True), "other event"]

    failed, passed, other = with_failing_rows(events, queries, DuckDBWarehouse(path=str(path)))

    sample = failed.metadata["failing_rows_sample"].value
    assert [record.data for record in sample.records] == [
        {"id": 2, "total": -5},
        {"id": 3, "total": -7},
    ]
    assert "where total < 0" in failed.metadata["failing_rows_sql"].value
    assert failed.metadata["dagster_dbt/failed_row_count"].value == 2  # dagster-dbt's own count
    assert (passed, other) == (events[1], events[2])


def test_a_sample_that_cannot_be_read_is_reported_instead_of_failing_the_step(tmp_path: Path):
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    (event,) = with_failing_rows(
        [result("test.shop.broken", False)],
        failing_test_queries(RUN_RESULTS),
        DuckDBWarehouse(path=str(path)),
    )
    assert not event.passed
    assert "nowhere" in event.metadata["failing_rows_error"].value


def test_snowflake_gives_the_same_sample_through_its_warehouse_resource(
    monkeypatch: pytest.MonkeyPatch,
):
    # Snowflake itself cannot run here: fakesnow answers for it (see test_production_snowflake).
    for name, value in PLACEHOLDERS.items():
        if name.startswith("SNOWFLAKE_"):
            monkeypatch.setenv(name, value)
    with fakesnow.patch(), build_resources({"warehouse": production_warehouse()}) as resources:
        with snowflake.connector.connect(database=PLACEHOLDERS["SNOWFLAKE_DATABASE"]) as db:
            db.cursor().execute("create schema shop")
            db.cursor().execute("create table shop.orders (id integer, total integer)")
            db.cursor().execute("insert into shop.orders values (1, 10), (2, -5), (3, -7)")
        (event,) = with_failing_rows(
            [result("test.shop.amounts", False)],
            failing_test_queries(RUN_RESULTS),
            resources.warehouse,
        )
    records = event.metadata["failing_rows_sample"].value.records
    # Snowflake names unquoted columns in upper case.
    assert [{k.lower(): v for k, v in r.data.items()} for r in records] == [
        {"id": 2, "total": -5},
        {"id": 3, "total": -7},
    ]
