"""Exercise 4 is done when a new daily table is declared, has its raw asset (with the landing
tables' checks) and staging model, its delivered files are loaded row for row into raw and
staging, and a mart reads the staging model and has been rebuilt since."""

from __future__ import annotations

import importlib

from workshop.platform_state import STARTING_DAILY_TABLES, PlatformState, require

SUGGESTED = (
    'make daily-table TABLE=refunds COLUMNS="id:string order_id:string '
    'refunded_at:timestamp amount:int64"'
)


def new_daily_tables() -> list[str]:
    tables = importlib.import_module("landing_zone.tables")
    return [name for name in tables.DAILY_TABLES if name not in STARTING_DAILY_TABLES]


def check(platform: PlatformState) -> None:
    tables = new_daily_tables()
    require(tables, f"there is no daily table besides orders and items yet: {SUGGESTED}")
    table = tables[0]
    raw, staging = f"raw/{table}", f"staging/stg_{table}"
    require(
        platform.has_asset(raw),
        f"{table} is declared in landing_zone/tables.py, but the code location has no {raw}: "
        "press Reload definitions in the UI (or restart `make up`).",
    )
    require(
        platform.has_asset(staging),
        f"there is no dbt model stg_{table}: `make daily-table` writes one; after editing dbt "
        "files run `make dbt-manifest` and press Reload definitions.",
    )
    require(
        "volume_anomaly" in platform.checks_on(raw),
        f"{raw} lacks the landing tables' checks: declare the table in landing_zone/tables.py "
        "(make daily-table does), not as a dlt source of its own.",
    )
    days = platform.landing_days(table)
    require(
        days,
        f"no {table} file has been delivered yet: "
        f"`python -m workshop.ex4_daily_table.deliver_refunds` (for refunds), or write "
        f"{table}/YYYY-MM-DD.csv files into the landing zone yourself.",
    )
    require(
        platform.has_table("raw", table),
        f"raw.{table} does not exist yet: with the sensor on, wait for its run (Automation); "
        f"otherwise backfill {raw} and what depends on it for the delivered days.",
    )
    loaded = dict(platform.query(
        f"select _landing_date, count(*) from raw.{table} group by 1"
    ))  # fmt: skip
    quarantined = dict(platform.query(
        f"select _landing_date, count(*) from raw.{table}_quarantine group by 1"
    )) if platform.has_table("raw", f"{table}_quarantine") else {}  # fmt: skip
    short = [
        day for day in days
        if loaded.get(day, 0) + quarantined.get(day, 0) != len(platform.csv_rows(table, day))
    ]  # fmt: skip
    require(
        not short,
        f"raw.{table} does not hold the rows of {len(short)} delivered day(s), first {short[:1]}: "
        f"materialize {raw} for them (a backfill), or let the sensor's run finish.",
    )
    require(
        platform.has_table("staging", f"stg_{table}")
        and platform.query(f"select count(*) from staging.stg_{table}")[0][0]
        == sum(loaded.values()),
        f"staging.stg_{table} does not show raw.{table}'s rows: materialize {staging}.",
    )
    key = platform.asset_key(staging)
    readers = [
        child.to_user_string()
        for child in platform.graph.get(key).child_keys
        if child.path[0] == "marts"
    ]
    require(
        readers,
        f"no mart reads stg_{table} yet: add a column built from it to a mart (say "
        f"`lifetime_refunded` in marts/customers), then `make dbt-manifest` and reload.",
    )
    first_staged = platform.instance.fetch_materializations(key, limit=1, ascending=True).records
    mart = platform.instance.fetch_materializations(platform.asset_key(readers[0]), limit=1).records
    require(
        first_staged and mart and mart[0].timestamp >= first_staged[0].timestamp,
        f"{readers[0]} has not been rebuilt since stg_{table} first was: materialize it.",
    )
