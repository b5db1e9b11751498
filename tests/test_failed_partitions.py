"""A failed range run marks every day it was to materialize as failed, for every daily asset.

The UI's partition bars and "backfill failed partitions" read this status. It rests on the
per-day "planned" events a range run records when it starts. Dagster can record one planned
event per asset instead (DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS): fewer events, but
then a failed run leaves its days without status (README, "Performance", says what it saves).
This test fails if that setting, or any other change to the bookkeeping, loses the failures.
"""

from __future__ import annotations

import pytest
from dagster import AssetPartitionStatus, DagsterInstance, DagsterRunStatus

from graduated_platform.definitions import defs
from graduated_platform.partitions import daily_partitions

DAYS = ["2018-09-01", "2018-09-02"]


@pytest.mark.slow
def test_a_failed_range_run_marks_each_of_its_days_failed(platform):
    platform.generate(DAYS[0], DAYS[-1])
    # Not a DuckDB file: the run's first writing step fails, and the run with it.
    platform.warehouse.write_text("not a database\n")
    process = platform.start_materialize(f"{DAYS[0]}...{DAYS[-1]}")
    log, _ = process.communicate(timeout=600)
    assert process.returncode != 0, log[-3000:]

    instance = DagsterInstance.from_config(str(platform.dagster_home))
    (run,) = instance.get_runs()
    assert run.status == DagsterRunStatus.FAILURE
    graph = defs.resolve_asset_graph()
    daily = [key for key in graph.get_all_asset_keys() if graph.get(key).is_partitioned]
    assert len(daily) >= 6, daily
    statuses = {
        key.to_user_string(): instance.get_status_by_partition(key, DAYS, daily_partitions)
        for key in daily
    }
    expected = dict.fromkeys(DAYS, AssetPartitionStatus.FAILED)
    assert statuses == dict.fromkeys(statuses, expected)
