"""A step that holds the warehouse pool but meets another process's DuckDB lock is retried.

The other process is what a run killed with kill -9 leaves behind: its dbt process, still
writing for the seconds its build has left.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import RetryRequested

from graduated_platform.warehouse import LOCK_RETRIES, DuckDBWarehouse

HOLD_THE_LOCK = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(60)
"""


def test_a_step_asks_to_be_retried_while_another_process_writes_the_warehouse(tmp_path: Path):
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    warehouse = DuckDBWarehouse(path=str(path))
    warehouse.retry_later_if_locked()  # nobody else writes: the step goes on

    writer = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "holding"
        with pytest.raises(RetryRequested) as retry:
            warehouse.retry_later_if_locked()
        assert retry.value.max_retries == LOCK_RETRIES
        assert "lock" in str(retry.value.__cause__).lower()
    finally:
        writer.kill()
        writer.wait()
    warehouse.retry_later_if_locked()  # the writer is gone: the step goes on


def test_a_warehouse_not_created_yet_is_not_locked(tmp_path: Path):
    DuckDBWarehouse(path=str(tmp_path / "absent.duckdb")).retry_later_if_locked()
    assert not (tmp_path / "absent.duckdb").exists()
