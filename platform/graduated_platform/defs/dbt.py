"""The dbt project as Dagster assets: staging and mart models, with dbt tests as asset checks.

One `@dbt_assets` holds every model, built from the manifest prepared at setup
(dbt_manifest.py). A run over a range of days is one `dbt build` with the window as
`--event-time-start/-end` (dbt_project/macros/partition_window.sql). The step has no retry
policy (retry_policies.py): a failing SQL statement or dbt test fails the same way again.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Definitions,
    Output,
    map_asset_specs,
)
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_dbt.dbt_manifest import validate_manifest

from graduated_platform import retry_policies, settings
from graduated_platform.checks.failing_rows import read_failing_test_queries, with_failing_rows
from graduated_platform.checks.freshness import with_freshness_policies
from graduated_platform.dbt_manifest import DBT_PROJECT, require_manifest
from graduated_platform.dbt_resource import keep_partial_parse
from graduated_platform.partition_metadata import partition_metadata, rows_by_day, rows_by_day_sql
from graduated_platform.partitions import day_window
from graduated_platform.translators import DAILY_TAG, DbtModelTranslator, is_daily
from graduated_platform.warehouse import Warehouse
from landing_zone.days import DayWindow

TRANSLATOR = DbtModelTranslator()


def dbt_build_args(window: DayWindow | None) -> list[str]:
    """`dbt build`, limited to the run's days when it has any."""
    if window is None:
        return ["build"]
    return [
        "build",
        "--event-time-start", window.start.isoformat(),
        "--event-time-end", window.end.isoformat(),
    ]  # fmt: skip


def daily_models(manifest: Mapping[str, Any]) -> dict[AssetKey, Mapping[str, Any]]:
    """The partitioned models' manifest nodes, by asset key."""
    models = {
        TRANSLATOR.get_asset_spec(manifest, unique_id, DBT_PROJECT).key: node
        for unique_id, node in manifest["nodes"].items()
        if is_daily(node)
    }
    for node in models.values():
        if not node["config"].get("event_time"):
            raise ValueError(
                f"dbt model {node['name']} is tagged '{DAILY_TAG}' but has no event_time config; "
                "add config(event_time='<its day column>') so its partitions can be counted."
            )
    return models


require_manifest(DBT_PROJECT)
MANIFEST = validate_manifest(DBT_PROJECT.manifest_path)
DAILY_MODELS = daily_models(MANIFEST)


@dbt_assets(
    manifest=MANIFEST,
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    backfill_policy=BackfillPolicy.single_run(),
    pool=settings.WAREHOUSE_POOL,
    retry_policy=retry_policies.DBT_MODELS,
)
def jaffle_shop_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse
) -> Iterator[Any]:
    # `build` runs each model's tests right after it; a failing error-severity test skips
    # everything downstream of it in the same run.
    window = day_window(context)
    warehouse.retry_later_if_locked()
    invocation = dbt.cli(dbt_build_args(window), context=context, raise_on_error=False)
    # Read the warehouse only once dbt has exited: DuckDB has one writer, and it is dbt until
    # then. Partitioned models get their rows per day, failed tests a sample of failing rows.
    events = list(invocation.stream())
    keep_partial_parse(invocation, DBT_PROJECT)
    failing = read_failing_test_queries(invocation)
    yield from with_failing_rows(with_rows_by_day(events, window, warehouse), failing, warehouse)
    # Fail the step only now, so what dbt did build is recorded before the error.
    error = invocation.get_error()
    if error is not None:
        raise error


def with_rows_by_day(events: list[Any], window: DayWindow | None, warehouse: Warehouse):
    """Add each partitioned model's rows per day of the window to its materialization."""
    outputs = {key.to_python_identifier(): node for key, node in DAILY_MODELS.items()}
    for event in events:
        node = outputs.get(event.output_name) if isinstance(event, Output) else None
        if node is not None and window is not None:
            sql = rows_by_day_sql(node["relation_name"], node["config"]["event_time"], window)
            counts = rows_by_day(warehouse.query(sql), window)
            event = event.with_metadata({**event.metadata, **partition_metadata(counts)})
        yield event


def with_retry_policy_described(spec: AssetSpec) -> AssetSpec:
    why_none = retry_policies.WHY_NONE_DBT
    return spec.merge_attributes(
        metadata=retry_policies.described(retry_policies.DBT_MODELS, why_none)
    )


defs = Definitions(
    assets=with_freshness_policies(
        map_asset_specs(with_retry_policy_described, [jaffle_shop_models])
    )
)
