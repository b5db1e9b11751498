"""The Snowflake code paths, run offline against fakesnow, a Snowflake emulator built on DuckDB.

What runs for real: Snowflake's Python connector, dagster-snowflake's resource with its fields
from environment variables (as production builds it), dlt's Snowflake client with the credentials
the warehouse resource hands it, and dbt-snowflake building every model and running every test
of the project with dbt_project/profiles.yml's production target. What is emulated: the server.
fakesnow answers over Snowflake's HTTP protocol, or in-process with `fakesnow.patch`, and runs
the SQL on DuckDB after translating it.

Two things fakesnow cannot do, so they stay untested here (docs/production.md says so too):
dlt loading a table (dlt first reads INFORMATION_SCHEMA.SCHEMATA, which fakesnow lacks), and
Snowflake's session-scoped temporary tables in a named schema, where dbt-snowflake stages an
incremental model's new rows and a unit test's fixtures. For the incremental models the test's
copy of the project stages them in a transient table instead (the replace_window strategy itself
runs unchanged); dbt unit tests, which check SQL logic and not the adapter, are left to the
DuckDB runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import fakesnow
import pyarrow as pa
import pytest
import snowflake.connector
import yaml
from dagster import build_resources

from graduated_platform.defs.resources import production_warehouse
from graduated_platform.partition_metadata import rows_by_day, rows_by_day_sql
from landing_zone.days import DayWindow
from landing_zone.tables import DAILY_TABLES
from tests.conftest import REPO_ROOT
from tests.production_env import PLACEHOLDERS

pytestmark = pytest.mark.slow

DBT = str(Path(sys.executable).with_name("dbt"))
SNOWFLAKE_VARIABLES = {k: v for k, v in PLACEHOLDERS.items() if k.startswith("SNOWFLAKE_")}


@pytest.fixture
def snowflake_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in SNOWFLAKE_VARIABLES.items():
        monkeypatch.setenv(name, value)
    return SNOWFLAKE_VARIABLES


def test_the_warehouse_resource_reads_row_counts_from_snowflake(snowflake_env: dict[str, str]):
    landed = [date(2018, 9, 1)] * 3 + [date(2018, 9, 3)]
    with fakesnow.patch(), build_resources({"warehouse": production_warehouse()}) as resources:
        with snowflake.connector.connect(database=snowflake_env["SNOWFLAKE_DATABASE"]) as db:
            db.cursor().execute("create schema marts")
            db.cursor().execute("create table marts.orders (order_id varchar, landed_on date)")
            db.cursor().executemany(
                "insert into marts.orders values (%s, %s)",
                [(f"o{n}", day.isoformat()) for n, day in enumerate(landed)],
            )
        window = DayWindow(date(2018, 9, 1), date(2018, 9, 4))
        counted = resources.warehouse.query(rows_by_day_sql("marts.orders", "landed_on", window))
        # Every day of the window, zero where nothing landed.
        assert rows_by_day(counted, window) == {"2018-09-01": 3, "2018-09-02": 0, "2018-09-03": 1}
        # The connection used the variables' values, which Dagster resolved at resource init.
        connected = snowflake.connector.connect.call_args.kwargs  # type: ignore[attr-defined]
    assert connected["user"] == snowflake_env["SNOWFLAKE_USER"]
    assert connected["password"] == snowflake_env["SNOWFLAKE_PASSWORD"]
    assert connected["account"] == snowflake_env["SNOWFLAKE_ACCOUNT"]


def test_dlt_connects_with_the_same_variables_and_never_prints_the_password(
    snowflake_env: dict[str, str], tmp_path: Path
):
    with fakesnow.patch(), build_resources({"warehouse": production_warehouse()}) as resources:
        destination = resources.warehouse.dlt_destination()
        pipeline = dlt.pipeline(
            "probe", pipelines_dir=str(tmp_path), destination=destination, dataset_name="raw"
        )
        with pipeline.sql_client() as client:
            assert client.execute_sql("select 41 + 1") == [(42,)]
        connected = snowflake.connector.connect.call_args.kwargs  # type: ignore[attr-defined]
        credentials = destination.configuration(None, accept_partial=True).credentials
    expected = {
        "account": "SNOWFLAKE_ACCOUNT",
        "user": "SNOWFLAKE_USER",
        "password": "SNOWFLAKE_PASSWORD",
        "role": "SNOWFLAKE_ROLE",
        "database": "SNOWFLAKE_DATABASE",
        "warehouse": "SNOWFLAKE_WAREHOUSE",
    }
    assert {field: connected[field] for field in expected} == {
        field: snowflake_env[variable] for field, variable in expected.items()
    }
    assert snowflake_env["SNOWFLAKE_PASSWORD"] not in f"{credentials} {credentials!r}"


# Raw tables as dlt lands them in Snowflake (upper-cased names, `_landing_date` on daily rows),
# holding a small shop written out by hand: two days, three orders, two customers.
RAW_TABLES = {
    "orders": (
        "id varchar, customer varchar, ordered_at timestamp_ntz, store_id varchar, "
        "subtotal bigint, tax_paid bigint, order_total bigint, _landing_date date",
        [
            ("o1", "c1", "2018-09-01 09:00:00", "s1", 1500, 90, 1590, "2018-09-01"),
            ("o2", "c2", "2018-09-01 12:00:00", "s1", 400, 24, 424, "2018-09-01"),
            ("o3", "c1", "2018-09-02 10:00:00", "s1", 1100, 66, 1166, "2018-09-02"),
        ],
    ),
    "items": (
        "id varchar, order_id varchar, sku varchar, _landing_date date",
        [
            ("i1", "o1", "JAF-001", "2018-09-01"),
            ("i2", "o1", "BEV-001", "2018-09-01"),
            ("i3", "o2", "BEV-001", "2018-09-01"),
            ("i4", "o3", "JAF-001", "2018-09-02"),
        ],
    ),
    "customers": (
        "id varchar, name varchar, updated_at timestamp_ntz, deleted_at timestamp_ntz",
        [("c1", "Ann", "2018-08-31 10:00:00", None), ("c2", "Bo", "2018-08-31 11:00:00", None)],
    ),
    "stores": (
        "id varchar, name varchar, opened_at timestamp_ntz, tax_rate double",
        [("s1", "Philadelphia", "2016-09-01 00:00:00", 0.06)],
    ),
    "products": (
        "sku varchar, name varchar, type varchar, description varchar, price bigint",
        [
            ("JAF-001", "nutellaphone", "jaffle", "a jaffle", 1100),
            ("BEV-001", "tea", "beverage", "a tea", 400),
        ],
    ),
    "products__supplies": (
        "id varchar, name varchar, cost bigint, perishable boolean, sku varchar",
        [
            ("SUP-001", "bread", 50, True, "JAF-001"),
            ("SUP-002", "nutella", 80, True, "JAF-001"),
            ("SUP-003", "cup", 10, False, "BEV-001"),
        ],
    ),
}


SNOWFLAKE_TYPES = {
    pa.string(): "varchar",
    pa.int64(): "bigint",
    pa.float64(): "double",
    pa.bool_(): "boolean",
    pa.timestamp("us"): "timestamp_ntz",
    pa.date32(): "date",
}  # the types `make daily-table` offers


def raw_tables() -> dict[str, tuple[str, list[tuple]]]:
    """RAW_TABLES, and every other daily table the platform declares (one added in the
    workshop, say) with no rows, as the landing load creates a table no file has reached."""
    declared = {
        table: (
            ", ".join(f"{f.name} {SNOWFLAKE_TYPES[f.type]}" for f in schema)
            + ", _landing_date date",
            [],
        )
        for table, schema in DAILY_TABLES.items()
        if table not in RAW_TABLES
    }
    return {**RAW_TABLES, **declared}


def expected_marts() -> tuple[Counter[str], dict[str, Decimal], dict[str, Decimal]]:
    """Orders per day, each order's supply cost and each customer's spend, from the rows above."""
    _, orders = RAW_TABLES["orders"]
    _, items = RAW_TABLES["items"]
    _, supplies = RAW_TABLES["products__supplies"]
    supply_cents: Counter[str] = Counter()
    for _, _, cost, _, sku in supplies:
        supply_cents[sku] += cost
    order_cost: defaultdict[str, Decimal] = defaultdict(Decimal)
    for _, order_id, sku, _ in items:
        order_cost[order_id] += Decimal(supply_cents[sku]) / 100
    spend: defaultdict[str, Decimal] = defaultdict(Decimal)
    for order in orders:
        spend[order[1]] += Decimal(order[6]) / 100
    return Counter(order[7] for order in orders), dict(order_cost), dict(spend)


@pytest.fixture
def fakesnow_server() -> Iterator[dict[str, Any]]:
    with fakesnow.server() as connection_kwargs:
        yield connection_kwargs


def dbt_on_fakesnow(tmp_path: Path, server: dict[str, Any]) -> tuple[Path, Path, dict[str, str]]:
    """A copy of the dbt project, and the production profile aimed at the emulator."""
    project = tmp_path / "dbt_project"
    shutil.copytree(
        REPO_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs")
    )
    # fakesnow cannot create Snowflake's temporary tables in a named schema: see the docstring.
    project_yml = yaml.safe_load((project / "dbt_project.yml").read_text())
    project_yml["models"]["jaffle_shop"]["marts"]["+tmp_relation_type"] = "transient"
    (project / "dbt_project.yml").write_text(yaml.safe_dump(project_yml))

    profiles = yaml.safe_load((REPO_ROOT / "dbt_project" / "profiles.yml").read_text())
    production = profiles["jaffle_shop"]["outputs"]["production"]
    # Only the emulator's address is added; every other field is the production target's own.
    production.update(host=server["host"], port=server["port"], protocol=server["protocol"])
    profiles_dir = tmp_path / "profiles"
    profiles_dir.mkdir()
    (profiles_dir / "profiles.yml").write_text(yaml.safe_dump(profiles))
    env = {**SNOWFLAKE_VARIABLES, "SNOWFLAKE_DATABASE": "ANALYTICS"}
    return project, profiles_dir, env


def test_the_models_and_their_tests_build_on_snowflake_and_replace_their_window(
    fakesnow_server: dict[str, Any], tmp_path: Path
):
    connect = {**fakesnow_server, "database": "ANALYTICS"}
    with snowflake.connector.connect(**connect) as db:
        db.cursor().execute("create schema raw")
        for table, (columns, rows) in raw_tables().items():
            db.cursor().execute(f"create table raw.{table} ({columns})")
            if rows:
                placeholders = ", ".join(["%s"] * len(rows[0]))
                db.cursor().executemany(f"insert into raw.{table} values ({placeholders})", rows)

    project, profiles_dir, snowflake_env = dbt_on_fakesnow(tmp_path, fakesnow_server)

    def dbt_build(start: str, end: str, *select: str) -> None:
        command = [
            DBT, "build", "--target", "production", "--profiles-dir", str(profiles_dir),
            "--project-dir", str(project), "--event-time-start", start, "--event-time-end", end,
            "--exclude-resource-type", "unit_test",  # see the module's docstring
            *(["--select", *select] if select else []),
        ]  # fmt: skip
        env = {**os.environ, **snowflake_env}
        built = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        assert built.returncode == 0, built.stdout[-6000:]

    # Everything for the first day (the incremental models' first run creates their tables),
    # then the facts and what depends on them for both days: the first again, the second new.
    dbt_build("2018-09-01", "2018-09-02")
    dbt_build("2018-09-01", "2018-09-03", "order_items+")

    # On Snowflake the strategy's delete and insert run as one transaction (dispatched macro
    # snowflake__replace_window_sql), so a reader never sees the window's days missing.
    log = (project / "logs" / "dbt.log").read_text()
    for model in ("orders", "order_items"):
        statements = re.findall(rf"On model\.jaffle_shop\.{model}: (\w+)", log)
        assert_contains_run(statements, ["BEGIN", "delete", "insert", "commit"])

    orders_per_day, order_cost, spend = expected_marts()
    with snowflake.connector.connect(**connect) as db:
        cursor = db.cursor()
        cursor.execute("select landed_on, count(*) from marts.orders group by 1")
        assert {day.isoformat(): n for day, n in cursor.fetchall()} == orders_per_day
        cursor.execute("select count(*), count(distinct order_id) from marts.orders")
        assert cursor.fetchone() == (3, 3)  # the repeated day was replaced, not added again
        cursor.execute("select order_id, order_cost from marts.orders")
        assert cents(cursor.fetchall()) == order_cost
        cursor.execute("select customer_id, lifetime_spend from marts.customers")
        assert cents(cursor.fetchall()) == spend


def assert_contains_run(items: list[str], run: list[str]) -> None:
    starts = range(len(items) - len(run) + 1)
    assert any(items[i : i + len(run)] == run for i in starts), items


def cents(rows: list[tuple[Any, ...]]) -> dict[str, Decimal]:
    # fakesnow returns DuckDB's sums of decimals as floats, where Snowflake returns decimals.
    return {key: Decimal(str(value)).quantize(Decimal("0.01")) for key, value in rows}
