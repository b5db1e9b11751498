"""Two runs against one DuckDB file both succeed: the warehouse pool makes them take turns.

The two runs load two different days, as two partitions of a backfill would: each run has its
own dlt working folder, so neither drops the other's load packages or state.
"""

from __future__ import annotations

from tests.conftest import Platform
from tests.raw_figures import raw_figures


def test_a_second_run_waits_for_the_warehouse_instead_of_failing(platform: Platform):
    platform.generate("2018-09-01", "2018-09-02")

    first = platform.start_materialize("2018-09-01")
    assert first.stdout is not None
    first_log = []
    # Start the second run once the first holds the warehouse: one of the second run's
    # steps must then find the pool taken and wait for it.
    for line in first.stdout:
        first_log.append(line)
        if "STEP_START" in line:
            break
    second = platform.start_materialize("2018-09-02")
    logs = [
        "".join(first_log) + first.communicate(timeout=600)[0],
        second.communicate(timeout=600)[0],
    ]

    for run, log in zip((first, second), logs, strict=True):
        assert run.returncode == 0, log[-5000:]
        assert "RUN_SUCCESS" in log
        assert "Could not set lock on file" not in log
    assert "blocked by limit for pool warehouse" in logs[1]

    [(orders, days)] = platform.query(
        "select count(*), count(distinct landed_on) from marts.orders"
    )
    assert (orders, days) == (raw_figures(platform.data_dir).order_count, 2)
