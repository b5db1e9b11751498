"""Volume anomaly: did each day of the run bring about as many rows as the days before it?

A file that arrives half-written, an export that skipped a store, a header-only file (the shop
says the day had no rows: the load empties the day and warns), a day's first file whose every
row was quarantined: each loads without an error and leaves a day with far fewer rows than
usual. For each day of the run, this check takes the median of the same table's rows per day
over the `TRAILING_DAYS` before it (days without rows left out: they are not usual days) and
fails when the day falls outside `LOWEST`..`HIGHEST` times that median. The band is wide on
purpose: the shop's days swing (weekends bring about 30% more orders). A day with fewer than
`MIN_HISTORY` earlier days to compare with passes, and says so.

It is blocking: a day that fails it does not reach the dbt models in the same run. It is a
Python check because it compares a day with other days' partitions, which a dbt test, limited
to the run's own days (macros/test_window.sql), does not see.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

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
from graduated_platform.partition_metadata import rows_by_day_sql
from graduated_platform.translators import raw_table_asset_key
from graduated_platform.warehouse import Warehouse
from landing_zone.days import DayWindow
from landing_zone.tables import DAILY_TABLES

TRAILING_DAYS = 7
MIN_HISTORY = 3
LOWEST, HIGHEST = 0.5, 2.0


@dataclass(frozen=True)
class DayVolume:
    """One day's row count, and the counts of the earlier days it is compared with."""

    day: date
    rows: int
    history: tuple[int, ...]

    @property
    def usual(self) -> float | None:
        return median(self.history) if len(self.history) >= MIN_HISTORY else None

    @property
    def anomalous(self) -> bool:
        usual = self.usual
        return usual is not None and not LOWEST * usual <= self.rows <= HIGHEST * usual

    def describe(self) -> str:
        if self.usual is None:
            return (
                f"{self.day}: {self.rows} rows, not judged: fewer than {MIN_HISTORY} earlier "
                f"days with rows in the {TRAILING_DAYS} before it"
            )
        return (
            f"{self.day}: {self.rows} rows, {self.rows / self.usual:.0%} of the median "
            f"{self.usual:g} of the {len(self.history)} days before it"
        )


def day_volumes(counts: Mapping[date, int], window: DayWindow) -> list[DayVolume]:
    """Each day of `window` with its count and its history, from counts per day."""
    volumes = []
    for offset in range((window.end - window.start).days):
        day = window.start + timedelta(days=offset)
        earlier = (day - timedelta(days=back) for back in range(1, TRAILING_DAYS + 1))
        history = tuple(counts[d] for d in earlier if counts.get(d, 0) > 0)
        volumes.append(DayVolume(day, counts.get(day, 0), history))
    return volumes


def volume_result(volumes: list[DayVolume]) -> tuple[bool, str, dict]:
    anomalous = [v for v in volumes if v.anomalous]
    shown = anomalous or volumes
    description = (
        f"Rows per day outside {LOWEST:g}x-{HIGHEST:g}x the usual: "
        if anomalous
        else "Rows per day as usual: "
    ) + "; ".join(v.describe() for v in shown)
    metadata = {
        "rows_by_day": MetadataValue.json({str(v.day): v.rows for v in volumes}),
        "usual_rows_by_day": MetadataValue.json({str(v.day): v.usual for v in volumes}),
        "anomalous_days": MetadataValue.json([str(v.day) for v in anomalous]),
    }
    return not anomalous, description, metadata


def counts_by_day(warehouse: Warehouse, table: str, window: DayWindow) -> dict[date, int]:
    history = DayWindow(window.start - timedelta(days=TRAILING_DAYS), window.end)
    return dict(warehouse.query(rows_by_day_sql(table, "_landing_date", history)))


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            "volume_anomaly",
            asset=raw_table_asset_key(table),
            blocking=True,
            description=(
                f"Each day's rows are within {LOWEST:g}x-{HIGHEST:g}x the median of the "
                f"{TRAILING_DAYS} days before it. Blocking."
            ),
        )
        for table in DAILY_TABLES
    ],
    can_subset=True,
    # It reads the warehouse file, which a writer in another run would hold locked.
    pool=settings.WAREHOUSE_POOL,
)
def volume_anomaly(
    context: AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[AssetCheckResult]:
    for key in context.selected_asset_check_keys:
        table = f"{settings.RAW_DATASET}.{key.asset_key.path[-1]}"
        window = checked_days(context, warehouse, table)
        if window is None:
            yield AssetCheckResult(
                check_name=key.name, asset_key=key.asset_key, passed=True,
                description="No rows loaded yet.",
            )  # fmt: skip
            continue
        passed, description, metadata = volume_result(
            day_volumes(counts_by_day(warehouse, table, window), window)
        )
        yield AssetCheckResult(
            check_name=key.name,
            asset_key=key.asset_key,
            passed=passed,
            severity=AssetCheckSeverity.ERROR,
            description=description,
            metadata=metadata,
        )
