"""The platform's own data quality checks on the landing-zone tables (graduated_platform.checks).

dbt tests become checks of the dbt assets (defs/dbt.py), and the schema-change checks are built
with the ingestion assets (defs/ingestion.py); the README's "Data quality" lists every check.
"""

from dagster import Definitions

from graduated_platform.checks.quarantined_rows import quarantined_rows
from graduated_platform.checks.volume import volume_anomaly

defs = Definitions(asset_checks=[volume_anomaly, quarantined_rows])
