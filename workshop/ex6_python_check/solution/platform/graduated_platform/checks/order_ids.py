"""Order ids: is every order of the run's days delivered once, on one day only?

dbt's `unique` test on stg_orders looks at the run's days only (macros/test_window.sql), so an
order the shop sends again on a later day passes it, and would count twice in the marts. This
check compares the run's days with every day in raw.orders. It is blocking: a day with a repeated
order does not reach the dbt models in the same run. It runs on raw/orders, before dbt, so the
day is stopped at the first layer that can tell.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from graduated_platform import settings
from graduated_platform.checks.checked_days import checked_days
from graduated_platform.translators import raw_table_asset_key
from graduated_platform.warehouse import Warehouse

SAMPLE = 10


def repeated_ids_sql(table: str, start: str, end: str) -> str:
    """Order ids of the days start..end (end excluded) that occur more than once in the table."""
    return f"""
        select id, count(*) as copies, string_agg(distinct cast(_landing_date as varchar), ', ')
        from {table}
        where id in (
            select id from {table} where _landing_date >= '{start}' and _landing_date < '{end}'
        )
        group by id
        having count(*) > 1
        order by id
    """


@asset_check(
    asset=raw_table_asset_key("orders"),
    blocking=True,
    # It reads the warehouse file, which a writer in another run would hold locked.
    pool=settings.WAREHOUSE_POOL,
    description="Every order id of the run's days occurs once in raw.orders, on one day. Blocking.",
)
def order_ids_delivered_once(
    context: AssetCheckExecutionContext, warehouse: Warehouse
) -> AssetCheckResult:
    table = f"{settings.RAW_DATASET}.orders"
    window = checked_days(context, warehouse, table)
    if window is None:
        return AssetCheckResult(passed=True, description="No rows loaded yet.")
    repeated = warehouse.query(
        repeated_ids_sql(table, window.start.isoformat(), window.end.isoformat())
    )
    return AssetCheckResult(
        passed=not repeated,
        severity=AssetCheckSeverity.ERROR,
        description=(
            f"{len(repeated)} order id(s) of {window.start}..{window.end} delivered more than once"
            if repeated
            else f"Every order of {window.start}..{window.end} delivered once."
        ),
        metadata={
            "repeated_ids": len(repeated),
            "failing_rows_sample": MetadataValue.json(
                [{"id": i, "copies": n, "days": days} for i, n, days in repeated[:SAMPLE]]
            ),
        },
    )
