"""Quarantined rows: did the run's files hold rows that could not be loaded?

The landing zone sets aside every row whose form is wrong (a missing column, an empty value, a
value that is not a number) in `raw.<table>_quarantine`, with the reason and the file (see
ingestion/validation.py and ingestion/quarantine.py). This check puts them in front of people,
on the raw table's asset: how many per day, the reasons, and a sample of the rows.

A few rejected rows warn: the rest of the day loads and flows on, and someone corrects or
replays the few. When more than `MAX_SHARE` of a day's rows are rejected, the file itself is
broken, and the marts would show a day with most of its orders missing: the check then fails
with ERROR severity, which blocks the day's dbt models in the same run.
"""

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    MetadataValue,
    multi_asset_check,
)

from graduated_platform import settings
from graduated_platform.checks.checked_days import checked_days
from graduated_platform.checks.evidence import rows_metadata, sample_sql
from graduated_platform.partition_metadata import rows_by_day_sql
from graduated_platform.translators import raw_table_asset_key
from graduated_platform.warehouse import Warehouse
from ingestion.quarantine import quarantine_table
from landing_zone.tables import DAILY_TABLES

MAX_SHARE = 0.05


def quarantined_result(
    loaded: dict[date, int], rejected: dict[date, Counter[str]]
) -> tuple[bool, AssetCheckSeverity, str]:
    """Passed, severity and description from rows loaded and rows rejected (by reason) per day."""
    if not rejected:
        return True, AssetCheckSeverity.WARN, "No rows quarantined."
    lines, broken = [], False
    for day in sorted(rejected):
        count = sum(rejected[day].values())
        received = count + loaded.get(day, 0)
        broken = broken or count > MAX_SHARE * received
        reasons = ", ".join(f"{reason} ({n})" for reason, n in rejected[day].most_common(3))
        lines.append(f"{day}: {count} of {received} rows quarantined: {reasons}")
    severity = AssetCheckSeverity.ERROR if broken else AssetCheckSeverity.WARN
    verdict = (
        f"More than {MAX_SHARE:.0%} of a day's rows rejected: blocking. "
        if broken
        else "A few rows held back; the rest of each day loaded. "
    )
    return False, severity, verdict + "; ".join(lines)


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            "quarantined_rows",
            asset=raw_table_asset_key(table),
            blocking=True,
            description=(
                f"No row of the run's files was quarantined. Warns for a few; blocks when "
                f"more than {MAX_SHARE:.0%} of a day's rows were."
            ),
        )
        for table in DAILY_TABLES
    ],
    can_subset=True,
    # It reads the warehouse file, which a writer in another run would hold locked.
    pool=settings.WAREHOUSE_POOL,
)
def quarantined_rows(
    context: AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[AssetCheckResult]:
    for key in context.selected_asset_check_keys:
        name = key.asset_key.path[-1]
        table = f"{settings.RAW_DATASET}.{name}"
        quarantine = f"{settings.RAW_DATASET}.{quarantine_table(name)}"
        window = checked_days(context, warehouse, table)
        if window is None:
            yield AssetCheckResult(
                check_name=key.name, asset_key=key.asset_key, passed=True,
                description="No rows loaded yet.",
            )  # fmt: skip
            continue
        loaded = dict(warehouse.query(rows_by_day_sql(table, "_landing_date", window)))
        rejected: dict[date, Counter[str]] = defaultdict(Counter)
        for day, reason, count in warehouse.query(
            f"select _landing_date, _reason, count(*) from {quarantine} "
            f"where {window.sql_condition('_landing_date')} group by 1, 2"
        ):
            rejected[day][reason] = count
        passed, severity, description = quarantined_result(loaded, rejected)
        metadata = {
            "rows_quarantined": MetadataValue.int(sum(sum(c.values()) for c in rejected.values())),
            "quarantined_by_day": MetadataValue.json(
                {str(day): sum(reasons.values()) for day, reasons in sorted(rejected.items())}
            ),
        }
        if not passed:
            sql = (
                f"select * from {quarantine} where {window.sql_condition('_landing_date')} "
                "order by _landing_date, _source_file, _row_number"
            )
            metadata.update(rows_metadata(*warehouse.query_with_columns(sample_sql(sql)), sql))
        yield AssetCheckResult(
            check_name=key.name,
            asset_key=key.asset_key,
            passed=passed,
            severity=severity,
            description=description,
            metadata=metadata,
        )
