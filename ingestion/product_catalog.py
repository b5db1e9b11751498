"""The product catalogue: a JSON document of products, each with the supplies it uses.

The catalogue is nested, so dlt splits it: products land in `raw.products` and each product's
supplies in the child table `raw.products__supplies`, linked by dlt's `_dlt_parent_id`. The
child table has no Dagster asset of its own; it belongs to `raw/products` (see translator.py).
It is read through dlt's filesystem source, so a bucket URL works as well as a folder. People
edit the catalogue by hand, so its columns and their types are frozen (contracts.py): a misspelt
key or a price written as text stops the load instead of landing as a new column.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import dlt
from dlt.common.configuration.specs import AwsCredentials
from dlt.sources import DltResource
from dlt.sources.filesystem import FileItemDict, filesystem

from ingestion import contracts

CATALOG_FILE = "product_catalog.json"


def read_catalog(files: Iterable[FileItemDict]) -> Iterator[list[dict[str, Any]]]:
    for file in files:
        with file.open() as stream:
            yield json.load(stream)["products"]


@dlt.source(name="product_catalog", schema_contract=contracts.PRODUCT_CATALOG)
def product_catalog(bucket_url: str, credentials: AwsCredentials | None = None) -> DltResource:
    """Products and their supplies, from the catalogue the merchandising team publishes.

    `credentials` reach a bucket, as for the landing zone (ingestion/landing_zone.py)."""
    if credentials is None:
        files = filesystem(bucket_url=bucket_url, file_glob=CATALOG_FILE)
    else:
        files = filesystem(bucket_url=bucket_url, credentials=credentials, file_glob=CATALOG_FILE)
    return (files | dlt.transformer(read_catalog, name="products")).apply_hints(
        primary_key="sku", write_disposition="replace"
    )
