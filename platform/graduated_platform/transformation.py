"""The dbt project as Dagster assets: staging and mart models, with dbt tests as asset checks.

The assets are built from the manifest prepared at setup (see dbt_manifest.py).
"""

from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetSpec
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from graduated_platform import settings
from graduated_platform.dbt_manifest import DBT_PROJECT, require_manifest
from ingestion.translator import raw_table_asset_key


class JaffleShopTranslator(DagsterDbtTranslator):
    """dbt sources are the raw-table assets dlt produces; models are grouped by their folder."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = self.get_resource_props(manifest, unique_id)
        if node["resource_type"] == "source":
            return spec.replace_attributes(key=raw_table_asset_key(node["name"]))
        # fqn is [project, folder, ..., model]: models/staging/x.sql -> group "staging"
        return spec.replace_attributes(group_name=node["fqn"][1])


TRANSLATOR = JaffleShopTranslator(
    # A child table (products__supplies) and its parent are one asset, raw/products.
    settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True)
)

require_manifest(DBT_PROJECT)


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    pool=settings.WAREHOUSE_POOL,
)
def jaffle_shop_models(context: AssetExecutionContext, dbt: DbtCliResource):
    # `build` runs each model's tests right after it; a failing error-severity test skips
    # everything downstream of it in the same run.
    yield from dbt.cli(["build"], context=context).stream()
