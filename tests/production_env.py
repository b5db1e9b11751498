"""The production environment with placeholder values, for tests that run production code offline.

Every value is made up and reaches no system. The secrets are distinctive strings, so that a test
can search anything the platform shows (the UI's snapshot of the code location, logs, dbt's
output) and be sure that none of them is there.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import REPO_ROOT

SNOWFLAKE_SECRET = "placeholder-snowflake-password-7f3a"
SHOP_DB_SECRET = "placeholder-shop-db-password-91c2"
MARKETING_SECRET = "placeholder-marketing-token-5d8e"
SECRETS = (SNOWFLAKE_SECRET, SHOP_DB_SECRET, MARKETING_SECRET)

PLACEHOLDERS = {
    "PLATFORM_ENV": "production",
    "LANDING_ZONE_URL": "s3://placeholder-landing/landing",
    "PRODUCT_CATALOG_URL": "s3://placeholder-landing/catalog",
    "SOURCES__SHOP_DB__CREDENTIALS": (
        f"postgresql+psycopg2://reader:{SHOP_DB_SECRET}@shop-db.invalid:5432/shop"
    ),
    "SNOWFLAKE_ACCOUNT": "placeholder-account",
    "SNOWFLAKE_USER": "PLACEHOLDER_USER",
    "SNOWFLAKE_PASSWORD": SNOWFLAKE_SECRET,
    "SNOWFLAKE_ROLE": "PLACEHOLDER_ROLE",
    "SNOWFLAKE_DATABASE": "ANALYTICS",
    "SNOWFLAKE_WAREHOUSE": "PLACEHOLDER_WAREHOUSE",
    "MARKETING_API_URL": "https://marketing.invalid/api",
    "MARKETING_API_TOKEN": MARKETING_SECRET,
}


def production_env(data_dir: Path, **overrides: str | None) -> dict[str, str]:
    """This process's environment switched to production; an override of None unsets a name."""
    env = {**os.environ, **PLACEHOLDERS, "PLATFORM_DATA_DIR": str(data_dir)}
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def build_env() -> dict[str, str]:
    """deploy/build.env, the stand-ins the Dockerfile gives `dbt parse`, as a mapping."""
    pairs = (
        line.split("=", 1)
        for line in (REPO_ROOT / "deploy" / "build.env").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {name: value for name, value in pairs}
