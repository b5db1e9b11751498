"""Asset keys for raw tables: the one convention that joins dlt's assets to dbt's sources.

A raw table `orders` is the asset `raw/orders`, whether dlt produces it or dbt reads it. dlt
writes nested lists to child tables named `<parent>__<child>` (products -> products__supplies);
a child table has no asset of its own (dagster-io/dagster#21090), so it belongs to its parent's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dagster import AssetKey, AssetSpec
from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData

from graduated_platform.settings import RAW_DATASET

INGESTION_GROUP = "ingestion"


def raw_table_asset_key(table_name: str) -> AssetKey:
    parent_table = table_name.split("__", 1)[0]
    return AssetKey([RAW_DATASET, parent_table])


@dataclass
class RawTableTranslator(DagsterDltTranslator):
    """Names each dlt resource's asset after the raw table it loads, in the ingestion group.

    `tags` go on every asset of the source: the landing zone's carry `daily`, as the dbt fact
    models do, so `tag:daily` selects everything that is partitioned by day.
    """

    tags: dict[str, str] = field(default_factory=dict)

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        default = super().get_asset_spec(data)
        destination = data.destination.destination_name if data.destination else "warehouse"
        return default.replace_attributes(
            key=raw_table_asset_key(data.resource.name),
            # dlt's default adds an upstream stub asset per resource; the sources are outside the
            # platform, so the raw tables are the graph's roots.
            deps=[],
            group_name=INGESTION_GROUP,
            kinds={"dlt", destination},
            tags={**default.tags, **self.tags},
        )
