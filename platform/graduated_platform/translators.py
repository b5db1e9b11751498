"""Asset keys: the one convention that joins dlt's raw tables, dbt's sources and dbt's models.

A raw table `orders` is the asset `raw/orders`, whether dlt produces it (`RawTableTranslator`) or
dbt reads it as a source (`DbtModelTranslator`). dlt writes nested lists to child tables named
`<parent>__<child>` (products -> products__supplies); a child table has no asset of its own
(dagster-io/dagster#21090), so it belongs to its parent's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dagster import AssetKey, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject
from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData

from graduated_platform.automation import ON_UPSTREAM_UPDATE
from graduated_platform.partitions import DAILY_TAG, daily_partitions
from graduated_platform.settings import RAW_DATASET

INGESTION_GROUP = "ingestion"


def raw_table_asset_key(table_name: str) -> AssetKey:
    parent_table = table_name.split("__", 1)[0]
    return AssetKey([RAW_DATASET, parent_table])


@dataclass
class RawTableTranslator(DagsterDltTranslator):
    """Names each dlt resource's asset after the raw table it loads, in the ingestion group.

    `tags` go on every asset of the source: the landing zone's carry `daily`, as the dbt fact
    models do.
    """

    tags: dict[str, str] = field(default_factory=dict)
    # The outside system's own asset the tables are loaded from, when it reports its updates
    # (the product catalogue): the tables then follow it by declarative automation.
    source: AssetKey | None = None

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        default = super().get_asset_spec(data)
        destination = data.destination.destination_name if data.destination else "warehouse"
        return default.replace_attributes(
            key=raw_table_asset_key(data.resource.name),
            # dlt's default adds an upstream stub asset per resource; the sources are outside the
            # platform, so the raw tables are the graph's roots, unless the source reports in.
            deps=[self.source] if self.source else [],
            group_name=INGESTION_GROUP,
            kinds={"dlt", destination},
            tags={**default.tags, **self.tags},
            automation_condition=ON_UPSTREAM_UPDATE if self.source else None,
        )


def is_daily(node: Mapping[str, Any]) -> bool:
    """A dbt model partitioned by day: one tagged `daily` in dbt."""
    return node["resource_type"] == "model" and DAILY_TAG in node.get("tags", [])


class DbtModelTranslator(DagsterDbtTranslator):
    """dbt sources are the raw-table assets dlt produces; models are grouped by their folder,
    and the ones tagged `daily` are partitioned by day."""

    def __init__(self) -> None:
        # A child table (products__supplies) and its parent are one asset, raw/products.
        super().__init__(DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = self.get_resource_props(manifest, unique_id)
        if node["resource_type"] == "source":
            return spec.replace_attributes(key=raw_table_asset_key(node["name"]))
        # fqn is [project, folder, ..., model]: models/staging/x.sql -> group "staging"
        spec = spec.replace_attributes(group_name=node["fqn"][1])
        if is_daily(node):
            # The daily facts move with the landing-zone sensor's runs (README, "What moves
            # each asset"): one run per backlog, the day's checks in the same run.
            return spec.replace_attributes(partitions_def=daily_partitions)
        # Dimensions and whole-history marts follow their upstream once its checks passed.
        return spec.replace_attributes(automation_condition=ON_UPSTREAM_UPDATE)
