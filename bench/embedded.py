"""The platform before it graduated: the same sources and dbt project, run by a plain script.

This is embedded orchestration, where a team starts: one Python process loads the three dlt
sources into the warehouse, then builds the dbt project through dbt's own Python entry point
(`dbtRunner`), and cron runs it once a day for the day before:

    0 6 * * *  cd /repo && .venv/bin/python bench/embedded.py --data-dir data \\
                   --start "$(date -d yesterday +%F)" --end "$(date -d yesterday +%F)"

No Dagster at all (the script checks, before it exits, that nothing imported it): no asset
graph or lineage, no record of which days were loaded, no sensor, no pool for DuckDB's one
writer, no retries, and none of the platform's Python checks (volume anomaly, quarantined rows,
schema changes); dbt's tests do run. A failure is the exit code cron mails. The README's first
section says when that stops being enough.

It is also the benchmarks' embedded baseline (bench/one_day.py, bench/backfill.py), so it does
the work the platform's run does, configured alike: the pipelines as the ingestion assets
build theirs (graduated_platform/defs/ingestion.py: destination, dataset, a fresh working folder
per run, parquet for the landing zone and the shop database, the run's days only) and `dbt
build` with the event-time window the dbt step passes (defs/dbt.py, `dbt_build_args`).

    python bench/embedded.py --data-dir DIR --start YYYY-MM-DD --end YYYY-MM-DD

`--end` is the last day loaded, as in `dg launch --partition-range START...END`. The script
prints how long each step took.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import dlt
import duckdb
from dbt.cli.main import dbtRunner
from dbt.contracts.results import RunExecutionResult
from dlt.common.configuration.specs import AwsCredentials
from dlt.extract import DltSource

from ingestion.contracts import explained_violations
from ingestion.landing_zone import LandingReport, landing_zone
from ingestion.product_catalog import product_catalog
from ingestion.shop_db import shop_db
from landing_zone.days import DayWindow
from landing_zone.tables import DAILY_TABLES

# What the script prints its timings under; bench/common.py (EMBEDDED_TIMINGS) reads what follows.
TIMINGS_HEADER = "embedded timings"


def load(
    name: str,
    source: DltSource,
    settings: ModuleType,
    label: str,
    **run_options: Any,
) -> None:
    """Run the dlt pipeline `name` into the warehouse's raw dataset. Like the platform's assets,
    each run gets a working folder of its own, removed afterwards: dlt restores the pipeline's
    state from the warehouse, and a crashed run leaves no half-done package to the next."""
    settings.DLT_PIPELINES_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{name}-", dir=settings.DLT_PIPELINES_DIR) as folder:
        pipeline = dlt.pipeline(
            pipeline_name=name,
            pipelines_dir=folder,
            destination=dlt.destinations.duckdb(str(settings.WAREHOUSE_PATH)),
            dataset_name=settings.RAW_DATASET,
        )
        with explained_violations(label):
            pipeline.run(source, **run_options).raise_on_failed_jobs()


def rows_landed(warehouse: Path, dataset: str, window: DayWindow) -> dict[str, dict[date, int]]:
    """Rows per daily table and day of the window already in the warehouse. They only word the
    load's warnings ("2018-09-05 keeps its 135 rows"), as in the platform."""
    landed: dict[str, dict[date, int]] = {table: {} for table in DAILY_TABLES}
    if not warehouse.exists():
        return landed
    with duckdb.connect(str(warehouse), read_only=True) as db:
        for table in DAILY_TABLES:
            try:
                rows = db.execute(
                    f"select cast(_landing_date as date), count(*) from {dataset}.{table} "
                    f"where {window.sql_condition('_landing_date')} group by 1"
                ).fetchall()
            except duckdb.CatalogException:  # the table's first load
                rows = []
            landed[table] = dict(rows)
    return landed


def bucket_credentials(url: str, endpoint: str | None) -> AwsCredentials | None:
    """For a bucket, its endpoint (S3-compatible stores); boto3's chain supplies the keys."""
    return AwsCredentials(endpoint_url=endpoint) if url.startswith("s3://") else None


def build_models(window: DayWindow, settings: ModuleType, artifacts: Path) -> None:
    """`dbt build` over the window's days, in this process: the models, each followed by its
    tests. The artifacts (manifest, partial-parse cache, logs) stay beside the warehouse they
    describe, so the next day's run re-parses only what changed."""
    project = str(settings.DBT_PROJECT_DIR)
    result = dbtRunner().invoke(
        [
            "build",
            "--event-time-start", window.start.isoformat(),
            "--event-time-end", window.end.isoformat(),
            "--project-dir", project,
            "--profiles-dir", project,
            "--target", settings.DBT_TARGET,
            "--target-path", str(artifacts),
            "--log-path", str(artifacts),
        ]
    )  # fmt: skip
    if result.exception is not None:
        raise result.exception
    if not result.success:
        results = result.result.results if isinstance(result.result, RunExecutionResult) else []
        failed = [r.node.name for r in results if r.status in ("error", "fail")]
        raise SystemExit(f"dbt build failed: {', '.join(failed) or 'see the log above'}")


@contextmanager
def timed(step: str, timings: dict[str, float]) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[step] = time.perf_counter() - started


def run(window: DayWindow, settings: ModuleType) -> dict[str, float]:
    """Load the window's landing files and the reference data, then build; seconds per step."""
    if settings.PRODUCTION:
        raise SystemExit("bench/embedded.py runs the local setup only (DuckDB); unset PLATFORM_ENV")
    timings: dict[str, float] = {}
    with timed("load landing_zone", timings):
        # The warnings go to the log (logger `ingestion`); a report quotes the rows already
        # landed in them.
        report = LandingReport(
            landed=rows_landed(settings.WAREHOUSE_PATH, settings.RAW_DATASET, window)
        )
        source = landing_zone(
            settings.LANDING_ZONE_URL,
            days=window,
            credentials=bucket_credentials(settings.LANDING_ZONE_URL, settings.S3_ENDPOINT_URL),
            report=report,
        )
        # Arrow tables go to parquet load files untouched: the fast path.
        load("landing_zone", source, settings, "landing zone", loader_file_format="parquet")
    with timed("load shop_db", timings):
        # Locally the SQLite file under the data folder.
        load("shop_db", shop_db(settings.SHOP_DB_URL), settings, "shop database",
             loader_file_format="parquet")  # fmt: skip
    with timed("load product_catalog", timings):
        # Nested JSON: dlt's normaliser unnests supplies into a child table.
        source = product_catalog(
            settings.PRODUCT_CATALOG_URL,
            credentials=bucket_credentials(settings.PRODUCT_CATALOG_URL, settings.S3_ENDPOINT_URL),
        )
        load("product_catalog", source, settings, "product catalogue")
    with timed("dbt build", timings):
        build_models(window, settings, settings.DATA_DIR / "dbt")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="as PLATFORM_DATA_DIR")
    parser.add_argument("--start", type=date.fromisoformat, required=True, help="first day")
    parser.add_argument("--end", type=date.fromisoformat, required=True, help="last day")
    args = parser.parse_args()
    if args.end < args.start:
        parser.error(f"--end {args.end} is before --start {args.start}")

    # The platform's settings say where everything is; they read the environment once, when
    # first imported, so the data folder is set before. settings imports no Dagster.
    os.environ["PLATFORM_DATA_DIR"] = str(args.data_dir)
    from graduated_platform import settings

    window = DayWindow(args.start, args.end + timedelta(days=1))
    timings = run(window, settings)

    days = len(window.days())
    print(f"{TIMINGS_HEADER} ({args.start} to {args.end}, {days} day{'s' * (days > 1)}):")
    for step, seconds in timings.items():
        print(f"{'    ' + step:<58}{seconds:>8.2f} s")
    print(f"{'    total':<58}{sum(timings.values()):>8.2f} s")
    # The point of the example: none of it needed the orchestrator.
    if "dagster" in sys.modules:
        raise RuntimeError("bench/embedded.py imported dagster, which the baseline must not")


if __name__ == "__main__":
    main()
