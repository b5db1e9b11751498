"""graduated_platform.run_workers leans on Dagster's private API: these tests fail loudly when the
installed Dagster changes any part of it, so an upgrade is checked, not trusted."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import time

import dagster
from dagster._core.execution.plan import execute_plan
from dagster._core.execution.plan.active import ActiveExecution
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.launcher.base import RunLauncher
from dagster._daemon.monitoring import run_monitoring
from dagster._grpc import impl as grpc_impl

from graduated_platform import run_workers

TESTED_WITH = "1.13."


def test_the_installed_dagster_is_the_one_run_workers_was_written_for():
    assert dagster.__version__.startswith(TESTED_WITH), (
        f"Dagster {dagster.__version__}: re-read run_workers.py's reasons in this version's "
        "source, then update TESTED_WITH"
    )


def test_the_in_process_loop_still_waits_in_sleep_til_ready_and_only_there():
    loop = inspect.getsource(execute_plan.inner_plan_execution_iterator)
    assert "active_execution.sleep_til_ready()" in loop
    assert "check_for_interrupts" not in loop  # if Dagster checks them now, drop the patch
    assert "_instance_concurrency_context" in inspect.getsource(ActiveExecution.__init__)
    sleep_interval = inspect.getsource(ActiveExecution.sleep_interval)
    assert "interval_to_next_pending_claim_check" in sleep_interval


def test_the_patch_is_installed_and_still_needed():
    from dagster._core.execution.plan import instance_concurrency_context

    import graduated_platform.definitions  # noqa: F401  (installs the patch)

    # Dagster's own interval is still the min([0, ...]) that never lets the loop sleep; if this
    # fails, Dagster has changed it: check whether the patch is still needed.
    assert "return min([0, *[ready_at - now" in inspect.getsource(instance_concurrency_context)
    source = inspect.getsource(run_workers._interval_to_next_pending_claim_check)
    assert InstanceConcurrencyContext.interval_to_next_pending_claim_check.__name__ == (
        "_interval_to_next_pending_claim_check"
    ), "definitions.py no longer installs the patch"
    assert "max(0.0" in source
    assert ActiveExecution.sleep_til_ready is run_workers._sleep_til_ready
    for name in ("_pending_claims", "_pending_timeouts", "_instance", "_run_id"):
        assert name in inspect.getsource(InstanceConcurrencyContext.__init__), name


def test_run_monitoring_still_asks_the_launcher_about_started_runs():
    monitor = inspect.getsource(run_monitoring.monitor_started_run)
    assert "supports_check_run_worker_health" in monitor
    assert "check_run_worker_health(run)" in monitor
    assert "supports_check_run_worker_health" in inspect.getsource(RunLauncher)
    assert {WorkerStatus.RUNNING, WorkerStatus.FAILED} <= set(WorkerStatus)
    assert CheckRunHealthResult(WorkerStatus.FAILED, "x").status == WorkerStatus.FAILED


def test_workers_still_record_their_pid_in_an_engine_event():
    assert "EngineEventData.in_process(pid)" in inspect.getsource(grpc_impl)
    from dagster._core.executor import in_process

    assert "EngineEventData.in_process(os.getpid()" in inspect.getsource(in_process)


def test_a_process_is_alive_until_it_is_gone_even_as_a_zombie():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    seen_at = time.time()
    assert run_workers.process_alive(child.pid, seen_at)
    # A pid seen long before the process started is a reused pid: another process.
    assert not run_workers.process_alive(child.pid, seen_at - 3600)
    child.kill()
    time.sleep(0.5)  # a zombie now: killed, not yet reaped
    assert not run_workers.process_alive(child.pid, seen_at)
    child.wait()
    assert not run_workers.process_alive(child.pid, seen_at)
    assert run_workers.process_alive(os.getpid(), time.time())
