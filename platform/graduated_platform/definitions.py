"""The code location: every asset, check, job, schedule and resource of the platform.

`workspace.yaml` points Dagster here (module `graduated_platform.definitions`).
"""

import dagster as dg

from graduated_platform import run_workers, settings
from graduated_platform.checks.freshness import with_freshness_policies
from graduated_platform.checks.quarantined_rows import quarantined_rows
from graduated_platform.checks.schema_changes import SCHEMA_CHANGE_CHECKS
from graduated_platform.checks.volume import volume_anomaly
from graduated_platform.resources import RESOURCES
from graduated_platform.schedules import JOBS, SCHEDULES
from graduated_platform.transformation import jaffle_shop_models
from ingestion.assets import INGESTION_ASSETS
from sensors.landing_zone_sensor import JOBS as SENSOR_JOBS
from sensors.landing_zone_sensor import SENSORS

# A run waiting for a pool slot sleeps, stops on Ctrl-C or SIGTERM, and frees the slot of a run
# whose process is gone (run_workers.py says why this patches Dagster).
run_workers.install()

defs = dg.Definitions(
    assets=with_freshness_policies([*INGESTION_ASSETS, jaffle_shop_models]),
    # dbt tests are checks of the dbt assets themselves; these are the platform's own.
    asset_checks=[volume_anomaly, quarantined_rows, *SCHEMA_CHANGE_CHECKS],
    jobs=[*JOBS, *SENSOR_JOBS],
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources=RESOURCES,
    # DuckDB has one writer, so steps of a local run could not write in parallel anyway; running
    # them in one process saves a Python start-up per step. Snowflake takes concurrent writes, so
    # production runs independent steps in parallel, as many at once as the warehouse pool allows.
    executor=dg.multiprocess_executor if settings.PRODUCTION else dg.in_process_executor,
)
