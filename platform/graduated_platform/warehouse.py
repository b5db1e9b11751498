"""The platform's own reads from the warehouse, beside dlt's loads and dbt's builds.

Only small reads (row counts per partition, samples of failing rows), made inside a step that
holds the warehouse pool, after dlt or dbt has finished writing.
"""

import duckdb
from dagster import ConfigurableResource


class Warehouse(ConfigurableResource):
    """Reads from the DuckDB warehouse file, one short-lived connection per query."""

    path: str

    def query(self, sql: str) -> list[tuple]:
        # `with` closes the connection even when the query fails. An open DuckDB connection keeps
        # the file locked after the step has given its pool slot back, and the next step to take
        # the slot, in another run, would fail on the lock.
        with duckdb.connect(self.path, read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def query_with_columns(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Rows and their column names: for showing rows to people (samples of failing rows)."""
        with duckdb.connect(self.path, read_only=True) as connection:
            result = connection.execute(sql)
            return [column[0] for column in result.description], result.fetchall()
