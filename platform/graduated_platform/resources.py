"""The resources the assets use, by the key each asset function names as a parameter."""

from dagster_dlt import DagsterDltResource

from graduated_platform import settings
from graduated_platform.dbt_manifest import dbt_cli
from graduated_platform.warehouse import Warehouse
from sensors.storage import LandingZone

RESOURCES = {
    "dlt": DagsterDltResource(),
    "dbt": dbt_cli(),
    # For the platform's own queries (row counts per partition), after dbt or dlt has written.
    "warehouse": Warehouse(path=str(settings.WAREHOUSE_PATH)),
    # What the landing-zone sensor watches: the folder or bucket the ingestion assets read.
    "landing_zone": LandingZone(
        url=settings.LANDING_ZONE_URL, s3_endpoint_url=settings.S3_ENDPOINT_URL
    ),
}
