"""One daily partitioning, defined once, and windows that reach dbt without a re-parse."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date
from pathlib import Path

import duckdb
import pytest

from graduated_platform.definitions import defs
from graduated_platform.defs.dbt import dbt_build_args
from graduated_platform.partitions import FIRST_DAY, daily_partitions
from landing_zone.days import DayWindow
from tests.conftest import REPO_ROOT

DBT = str(Path(sys.executable).with_name("dbt"))


def test_dbt_gets_the_window_as_event_time_flags_and_no_flags_without_one():
    window = DayWindow(date(2018, 9, 1), date(2018, 9, 4))
    assert dbt_build_args(window) == [
        "build", "--event-time-start", "2018-09-01", "--event-time-end", "2018-09-04",
    ]  # fmt: skip
    assert dbt_build_args(None) == ["build"]


def test_every_partitioned_asset_shares_the_one_daily_partitioning():
    graph = defs.resolve_asset_graph()
    partitioned = {
        key.to_user_string(): graph.get(key).partitions_def
        for key in graph.materializable_asset_keys
        if graph.get(key).partitions_def is not None
    }
    assert {
        "raw/orders", "raw/items", "staging/stg_orders", "staging/stg_order_items",
        "marts/orders", "marts/order_items",
    } <= set(partitioned)  # fmt: skip
    # The rule, for what a team adds as well: the daily tag and the partitions go together.
    daily = {
        key.to_user_string()
        for key in graph.materializable_asset_keys
        if "daily" in graph.get(key).tags
    }
    assert set(partitioned) == daily
    assert all(p == daily_partitions for p in partitioned.values())


def test_partitions_start_on_the_first_day_the_setup_generates():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert re.search(rf"^START \?= {FIRST_DAY}$", makefile, flags=re.MULTILINE)
    assert daily_partitions.get_first_partition_key() == FIRST_DAY


@pytest.mark.slow
def test_a_new_window_does_not_make_dbt_reparse_the_project(tmp_path: Path):
    # What partial parsing keeps across two runs with different windows. `--vars` would log
    # "Unable to do partial parsing because config vars ... have changed" on the second run.
    target = tmp_path / "target"
    env = {**os.environ, "WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb")}
    dbt_dir = REPO_ROOT / "dbt_project"

    def dbt(*args: str) -> str:
        result = subprocess.run(
            [DBT, *args, "--target-path", str(target)],
            cwd=dbt_dir, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return result.stdout

    with duckdb.connect(env["WAREHOUSE_PATH"]) as db:
        db.execute(
            "create schema raw; create table raw.customers "
            "(id varchar, name varchar, updated_at timestamp, deleted_at timestamp)"
        )
    dbt("parse")
    logs = [
        dbt(
            "run", "--select", "stg_customers", "--event-time-start", start, "--event-time-end", end
        )
        for start, end in (("2018-09-01", "2018-09-02"), ("2018-10-01", "2018-10-05"))
    ]
    for log in logs:
        assert "Unable to do partial parsing" not in log, log
    shutil.rmtree(target)


def test_the_daily_schedule_asks_for_the_day_that_has_just_ended():
    from datetime import datetime

    import dagster as dg

    daily_refresh = defs.resolve_schedule_def("daily_refresh")
    tick = dg.build_schedule_context(scheduled_execution_time=datetime(2018, 9, 5, 6, tzinfo=UTC))
    requests = daily_refresh.evaluate_tick(tick).run_requests or []
    assert [request.partition_key for request in requests] == ["2018-09-04"]
