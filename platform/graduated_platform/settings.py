"""Where the platform reads its environment: every path and switch is decided here, once.

Everything else imports these values; nothing else reads `os.environ`. The defaults make a fresh
clone work offline: all state lives under the repository's `data/` folder. Tests and benchmarks
point the whole platform at a temporary folder by setting `PLATFORM_DATA_DIR`.
"""

from __future__ import annotations

import os
from pathlib import Path

# platform/graduated_platform/settings.py -> the repository root
REPO_ROOT = Path(__file__).resolve().parents[2]

DATA_DIR = Path(os.environ.get("PLATFORM_DATA_DIR", REPO_ROOT / "data")).resolve()

# The warehouse: one DuckDB file. dlt writes the raw tables, dbt builds on them.
WAREHOUSE_PATH = DATA_DIR / "warehouse.duckdb"
RAW_DATASET = "raw"

# Where the shop's systems deliver daily files: a local folder by default, or an S3 prefix
# (`s3://bucket/prefix`) on AWS or any S3-compatible store (MinIO, LocalStack) at S3_ENDPOINT_URL.
# The sensors watch it and the ingestion assets read it, so both always agree.
LANDING_ZONE_URL = os.environ.get("LANDING_ZONE_URL") or (DATA_DIR / "landing").as_uri()
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None

# Reference data: the shop's operational database and its product catalogue.
SHOP_DB_URL = f"sqlite:///{DATA_DIR / 'shop' / 'shop.db'}"
PRODUCT_CATALOG_URL = (DATA_DIR / "shop").as_uri()

# dlt keeps its pipelines' working state (schemas, load packages) here, not in ~/.dlt.
DLT_PIPELINES_DIR = DATA_DIR / "dlt"

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

# The concurrency pool that every step writing the warehouse joins. Its limit lives in the
# instance config (platform/dagster.yaml): 1, because DuckDB allows a single writer.
WAREHOUSE_POOL = "warehouse"

# dbt reads its connection from dbt_project/profiles.yml, which takes the DuckDB path from the
# environment; dbt runs as a subprocess and inherits this.
os.environ["WAREHOUSE_PATH"] = str(WAREHOUSE_PATH)
