"""Two runs against one DuckDB file both succeed: the warehouse pool makes them take turns; a run
waiting for its turn sleeps, and stops when told to.

The two runs load two different days, as two partitions of a backfill would: each run has its
own dlt working folder, so neither drops the other's load packages or state.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus
from dagster._core.events import EngineEventData
from dagster._core.utils import make_new_run_id

from tests.conftest import REPO_ROOT, Platform, launch_command
from tests.raw_figures import raw_figures

pytestmark = pytest.mark.slow

# How long the CPU use of a run waiting for the warehouse is measured.
WAIT_SECONDS = 15


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


def waiting_run(instance: DagsterInstance, holder: str) -> DagsterRun | None:
    runs = [run for run in instance.get_runs() if run.run_id != holder]
    return runs[0] if runs else None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_run_waiting_for_the_warehouse_sleeps_and_stops_on_a_signal(
    platform: Platform, tmp_path: Path, sig: signal.Signals
):
    """While another, live run holds the warehouse, a CLI run waits for it: using little CPU,
    and ending (as a failed run, its claims withdrawn) on SIGTERM or Ctrl-C's SIGINT."""
    platform.generate("2018-09-01", "2018-09-01")
    with DagsterInstance.from_config(str(platform.dagster_home)) as instance:
        # The holder: a STARTED run whose process (this test's) is alive, holding the slot.
        holder = instance.add_run(
            DagsterRun(job_name="holder", run_id=make_new_run_id(), status=DagsterRunStatus.STARTED)
        )
        instance.report_engine_event(
            "Executing steps in process", holder, EngineEventData.in_process(os.getpid())
        )
        storage = instance.event_log_storage
        storage.initialize_concurrency_limit_to_default("warehouse")
        assert storage.claim_concurrency_slot("warehouse", holder.run_id, "step").is_claimed

        log = tmp_path / "waiting.log"
        with log.open("w") as out:
            waiting = subprocess.Popen(
                launch_command("*", "2018-09-01"),
                cwd=REPO_ROOT,
                env=platform.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 300
            while "blocked by limit for pool warehouse" not in log.read_text():
                assert waiting.poll() is None, log.read_text()[-5000:]
                assert time.monotonic() < deadline, log.read_text()[-5000:]
                time.sleep(0.5)
            process = psutil.Process(waiting.pid)
            cpu_before, wall_before = sum(process.cpu_times()[:2]), time.monotonic()
            time.sleep(WAIT_SECONDS)
            cpu = sum(process.cpu_times()[:2]) - cpu_before
            wall = time.monotonic() - wall_before

            waiting.send_signal(sig)
            signalled = time.monotonic()
            while (run := waiting_run(instance, holder.run_id)) is None or not run.is_finished:
                assert time.monotonic() - signalled < 30, "the run did not end on the signal"
                time.sleep(0.1)
            ended_after = time.monotonic() - signalled
            waiting.wait(timeout=60)
            exited_after = time.monotonic() - signalled
        finally:
            if waiting.poll() is None:
                waiting.kill()
                waiting.wait()
        print(
            f"{sig.name}: {cpu:.2f} CPU s in {wall:.1f} s of waiting; run ended {ended_after:.1f} s"
            f" and process exited {exited_after:.1f} s after the signal"
        )
        assert cpu < 0.2 * wall, f"the waiting run used {cpu:.1f} CPU s in {wall:.1f} s"
        assert waiting.returncode != 0
        assert run.status in {DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
        info = storage.get_concurrency_info("warehouse")
        assert [slot.run_id for slot in info.claimed_slots] == [holder.run_id]
        assert {step.run_id for step in info.pending_steps} == {holder.run_id}
