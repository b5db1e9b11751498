"""The dlt sources as Dagster assets: one multi-asset per source, one asset per raw table.

Every load joins a pool, so it queues behind any other step writing the warehouse (DuckDB has
one writer) instead of failing on the file lock. Every run gets its own dlt working folder: two
runs (say, two partitions) sharing one would drop each other's load packages.

The pipelines given to `@dlt_assets` only name the destination's type, which becomes the assets'
kind; a run builds its own pipeline from the `warehouse` resource, whose credentials Dagster
reads from the environment when the run starts.

Each load's retry policy follows where its source is (retry_policies.py): a bucket or a database
server retries transient errors; a local folder or file has none. Either way a deterministic
failure (a file that is not CSV text, a broken contract) fails at once with the explained
message (step_failures.py).
"""

import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import dlt
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
    Definitions,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    RetryPolicy,
    multi_asset,
)
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, build_dlt_asset_specs
from dlt.common.configuration.specs import AwsCredentials
from dlt.common.destination import TDestinationReferenceArg
from dlt.extract import DltSource

from graduated_platform import retry_policies, settings
from graduated_platform.checks.freshness import with_freshness_policies
from graduated_platform.checks.schema_changes import schema_change_checks
from graduated_platform.partition_metadata import partition_metadata, rows_by_day, rows_by_day_sql
from graduated_platform.partitions import daily_partitions, day_window
from graduated_platform.step_failures import fail_fast_unless_transient
from graduated_platform.translators import DAILY_TAG, INGESTION_GROUP, RawTableTranslator
from graduated_platform.warehouse import Warehouse
from ingestion.contracts import explained_violations
from ingestion.landing_zone import FileReport, LandingReport, Outcome, landing_zone
from ingestion.product_catalog import product_catalog
from ingestion.quarantine import quarantine_table
from ingestion.shop_db import shop_db
from landing_zone.days import DayWindow
from landing_zone.tables import DAILY_TABLES

# Reference data is unpartitioned; a single-run policy still lets a partition range that
# includes it (`dg launch --partition-range`) run as one run.
ONE_RUN = BackfillPolicy.single_run()


def dlt_assets(
    *,
    dlt_source: DltSource,
    dlt_pipeline: dlt.Pipeline,
    dagster_dlt_translator: DagsterDltTranslator,
    retry_policy: RetryPolicy | None,
    backfill_policy: BackfillPolicy,
    pool: str,
    partitions_def: PartitionsDefinition | None = None,
) -> Callable[[Callable[..., Any]], AssetsDefinition]:
    """dagster-dlt's `@dlt_assets`, which takes no retry policy: the same multi-asset over the
    same specs, with one, and with the policy in words on each asset for the UI."""
    why_none = retry_policies.WHY_NONE_LOCAL
    specs = [
        spec.merge_attributes(metadata=retry_policies.described(retry_policy, why_none))
        for spec in build_dlt_asset_specs(
            dlt_source=dlt_source,
            dlt_pipeline=dlt_pipeline,
            dagster_dlt_translator=dagster_dlt_translator,
        )
    ]
    return multi_asset(
        specs=specs,
        can_subset=True,
        partitions_def=partitions_def,
        backfill_policy=backfill_policy,
        pool=pool,
        retry_policy=retry_policy,
    )


LANDING_ZONE_RETRIES = retry_policies.ingestion_policy(
    settings.is_remote(settings.LANDING_ZONE_URL)
)
SHOP_DB_RETRIES = retry_policies.ingestion_policy(settings.is_remote(settings.SHOP_DB_URL))
CATALOG_RETRIES = retry_policies.ingestion_policy(settings.is_remote(settings.PRODUCT_CATALOG_URL))


def raw_pipeline(
    name: str,
    destination: TDestinationReferenceArg = settings.WAREHOUSE,
    pipelines_dir: Path = settings.DLT_PIPELINES_DIR,
) -> dlt.Pipeline:
    """A dlt pipeline that loads into the warehouse's raw dataset."""
    return dlt.pipeline(
        pipeline_name=name,
        pipelines_dir=str(pipelines_dir),
        destination=destination,
        dataset_name=settings.RAW_DATASET,
    )


@contextmanager
def run_pipeline(name: str, warehouse: Warehouse) -> Iterator[dlt.Pipeline]:
    """The pipeline `name` into `warehouse`, with a working folder of its own, removed when the
    run ends."""
    warehouse.retry_later_if_locked()
    settings.DLT_PIPELINES_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{name}-", dir=settings.DLT_PIPELINES_DIR) as folder:
        yield raw_pipeline(name, warehouse.dlt_destination(), Path(folder))


def bucket_credentials(url: str) -> AwsCredentials | None:
    """For a bucket: its endpoint (S3-compatible stores). boto3's chain supplies the keys."""
    if url.startswith("s3://"):
        return AwsCredentials(endpoint_url=settings.S3_ENDPOINT_URL)
    return None


def landed_rows_by_day(pipeline: dlt.Pipeline, table: str, window: DayWindow) -> dict[str, int]:
    with pipeline.sql_client() as client:
        sql = rows_by_day_sql(client.make_qualified_table_name(table), "_landing_date", window)
        return rows_by_day(client.execute_sql(sql) or [], window)


def rows_before_load(warehouse: Warehouse, window: DayWindow) -> dict[str, dict[date, int]]:
    """Rows per table and day of the run already in the warehouse, for the load's warnings
    ("the day keeps its 135 rows")."""
    counts = {}
    for table in DAILY_TABLES:
        sql = rows_by_day_sql(f"{settings.RAW_DATASET}.{table}", "_landing_date", window)
        try:
            counts[table] = dict(warehouse.query(sql))
        except Exception:
            # A fresh warehouse has no table yet (locally, not even a file). This only words
            # warnings: a warehouse that cannot be reached fails the load itself, just after.
            counts[table] = {}
    return counts


def landing_metadata(
    pipeline: dlt.Pipeline, table: str, window: DayWindow, files: list[FileReport]
) -> dict:
    """Rows per day of the run, how many of the run's rows wait in quarantine, and what the load
    made of each file: how many files had each outcome, and each warning by file."""
    quarantined = landed_rows_by_day(pipeline, quarantine_table(table), window)
    outcomes = Counter(report.outcome for report in files)
    return {
        **partition_metadata(landed_rows_by_day(pipeline, table, window)),
        "rows_quarantined": MetadataValue.int(sum(quarantined.values())),
        "files_by_outcome": MetadataValue.json(
            {outcome.value: outcomes[outcome] for outcome in Outcome}
        ),
        "file_warnings": MetadataValue.json(
            {report.file: report.warning for report in files if report.warning}
        ),
    }


@dlt_assets(
    dlt_source=landing_zone(settings.LANDING_ZONE_URL),
    dlt_pipeline=raw_pipeline("landing_zone"),
    dagster_dlt_translator=RawTableTranslator(tags={DAILY_TAG: ""}),
    partitions_def=daily_partitions,
    backfill_policy=ONE_RUN,
    pool=settings.LANDING_LOAD_POOL,
    retry_policy=LANDING_ZONE_RETRIES,
)
def landing_zone_assets(
    context: AssetExecutionContext, dlt: DagsterDltResource, warehouse: Warehouse
):
    window = day_window(context)
    assert window is not None  # the assets are partitioned, so every run names its days
    with (
        fail_fast_unless_transient(retried=LANDING_ZONE_RETRIES is not None),
        run_pipeline("landing_zone", warehouse) as pipeline,
        explained_violations("landing zone"),
    ):
        # Filled in as the files are read: the warnings go to the run's log (logger
        # `ingestion`), the outcomes to each table's materialization. The rows before the load
        # are counted here, once run_pipeline has checked no other process writes.
        report = LandingReport(landed=rows_before_load(warehouse, window))
        # Arrow tables go to parquet load files untouched: the fast path.
        results = list(
            dlt.run(
                context=context,
                dlt_source=landing_zone(
                    settings.LANDING_ZONE_URL,
                    days=window,
                    credentials=bucket_credentials(settings.LANDING_ZONE_URL),
                    report=report,
                ),
                dlt_pipeline=pipeline,
                loader_file_format="parquet",
            )
        )
        for result in results:
            assert isinstance(result, MaterializeResult) and result.asset_key is not None
            table = result.asset_key.path[-1]
            counts = landing_metadata(pipeline, table, window, report.files.get(table, []))
            yield result._replace(metadata={**(result.metadata or {}), **counts})


def shop_db_source() -> DltSource:
    """Locally the SQLite file; in production dlt resolves the URL from its secrets providers."""
    return shop_db(settings.SHOP_DB_URL) if settings.SHOP_DB_URL else shop_db()


@dlt_assets(
    dlt_source=shop_db_source(),
    dlt_pipeline=raw_pipeline("shop_db"),
    dagster_dlt_translator=RawTableTranslator(),
    backfill_policy=ONE_RUN,
    pool=settings.WAREHOUSE_POOL,
    retry_policy=SHOP_DB_RETRIES,
)
def shop_db_assets(context: AssetExecutionContext, dlt: DagsterDltResource, warehouse: Warehouse):
    with (
        fail_fast_unless_transient(retried=SHOP_DB_RETRIES is not None),
        run_pipeline("shop_db", warehouse) as pipeline,
        explained_violations("shop database"),
    ):
        yield from dlt.run(context=context, dlt_pipeline=pipeline, loader_file_format="parquet")


# The catalogue as its publisher sees it: an asset the platform does not build, which the
# publisher reports as materialized each time it publishes (a POST to the webserver's
# /report_asset_materialization/shop/product_catalog; README, "What moves each asset").
# raw/products reads it, so its automation condition loads the catalogue after each report.
PRODUCT_CATALOG = AssetSpec(
    key=AssetKey(["shop", "product_catalog"]),
    group_name=INGESTION_GROUP,
    kinds={"json"},
    description=(
        "The product catalogue the merchandising team publishes; its publisher reports each "
        "publication here, and raw/products loads it."
    ),
)


@dlt_assets(
    dlt_source=product_catalog(settings.PRODUCT_CATALOG_URL),
    dlt_pipeline=raw_pipeline("product_catalog"),
    dagster_dlt_translator=RawTableTranslator(source=PRODUCT_CATALOG.key),
    backfill_policy=ONE_RUN,
    pool=settings.WAREHOUSE_POOL,
    retry_policy=CATALOG_RETRIES,
)
def product_catalog_assets(
    context: AssetExecutionContext, dlt: DagsterDltResource, warehouse: Warehouse
):
    # Nested JSON: dlt's normaliser unnests supplies into a child table.
    with (
        fail_fast_unless_transient(retried=CATALOG_RETRIES is not None),
        run_pipeline("product_catalog", warehouse) as pipeline,
        explained_violations("product catalogue"),
    ):
        yield from dlt.run(
            context=context,
            dlt_source=product_catalog(
                settings.PRODUCT_CATALOG_URL,
                credentials=bucket_credentials(settings.PRODUCT_CATALOG_URL),
            ),
            dlt_pipeline=pipeline,
        )


INGESTION_ASSETS = [landing_zone_assets, shop_db_assets, product_catalog_assets]

defs = Definitions(
    assets=[PRODUCT_CATALOG, *with_freshness_policies(INGESTION_ASSETS)],
    asset_checks=schema_change_checks(INGESTION_ASSETS),
)
