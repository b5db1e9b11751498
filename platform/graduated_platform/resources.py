"""The resources the assets use, by the key each asset function names as a parameter."""

from dagster_dlt import DagsterDltResource

from graduated_platform import settings
from graduated_platform.dbt_manifest import dbt_cli
from graduated_platform.warehouse import Warehouse

RESOURCES = {
    "dlt": DagsterDltResource(),
    "dbt": dbt_cli(),
    # For the platform's own queries (row counts per partition), after dbt or dlt has written.
    "warehouse": Warehouse(path=str(settings.WAREHOUSE_PATH)),
}
