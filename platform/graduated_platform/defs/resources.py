"""The resources the assets use, by the key each asset function names as a parameter, and the
executor that runs a run's steps.

The same keys in both environments, so the assets never ask which one they run in: locally the
warehouse is a DuckDB file; in production it is Snowflake, with every connection field taken
from an environment variable when a run starts (settings.SNOWFLAKE_VARIABLES names them).
"""

from typing import Any

from dagster import Definitions, EnvVar, in_process_executor, multiprocess_executor
from dagster_dlt import DagsterDltResource

from graduated_platform import settings
from graduated_platform.dbt_manifest import dbt_cli
from graduated_platform.landing_zone_resource import LandingZone
from graduated_platform.marketing_resource import MarketingService
from graduated_platform.warehouse import DuckDBWarehouse, Warehouse


def local_warehouse() -> Warehouse:
    return DuckDBWarehouse(path=str(settings.WAREHOUSE_PATH))


def production_warehouse() -> Warehouse:
    # Imported here, not at the top: only production pays for importing Snowflake's libraries.
    from dagster_snowflake import SnowflakeResource

    from graduated_platform.warehouse_snowflake import SnowflakeWarehouse

    # EnvVar, not the value: Dagster reads the variable when a run starts, and the UI shows the
    # variable's name where a plain string would show the password.
    variable = settings.SNOWFLAKE_VARIABLES
    snowflake = SnowflakeResource(
        account=EnvVar(variable["account"]),
        user=EnvVar(variable["user"]),
        password=EnvVar(variable["password"]),
        role=EnvVar(variable["role"]),
        database=EnvVar(variable["database"]),
        warehouse=EnvVar(variable["warehouse"]),
    )
    return SnowflakeWarehouse(snowflake=snowflake)


RESOURCES: dict[str, Any] = {
    "dlt": DagsterDltResource(),
    # The dbt target follows the environment too (settings.DBT_TARGET).
    "dbt": dbt_cli(),
    "warehouse": production_warehouse() if settings.PRODUCTION else local_warehouse(),
    # What the landing-zone sensor watches: the folder or bucket the ingestion assets read.
    "landing_zone": LandingZone(
        url=settings.LANDING_ZONE_URL, s3_endpoint_url=settings.S3_ENDPOINT_URL
    ),
    # The shop's marketing system; the token by its variable's name, so the UI never shows it.
    "marketing": MarketingService(
        url=settings.MARKETING_API_URL,
        token=EnvVar(settings.MARKETING_TOKEN_VARIABLE),
        timeout_seconds=settings.MARKETING_API_TIMEOUT_SECONDS,
    ),
}

defs = Definitions(
    resources=RESOURCES,
    # DuckDB has one writer, so steps of a local run could not write in parallel anyway; running
    # them in one process saves a Python start-up per step. Snowflake takes concurrent writes, so
    # production runs independent steps in parallel, as many at once as the warehouse pool allows.
    executor=multiprocess_executor if settings.PRODUCTION else in_process_executor,
)
