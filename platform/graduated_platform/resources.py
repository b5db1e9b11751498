"""The resources the assets use, by the key each asset function names as a parameter."""

from dagster_dlt import DagsterDltResource

from graduated_platform.dbt_manifest import dbt_cli

RESOURCES = {
    "dlt": DagsterDltResource(),
    "dbt": dbt_cli(),
}
