"""The warehouse as one resource: where dlt loads, and what the platform reads back.

Two implementations, one per environment (resources.py picks): a DuckDB file locally, Snowflake
in production (warehouse_snowflake.py, imported only there: dagster-snowflake and the Snowflake
libraries it brings take seconds to import). Each gives dlt its destination when a run starts
(`dlt_destination`), and answers the platform's own small reads (`query`: row counts per
partition; `query_with_columns`: samples of failing rows), which run inside a step that holds
the warehouse pool, after dlt or dbt has finished writing. dbt reaches the same warehouse
through its own profile (dbt_project/profiles.yml).
"""

from pathlib import Path
from typing import Any

import dlt
import duckdb
from dagster import ConfigurableResource, RetryRequested
from dlt.common.destination import Destination

# A step holding the pool can still meet DuckDB's lock: the dbt process of a run killed with
# kill -9 outlives its run by the seconds its build has left. Dagster retries the step (the run
# shows the retry) instead of failing the run; a minute covers any build of this project.
LOCK_RETRIES = 12
LOCK_RETRY_SECONDS = 5


class Warehouse(ConfigurableResource):
    """The interface the assets use; resources.py provides one of the two below."""

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def query_with_columns(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Rows and their column names, for showing rows to people (samples of failing rows)."""
        raise NotImplementedError

    def dlt_destination(self) -> Destination:
        raise NotImplementedError

    def retry_later_if_locked(self) -> None:
        """Called by a step that is about to write, once it holds the warehouse pool: if some
        other process still writes, ask Dagster to run the step again shortly."""


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

    def retry_later_if_locked(self) -> None:
        if not Path(self.path).exists():
            return
        try:
            duckdb.connect(self.path).close()
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            raise RetryRequested(
                max_retries=LOCK_RETRIES, seconds_to_wait=LOCK_RETRY_SECONDS
            ) from error
