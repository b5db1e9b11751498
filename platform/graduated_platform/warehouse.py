"""The warehouse as one resource: where dlt loads, and what the platform reads back.

Two implementations, one per environment (resources.py picks): a DuckDB file locally, Snowflake
in production (warehouse_snowflake.py, imported only there: dagster-snowflake and the Snowflake
libraries it brings take seconds to import). Each gives dlt its destination when a run starts
(`dlt_destination`), and answers the platform's own small reads (`query`: row counts per
partition; `query_with_columns`: samples of failing rows), which run inside a step that holds
the warehouse pool, after dlt or dbt has finished writing. dbt reaches the same warehouse
through its own profile (dbt_project/profiles.yml).
"""

from typing import Any

import dlt
import duckdb
from dagster import ConfigurableResource
from dlt.common.destination import Destination


class Warehouse(ConfigurableResource):
    """The interface the assets use; resources.py provides one of the two below."""

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def query_with_columns(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Rows and their column names, for showing rows to people (samples of failing rows)."""
        raise NotImplementedError

    def dlt_destination(self) -> Destination:
        raise NotImplementedError


class DuckDBWarehouse(Warehouse):
    """A DuckDB file, one short-lived connection per query."""

    path: str

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        # `with` closes the connection even when the query fails. An open DuckDB connection keeps
        # the file locked after the step has given its pool slot back, and the next step to take
        # the slot, in another run, would fail on the lock.
        with duckdb.connect(self.path, read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def query_with_columns(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        with duckdb.connect(self.path, read_only=True) as connection:
            result = connection.execute(sql)
            return [column[0] for column in result.description], result.fetchall()

    def dlt_destination(self) -> Destination:
        return dlt.destinations.duckdb(self.path)
