"""Where the platform reads its environment: every path and switch is decided here, once.

Nothing else in the platform reads `os.environ`. `PLATFORM_ENV` switches between the local
setup (offline, all state under `data/` or `PLATFORM_DATA_DIR`) and production
(docs/production.md; `.env.example` lists every variable). In production a missing variable
stops the code location from loading with a message that names it. This module never reads a
credential, only checks that it is set: Dagster (`dg.EnvVar`), dbt (`env_var()`) and dlt (its
secrets providers) read the values.
"""

from __future__ import annotations

import os
from pathlib import Path

from landing_zone.storage import absolute_url


class SettingsError(RuntimeError):
    """The environment does not describe a platform that can run; the message says what to set."""


# The switch. Its values are also the dbt targets in dbt_project/profiles.yml.
ENVIRONMENTS = ("local", "production")
PLATFORM_ENV = os.environ.get("PLATFORM_ENV") or "local"
if PLATFORM_ENV not in ENVIRONMENTS:
    raise SettingsError(
        f"PLATFORM_ENV is {PLATFORM_ENV!r}, which is not one of {', '.join(ENVIRONMENTS)}. "
        "Unset it to run locally, or set PLATFORM_ENV=production (see .env.example)."
    )
PRODUCTION = PLATFORM_ENV == "production"

# platform/graduated_platform/settings.py -> the repository root
REPO_ROOT = Path(__file__).resolve().parents[2]

DATA_DIR = Path(os.environ.get("PLATFORM_DATA_DIR") or REPO_ROOT / "data").expanduser().resolve()
# Passed on absolute: a run worker or dbt started in another working directory finds the same.
os.environ["PLATFORM_DATA_DIR"] = str(DATA_DIR)

# The warehouse: dlt writes the raw tables, dbt builds on them. Locally one DuckDB file; in
# production the Snowflake database the SNOWFLAKE_* variables name. The value is dlt's name for
# the destination, which the ingestion assets also show as their kind.
WAREHOUSE = "snowflake" if PRODUCTION else "duckdb"
WAREHOUSE_PATH = DATA_DIR / "warehouse.duckdb"
RAW_DATASET = "raw"

# Snowflake's connection, by the field of dagster-snowflake's SnowflakeResource it fills and the
# variable that holds it. Only the names live here; values are read when a run connects.
SNOWFLAKE_VARIABLES = {
    "account": "SNOWFLAKE_ACCOUNT",
    "user": "SNOWFLAKE_USER",
    "password": "SNOWFLAKE_PASSWORD",
    "role": "SNOWFLAKE_ROLE",
    "database": "SNOWFLAKE_DATABASE",
    "warehouse": "SNOWFLAKE_WAREHOUSE",
}

# dbt runs against the target named after the environment (dbt_project/profiles.yml).
DBT_TARGET = PLATFORM_ENV

# Where the shop's systems deliver daily files: a local folder by default, or an S3 prefix
# (`s3://bucket/prefix`) on AWS or any S3-compatible store (MinIO, LocalStack) at S3_ENDPOINT_URL.
# The sensors watch it and the ingestion assets read it, so both always agree.
# A folder may be given as a path, relative or not; it becomes an absolute `file://` URL here.
LANDING_ZONE_URL = absolute_url(os.environ.get("LANDING_ZONE_URL") or str(DATA_DIR / "landing"))
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None

# Reference data: the shop's operational database and its product catalogue. Locally a SQLite
# file and a folder. In production the catalogue is a bucket URL, and the database URL carries a
# password, so dlt reads it from the variable named below, through its own secrets provider for
# the environment. None here means "ask dlt".
SHOP_DB_CREDENTIALS_VARIABLE = "SOURCES__SHOP_DB__CREDENTIALS"
SHOP_DB_URL = None if PRODUCTION else f"sqlite:///{DATA_DIR / 'shop' / 'shop.db'}"
PRODUCT_CATALOG_URL = absolute_url(os.environ.get("PRODUCT_CATALOG_URL") or str(DATA_DIR / "shop"))

# Whether a source is read across the network (a bucket, a database server) or from this machine
# (a folder, a SQLite file): loads from the first kind retry transient errors, the second kind
# have none to retry (retry_policies.py).
LOCAL_URL_SCHEMES = ("file://", "sqlite:///")


def is_remote(url: str | None) -> bool:
    """`None` is a URL dlt resolves from its secrets providers: production's database server."""
    return url is None or not url.startswith(LOCAL_URL_SCHEMES)


# dlt keeps its pipelines' working state (schemas, load packages) here, not in ~/.dlt.
DLT_PIPELINES_DIR = DATA_DIR / "dlt"

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# Where dbt writes the manifest the code location loads: dbt's own variable, relative to the
# project folder unless absolute (tests prepare a production manifest outside the repository).
DBT_TARGET_PATH = Path(os.environ.get("DBT_TARGET_PATH") or "target")

# The concurrency pool that every step writing the warehouse joins. Its limit lives in the
# instance config: 1 in platform/dagster.yaml, because DuckDB allows a single writer; wider in
# platform/dagster-production.yaml, because Snowflake takes concurrent writes. Likewise the
# steps of one run execute one after another locally, and in parallel in production
# (defs/resources.py picks the executor from PRODUCTION).
WAREHOUSE_POOL = "warehouse"

# The landing-zone loads merge through one dlt staging dataset (`raw_staging`), so two of them
# must never run at once. Locally the warehouse pool (limit 1) already ensures that; in
# production they get a pool of their own, limited to 1 once per instance with
# `dagster instance concurrency set landing_zone_loads 1` (docs/production.md).
LANDING_LOAD_POOL = "landing_zone_loads" if PRODUCTION else WAREHOUSE_POOL

# The shop's marketing system, which the activation group sends the customer segments to. The
# URL is an address, read here; the token is a credential: Dagster reads MARKETING_API_TOKEN when
# a run starts (dg.EnvVar), and locally it defaults to the development value the simulated
# service (simulator/marketing_service.py, `make marketing`) also takes when it is unset.
MARKETING_API_URL = os.environ.get("MARKETING_API_URL") or "http://127.0.0.1:3001"
MARKETING_TOKEN_VARIABLE = "MARKETING_API_TOKEN"
LOCAL_MARKETING_TOKEN = "local-marketing-token"
if not PRODUCTION:
    os.environ.setdefault(MARKETING_TOKEN_VARIABLE, LOCAL_MARKETING_TOKEN)
# How long a request may take before it counts as failed (and is retried).
MARKETING_API_TIMEOUT_SECONDS = float(os.environ.get("MARKETING_API_TIMEOUT_SECONDS") or 30)
# A sync keeps dlt's working folder between attempts, so a retry resumes the batches left.
# Two syncs must never share it: locally the warehouse pool already keeps them apart (the sync
# writes what it sent to the warehouse); in production they get a pool of their own, limited to
# 1 with `dagster instance concurrency set marketing_sync 1` (docs/production.md).
ACTIVATION_POOL = "marketing_sync" if PRODUCTION else WAREHOUSE_POOL

# Where alerts go (defs/alerts.py): a failed run, with its failed steps and checks, becomes one
# alert. `file` (the default) appends one JSON line per alert to ALERTS_FILE, which `make alerts`
# follows; `slack` posts to SLACK_CHANNEL with the bot token in SLACK_BOT_TOKEN (dagster-slack),
# and needs the UI's address for the alert's link.
ALERT_CHANNELS = ("file", "slack")
ALERT_CHANNEL = os.environ.get("ALERT_CHANNEL") or "file"
if ALERT_CHANNEL not in ALERT_CHANNELS:
    raise SettingsError(
        f"ALERT_CHANNEL is {ALERT_CHANNEL!r}, which is not one of {', '.join(ALERT_CHANNELS)}. "
        "Unset it to write alerts to a file, or set ALERT_CHANNEL=slack (see .env.example)."
    )
ALERTS_FILE = DATA_DIR / "alerts.log"
SLACK_TOKEN_VARIABLE = "SLACK_BOT_TOKEN"
SLACK_CHANNEL = os.environ.get("SLACK_CHANNEL") or ""
# slack_sdk's default; another address is for a proxy, or the tests' Slack on loopback.
SLACK_API_URL = os.environ.get("SLACK_API_URL") or "https://slack.com/api/"
REQUIRED_FOR_SLACK = (SLACK_TOKEN_VARIABLE, "SLACK_CHANNEL", "DAGSTER_WEBSERVER_URL")
# The Dagster UI as the alert's reader reaches it: each alert links to its run there.
WEBSERVER_URL = (os.environ.get("DAGSTER_WEBSERVER_URL") or "http://127.0.0.1:3000").rstrip("/")

# Variables whose values are secrets: an alert never shows one, even when an error message
# quoted it (alert_message.py masks them). Only the names live here.
SECRET_VARIABLES = (
    SLACK_TOKEN_VARIABLE,
    "SNOWFLAKE_PASSWORD",
    "DAGSTER_POSTGRES_PASSWORD",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "SOURCES__SHOP_DB__CREDENTIALS",
    MARKETING_TOKEN_VARIABLE,
)

# What production cannot run without. Settings checks only that each is set: the values are
# read by whichever tool uses them (see the module docstring).
REQUIRED_IN_PRODUCTION = (
    "LANDING_ZONE_URL",
    "PRODUCT_CATALOG_URL",
    SHOP_DB_CREDENTIALS_VARIABLE,
    *SNOWFLAKE_VARIABLES.values(),
    "MARKETING_API_URL",
    MARKETING_TOKEN_VARIABLE,
)


def missing_variables(names: tuple[str, ...] = REQUIRED_IN_PRODUCTION) -> list[str]:
    return [name for name in names if not os.environ.get(name)]


# One message names every variable missing for what the environment asks for.
REQUIRED = {
    "PLATFORM_ENV=production": REQUIRED_IN_PRODUCTION if PRODUCTION else (),
    "ALERT_CHANNEL=slack": REQUIRED_FOR_SLACK if ALERT_CHANNEL == "slack" else (),
}
if missing := missing_variables(tuple(name for names in REQUIRED.values() for name in names)):
    asking = " and ".join(switch for switch, names in REQUIRED.items() if names)
    undo = "unset PLATFORM_ENV to run locally" if PRODUCTION else "unset ALERT_CHANNEL"
    raise SettingsError(
        f"{asking} needs {len(missing)} environment variable(s) that are not set: "
        f"{', '.join(missing)}. Set them in the code location's environment (.env.example "
        f"describes each one), or {undo}."
    )

if PRODUCTION and not LANDING_ZONE_URL.startswith("s3://"):
    raise SettingsError(
        f"LANDING_ZONE_URL is {LANDING_ZONE_URL!r}, but in production the landing zone is an "
        "S3 bucket: set LANDING_ZONE_URL=s3://<bucket>/<prefix> (and S3_ENDPOINT_URL for a "
        "store other than AWS S3)."
    )

# dbt reads its connection from dbt_project/profiles.yml, which takes the DuckDB path from the
# environment; dbt runs as a subprocess and inherits this.
os.environ["WAREHOUSE_PATH"] = str(WAREHOUSE_PATH)
