"""A killed run never wedges the local platform: its process is checked, its pool slot freed.

This is the platform's one module on Dagster's private API (Dagster 1.13); `install()` is called
by `definitions.py`, and `tests/test_run_workers.py` fails loudly if the installed Dagster changes
what it relies on. Why it exists, with the places in Dagster's source:

1. **Nobody checks a run started from the CLI.** `dg launch` (`dagster asset materialize`) runs the
   steps in its own process (`_cli/asset.py`, `execute_job`). The daemon's run monitoring asks the
   run launcher whether a STARTED run's worker is alive
   (`_daemon/monitoring/run_monitoring.py:121`), but the `DefaultRunLauncher` says it cannot tell
   (`supports_check_run_worker_health` is False, `_core/launcher/base.py:94`). A run launched from
   the UI or a sensor is watched by the code server that started its worker, which fails the run
   when the worker dies (`_grpc/server.py:584`, `_check_for_orphaned_runs`); a CLI run has no such
   parent. So a CLI run killed with SIGKILL stays STARTED forever, keeps its `warehouse` slot (the
   daemon frees slots only of finished runs, `_daemon/monitoring/concurrency.py:35`) and, with
   `max_concurrent_runs: 1`, also keeps the daemon from launching any queued run. `LocalRunLauncher`
   is the `DefaultRunLauncher` plus that check: every run's worker records its pid in an engine
   event (`Executing steps in process (pid: N)` from the CLI, `Started process for run (pid: N)`
   from a code server), and a run whose process is gone is failed by run monitoring at its next
   poll. It is a local launcher: it looks at this machine's processes, so production (workers in
   other containers or pods) keeps Dagster's own.

2. **A run waiting for a pool slot spins a core and ignores SIGINT/SIGTERM.** The in-process
   executor loops `get_next_step` / `sleep_til_ready`
   (`_core/execution/plan/execute_plan.py:59`) while a step waits for its slot.
   `sleep_til_ready` sleeps `interval_to_next_pending_claim_check()`, which returns
   `min([0, ...])` (`_core/execution/plan/instance_concurrency_context.py:162`): never more
   than 0, so the loop never sleeps. The CLI and the run worker capture SIGINT and SIGTERM
   into a flag (`_utils/interrupts.py:36`, used at `_cli/asset.py:86`); the flag is
   raised only when user code starts (`_core/errors.py:240`), and unlike the multiprocess
   executor (`_core/executor/multiprocess.py:227`) the in-process loop never looks at it, so a
   waiting run cannot be stopped but by SIGKILL. `install()` makes the wait sleep until the next
   claim check, in short naps that end the run (as an interrupted run, the same way an interrupt
   during a step does) when SIGINT or SIGTERM arrives.

3. **Without the daemon, nothing frees a dead run's slot.** While a step waits, `install()` also
   looks at the runs holding the pool's slots, once per claim check: a run whose worker process
   is gone is marked failed (if it is not already finished) and its slots are freed, as the
   UI's "Free concurrency slots" does. So the next CLI run recovers a CLI-only setup by itself.
   This happens only with `LocalRunLauncher` configured (the local instance,
   platform/dagster.yaml).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from dagster import DagsterInstance, DagsterRun, DefaultRunLauncher
from dagster._core.errors import DagsterExecutionInterruptedError
from dagster._core.events import DagsterEventType
from dagster._core.execution.plan.active import ActiveExecution, _pool_key_for_step
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._utils.interrupts import check_captured_interrupt, pop_captured_interrupt

# A run that is STARTED this long without having recorded its worker's pid was killed while it
# started (the pid is recorded within a second of RUN_START).
NO_PID_GRACE_SECONDS = 60
# How often a waiting run looks at the captured-interrupt flag while it sleeps.
NAP_SECONDS = 0.2


def worker_pid(instance: DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """The pid of the process executing the run's steps, and when it said so."""
    events = instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT)
    for record in reversed(events):
        event = record.dagster_event
        data = event.engine_event_data if event else None
        pid = data.metadata.get("pid") if data else None
        if pid is not None and str(pid.value).isdigit():
            return int(str(pid.value)), record.timestamp
    return None


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def process_alive(pid: int, seen_at: float) -> bool:
    """Whether process `pid`, alive at `seen_at`, is still alive: not gone, not a zombie, and not
    a later process that was given the same pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): the pid exists, which is all we can tell
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return False
    boot = _boot_time()
    if boot is not None:
        started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
        if started > seen_at + 2:
            return False
    return True


def worker_gone(instance: DagsterInstance, run: DagsterRun) -> bool:
    found = worker_pid(instance, run.run_id)
    if found is None:
        record = instance.get_run_record_by_id(run.run_id)
        started = record.start_time if record else None
        return started is not None and time.time() - started > NO_PID_GRACE_SECONDS
    pid, seen_at = found
    return not process_alive(pid, seen_at)


class LocalRunLauncher(DefaultRunLauncher):
    """Dagster's default launcher that can also tell run monitoring whether a run's worker
    process, on this machine, is still alive: for runs from the UI, sensors and the CLI."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        if worker_gone(self._instance, run):
            return CheckRunHealthResult(WorkerStatus.FAILED, "the run's process is gone")
        return CheckRunHealthResult(WorkerStatus.RUNNING)


def free_slots_of_gone_runs(instance: DagsterInstance, pools: set[str], own_run_id: str) -> None:
    """Fail the runs holding a slot of `pools` whose process is gone, and free their slots."""
    storage = instance.event_log_storage
    holders = {
        slot.run_id
        for pool in pools
        for slot in storage.get_concurrency_info(pool).claimed_slots
        if slot.run_id and slot.run_id != own_run_id
    }
    for run_id in holders:
        run = instance.get_run_by_id(run_id)
        if run is not None and not worker_gone(instance, run):
            continue
        if run is not None and not run.is_finished:
            message = f"The process of run {run_id} is gone; run {own_run_id} waits for its slot."
            instance.report_engine_event(message, run)
            instance.report_run_failed(run, message)
        storage.free_concurrency_slots_for_run(run_id)


def _interval_to_next_pending_claim_check(self: InstanceConcurrencyContext) -> float:
    """Dagster's own, with max for min: the time until the next claim check, never negative."""
    if not self._pending_claims:
        return 0.0
    now = time.time()
    return max(0.0, min((at - now for at in self._pending_timeouts.values()), default=0.0))


def _sleep_til_ready(self: ActiveExecution) -> None:
    """Sleep until a step can be tried again, ending the run on SIGINT or SIGTERM."""
    concurrency = self._instance_concurrency_context
    if concurrency is not None and concurrency.has_pending_claims():
        instance = concurrency._instance
        if isinstance(instance.run_launcher, LocalRunLauncher):
            pools = {
                pool
                for key in concurrency.pending_claim_steps()
                if (pool := _pool_key_for_step(self.get_step_by_key(key)))
            }
            free_slots_of_gone_runs(instance, pools, concurrency._run_id)
    deadline = time.monotonic() + self.sleep_interval()
    while True:
        if check_captured_interrupt():
            pop_captured_interrupt()
            raise DagsterExecutionInterruptedError()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, NAP_SECONDS))


def install() -> None:
    """Patch Dagster's in-process wait for pool slots (see the module's docstring)."""
    InstanceConcurrencyContext.interval_to_next_pending_claim_check = (  # type: ignore[method-assign]
        _interval_to_next_pending_claim_check
    )
    ActiveExecution.sleep_til_ready = _sleep_til_ready  # type: ignore[method-assign]
