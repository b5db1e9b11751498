"""The production warehouse: Snowflake, behind the same interface as the local DuckDB file.

A module of its own so that only production imports dagster-snowflake (and through it the
Snowflake connector and Snowpark), which is about half of what loading the definitions costs.
"""

from typing import Any

import dlt
from dagster_snowflake import SnowflakeResource
from dlt.common.destination import Destination

from graduated_platform.warehouse import Warehouse


class SnowflakeWarehouse(Warehouse):
    """A Snowflake database, reached through dagster-snowflake's resource.

    The resource's fields come from environment variables (resources.py), which Dagster resolves
    when a run starts; the UI and the run's config show only the variables' names.
    """

    snowflake: SnowflakeResource

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.snowflake.get_connection() as connection:
            cursor = connection.cursor()
            cursor.execute(sql)
            return [tuple(row) for row in cursor.fetchall()]

    def query_with_columns(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        with self.snowflake.get_connection() as connection:
            cursor = connection.cursor()
            cursor.execute(sql)
            columns = [column[0] for column in cursor.description]
            return columns, [tuple(row) for row in cursor.fetchall()]

    def dlt_destination(self) -> Destination:
        # dlt's Snowflake credentials name the account `host`. They are handed to dlt here, at
        # run time, so that dlt and Dagster share one set of variables; dlt hides the password
        # whenever it prints credentials.
        return dlt.destinations.snowflake(
            credentials={
                "host": self.snowflake.account,
                "username": self.snowflake.user,
                "password": self.snowflake.password,
                "database": self.snowflake.database,
                "warehouse": self.snowflake.warehouse,
                "role": self.snowflake.role,
            }
        )
