"""Two runs against one DuckDB file both succeed: the warehouse pool makes them take turns."""

from __future__ import annotations

import duckdb

from tests.conftest import Platform
from tests.raw_figures import raw_figures


def test_two_concurrent_runs_on_one_warehouse_both_succeed(platform: Platform):
    platform.generate("2018-09-01", "2018-09-02")
    runs = [platform.start_materialize("*"), platform.start_materialize("*")]
    logs = [run.communicate(timeout=600)[0] for run in runs]

    for run, log in zip(runs, logs, strict=True):
        assert run.returncode == 0, log[-5000:]
        assert "RUN_SUCCESS" in log
        assert "Could not set lock on file" not in log
    # The runs started together, so one of them must have waited for the other's step.
    assert any("blocked by limit for pool warehouse" in log for log in logs)

    with duckdb.connect(str(platform.warehouse), read_only=True) as db:
        (orders,) = db.sql("select count(*) from marts.orders").fetchone()
    assert orders == raw_figures(platform.data_dir).order_count
