"""The Dagster assets that run the dlt sources: one multi-asset per source, one asset per table.

Every load joins the warehouse pool, so it queues behind any other step writing DuckDB instead
of failing on the file lock.
"""

import dlt
from dagster import AssetExecutionContext
from dagster_dlt import DagsterDltResource, dlt_assets

from graduated_platform import settings
from ingestion.landing_zone import landing_zone
from ingestion.product_catalog import product_catalog
from ingestion.shop_db import shop_db
from ingestion.translator import RawTableTranslator


def raw_pipeline(name: str) -> dlt.Pipeline:
    """A dlt pipeline that loads into the warehouse's raw dataset, with state under data/."""
    return dlt.pipeline(
        pipeline_name=name,
        pipelines_dir=str(settings.DLT_PIPELINES_DIR),
        destination=dlt.destinations.duckdb(str(settings.WAREHOUSE_PATH)),
        dataset_name=settings.RAW_DATASET,
    )


@dlt_assets(
    dlt_source=landing_zone(settings.LANDING_ZONE_URL),
    dlt_pipeline=raw_pipeline("landing_zone"),
    dagster_dlt_translator=RawTableTranslator(),
    pool=settings.WAREHOUSE_POOL,
)
def landing_zone_assets(context: AssetExecutionContext, dlt: DagsterDltResource):
    # Arrow tables go to parquet load files untouched: the fast path.
    yield from dlt.run(context=context, loader_file_format="parquet")


@dlt_assets(
    dlt_source=shop_db(settings.SHOP_DB_URL),
    dlt_pipeline=raw_pipeline("shop_db"),
    dagster_dlt_translator=RawTableTranslator(),
    pool=settings.WAREHOUSE_POOL,
)
def shop_db_assets(context: AssetExecutionContext, dlt: DagsterDltResource):
    yield from dlt.run(context=context, loader_file_format="parquet")


@dlt_assets(
    dlt_source=product_catalog(settings.PRODUCT_CATALOG_URL),
    dlt_pipeline=raw_pipeline("product_catalog"),
    dagster_dlt_translator=RawTableTranslator(),
    pool=settings.WAREHOUSE_POOL,
)
def product_catalog_assets(context: AssetExecutionContext, dlt: DagsterDltResource):
    # Nested JSON: dlt's normaliser unnests supplies into a child table.
    yield from dlt.run(context=context)


INGESTION_ASSETS = [landing_zone_assets, shop_db_assets, product_catalog_assets]
