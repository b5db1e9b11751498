"""Evidence for failed dbt tests: a sample of the failing rows on each red asset check.

dagster-dbt turns every dbt test into an asset check result with the failing count
(`dagster_dbt/failed_row_count`). The next thing someone looking at a red check needs is the
rows themselves. A dbt test is a query that returns its failing rows, and dbt writes each test's
compiled query to `run_results.json`. Once dbt has exited (DuckDB has one writer), the dbt step
runs the query of every failed or warning test again, keeps the first rows, and adds them to the
check's result (see evidence.py). Passing tests cost nothing, and nothing is written to the
warehouse: dbt's `store_failures` would write a table for every test on every run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import AssetCheckResult, MetadataValue
from dagster_dbt import DbtCliInvocation

from graduated_platform.checks.evidence import rows_metadata, sample_sql
from graduated_platform.warehouse import Warehouse


def failing_test_queries(run_results: Mapping[str, Any]) -> dict[str, str]:
    """Each failed or warning test's compiled query, by the test's dbt unique_id."""
    return {
        result["unique_id"]: result["compiled_code"]
        for result in run_results.get("results", [])
        if result.get("status") in ("fail", "warn") and result.get("compiled_code")
    }


def read_failing_test_queries(invocation: DbtCliInvocation) -> dict[str, str]:
    # dbt writes no run results when it stops before running anything (a compilation error).
    if not (Path(invocation.target_path) / "run_results.json").exists():
        return {}
    return failing_test_queries(invocation.get_artifact("run_results.json"))


def failing_rows(sql: str, warehouse: Warehouse) -> dict[str, Any]:
    try:
        columns, rows = warehouse.query_with_columns(sample_sql(sql))
    except Exception as error:
        # The sample is evidence for a result that already stands: failing to read it must not
        # hide the result itself, so it is reported in its place.
        return {"failing_rows_error": MetadataValue.text(f"{type(error).__name__}: {error}")}
    return rows_metadata(columns, rows, sql)


def with_failing_rows(
    events: Iterable[Any], queries: Mapping[str, str], warehouse: Warehouse
) -> Iterator[Any]:
    """The dbt step's events, with a sample of failing rows on each failed test's result."""
    for event in events:
        if isinstance(event, AssetCheckResult) and "unique_id" in event.metadata:
            sql = queries.get(str(event.metadata["unique_id"].value))
            if sql is not None:
                event = event._replace(metadata={**event.metadata, **failing_rows(sql, warehouse)})
        yield event
