"""Fault drill: a run killed at any step, however it was started, never wedges the platform.

For each launch path (the CLI, the UI's GraphQL API, the landing-zone sensor), signal (Ctrl-C's
SIGINT, SIGTERM, kill -9's SIGKILL) and step kind (the dlt load `landing_zone_assets`, the dbt
build `jaffle_shop_models`, the Python check `volume_anomaly`), the drill starts a run for one
day, waits for the step's STEP_START in the event log, freezes the process executing the steps
(SIGSTOP), checks in the event log that the step has started and not finished, sends the signal
and lets the process go on (SIGCONT). Then the killed run must end (FAILURE or CANCELED) and a
next run, started right away by the same path (the UI's for the sensor: a sensor starts runs
only for new files), must succeed within 2 minutes, with no manual step. The marts are then
compared with figures counted from the day's CSV files: no row lost, none duplicated.

The cases run in two test modules, each with one `dg dev` (webserver, daemon, code server) on
loopback: tests/test_fault_drill_cli_ui.py and tests/test_fault_drill_sensor.py, which `make
test`'s two workers run side by side. Each case prints its recovery time, from the signal to the
next run's success.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus
from dagster._core.events import DagsterEventType
from dagster_graphql import DagsterGraphQLClient
from sqlalchemy.exc import OperationalError

from tests.conftest import DAGSTER, DG, REPO_ROOT, Platform, launch_command
from tests.raw_figures import figures_by_day

DAYS = ["2018-09-01", "2018-09-02"]
LOCATION = ["-w", str(REPO_ROOT / "workspace.yaml")]
JOB = "ingest_landing_zone"
RECOVERY_LIMIT = 120  # seconds: the "the next run succeeds within 2 minutes"
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
STEP_ENDS = {DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}

PATHS = ["cli", "ui", "sensor"]
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]
STEPS = {"dlt": "landing_zone_assets", "dbt": "jaffle_shop_models", "check": "volume_anomaly"}
CASES = [(path, step, sig) for path in PATHS for step in STEPS for sig in SIGNALS]
RECOVERY_TIMES: dict[str, float] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Drill:
    platform: Platform
    instance: DagsterInstance
    graphql: DagsterGraphQLClient
    log: Path
    sensor_on: bool = False

    def cli_run(self, day: str, log_name: str) -> subprocess.Popen[bytes]:
        """`dg launch` of the day's partitioned chain, in its own process group (as a shell job
        is), logging to a file."""
        with (self.log.parent / log_name).open("ab") as out:
            return subprocess.Popen(
                launch_command("tag:daily", day),
                cwd=REPO_ROOT,
                env=self.platform.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def ui_run(self, day: str) -> str:
        """A run launched as the UI launches one: the GraphQL launch mutation."""
        return self.graphql.submit_job_execution(JOB, tags={"dagster/partition": day})

    def deliver(self, day: str) -> None:
        if not self.sensor_on:
            subprocess.run(
                [DAGSTER, "sensor", "start", "landing_zone_sensor", *LOCATION],
                cwd=REPO_ROOT,
                env=self.platform.env,
                check=True,
                capture_output=True,
            )
            self.sensor_on = True
        subprocess.run(
            [sys.executable, "-m", "simulator.deliver", "--day", day],
            cwd=REPO_ROOT,
            env=self.platform.env,
            check=True,
            capture_output=True,
        )

    def runs(self) -> list[DagsterRun]:
        return list(self.instance.get_runs())

    def new_run(self, known: set[str], timeout: float = 180) -> DagsterRun:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            fresh = [run for run in self.runs() if run.run_id not in known]
            if fresh:
                return fresh[-1]
            time.sleep(0.2)
        raise AssertionError(f"no new run in {timeout} s; log:\n{self.tail()}")

    def wait_quiet(self, timeout: float = 300) -> None:
        """Until no run is queued or in progress."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(run.status in FINISHED for run in self.runs()):
                return
            time.sleep(0.5)
        raise AssertionError(f"runs still in progress after {timeout} s; log:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def step_events(self, run_id: str, step_key: str) -> set[DagsterEventType]:
        return {
            record.dagster_event.event_type
            for record in self.instance.all_logs(run_id)
            if record.dagster_event and record.dagster_event.step_key == step_key
        }

    def worker_pid(self, run_id: str) -> int | None:
        for record in self.instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
            data = record.dagster_event.engine_event_data if record.dagster_event else None
            if data and "pid" in data.metadata:
                return int(str(data.metadata["pid"].value))
        return None

    def wait_for(self, run_id: str, statuses: set[DagsterRunStatus], timeout: float) -> DagsterRun:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.instance.get_run_by_id(run_id)
            if run and run.status in statuses:
                return run
            time.sleep(0.2)
        run = self.instance.get_run_by_id(run_id)
        raise AssertionError(
            f"run {run_id} is {run.status if run else None} after {timeout:.0f} s; "
            f"log:\n{self.tail()}"
        )


def drill_on_loopback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drill]:
    """A platform with both days built and a `dg dev` serving it, for one test module's cases."""
    root = tmp_path_factory.mktemp("drill")
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO_ROOT / "platform" / "dagster.yaml").read_text())
    platform = Platform(data_dir=root / "data", dagster_home=home)
    platform.generate(DAYS[0], DAYS[-1])
    # Reference data and both days, built once; each case then rebuilds one day.
    platform.materialize(f"{DAYS[0]}...{DAYS[-1]}")

    port = free_port()
    log = root / "dagster_dev.log"
    with log.open("wb") as out:
        dev = subprocess.Popen(
            [DG, "dev", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=platform.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                assert dev.poll() is None, log.read_text()[-4000:]
                assert time.monotonic() < deadline, log.read_text()[-4000:]
                time.sleep(1)
        with DagsterInstance.from_config(str(home)) as instance:
            yield Drill(
                platform=platform,
                instance=instance,
                graphql=DagsterGraphQLClient("127.0.0.1", port_number=port),
                log=log,
            )
    finally:
        os.killpg(dev.pid, signal.SIGTERM)
        try:
            dev.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
        print("\nrecovery, signal to next run's success:")
        for case, seconds in RECOVERY_TIMES.items():
            print(f"  {case:32s} {seconds:6.1f} s")


def freeze_at_step(drill: Drill, run_id: str, step_key: str, pid_of) -> int | None:
    """Wait for the step's STEP_START, then SIGSTOP the process executing it. Returns the pid,
    or None if the run ended first."""
    while True:
        try:
            events = drill.step_events(run_id, step_key)
        except OperationalError:  # the run is writing its event log; read again
            continue
        if DagsterEventType.STEP_START in events:
            pid = pid_of()
            os.kill(pid, signal.SIGSTOP)
            return pid
        run = drill.instance.get_run_by_id(run_id)
        if run is not None and run.status in FINISHED:
            return None
        time.sleep(0.005)


def run_case(drill: Drill, path: str, step: str, sig: signal.Signals) -> None:
    """One case of the drill: a run started by `path`, caught in `step`, sent `sig`."""
    drill.wait_quiet()
    step_key = STEPS[step]
    day = DAYS[CASES.index((path, step, sig)) % len(DAYS)]
    case = f"{path}-{step}-{sig.name}"

    # Start runs until one is caught inside the step (a check takes about 0.1 s, so the freeze
    # can come after it ended; then that run finishes and the drill starts another).
    for _attempt in range(3):
        known = {run.run_id for run in drill.runs()}
        process = None
        if path == "cli":
            process = drill.cli_run(day, f"{case}.log")
        elif path == "ui":
            drill.ui_run(day)
        else:
            drill.deliver(day)
        run = drill.new_run(known)
        if process is not None:
            pid_of = lambda process=process: process.pid  # noqa: E731
        else:
            pid_of = lambda run_id=run.run_id: drill.worker_pid(run_id)  # noqa: E731
        pid = freeze_at_step(drill, run.run_id, step_key, pid_of)
        assert pid is not None, f"run {run.run_id} ended before {step_key}:\n{drill.tail()}"
        try:
            events = drill.step_events(run.run_id, step_key)
        except OperationalError:
            # Frozen in the middle of writing its event log, whose lock it now holds: let it
            # go on and catch another run.
            events = set()
        if DagsterEventType.STEP_START in events and not events & STEP_ENDS:
            break
        os.kill(pid, signal.SIGCONT)
        drill.wait_quiet()
    else:
        pytest.fail(f"could not catch {step_key} running in 3 runs")

    # The step has started and not finished: signal the process, as Ctrl-C (the whole shell
    # job), `kill` or `kill -9` would, and let it go on.
    killed_at = time.monotonic()
    if path == "cli" and sig == signal.SIGINT:
        os.killpg(pid, sig)
        os.killpg(pid, signal.SIGCONT)
    else:
        os.kill(pid, sig)
        if sig != signal.SIGKILL:
            os.kill(pid, signal.SIGCONT)

    # The next run, started at once by the same path (a sensor starts runs only for new
    # files, so after a sensor's run it is the UI's).
    known = {r.run_id for r in drill.runs()}
    if path == "cli":
        next_process = drill.cli_run(day, f"{case}-next.log")
    else:
        drill.ui_run(day)
    next_run = drill.new_run(known, timeout=RECOVERY_LIMIT)

    remaining = RECOVERY_LIMIT - (time.monotonic() - killed_at)
    succeeded = drill.wait_for(next_run.run_id, FINISHED, remaining)
    recovery = time.monotonic() - killed_at
    RECOVERY_TIMES[case] = recovery
    print(f"{case}: next run {succeeded.status.value} {recovery:.1f} s after the signal")
    if process is not None:
        process.wait(timeout=60)
    if path == "cli":
        next_process.wait(timeout=60)
    ended = drill.wait_for(
        run.run_id, {DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}, timeout=30
    )
    assert ended.status in {DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
    assert succeeded.status == DagsterRunStatus.SUCCESS, (
        f"{case}: the next run {next_run.run_id} is {succeeded.status}:\n{drill.tail()}"
    )
    # The step never finished in the killed run.
    assert not drill.step_events(run.run_id, step_key) & {DagsterEventType.STEP_SUCCESS}

    drill.wait_quiet()
    expected = figures_by_day(drill.platform.data_dir)
    orders = drill.platform.query(
        "select strftime(landed_on, '%Y-%m-%d'), count(*), count(distinct order_id), "
        "sum(order_total) from marts.orders group by 1 order by 1"
    )
    items = dict(
        drill.platform.query(
            "select strftime(landed_on, '%Y-%m-%d'), count(*) from marts.order_items group by 1"
        )
    )
    assert {day: (n, distinct) for day, n, distinct, _ in orders} == {
        day: (f.orders, f.orders) for day, f in expected.items()
    }
    assert {day: int(revenue * 100) for day, _, _, revenue in orders} == {
        day: f.revenue_cents for day, f in expected.items()
    }
    assert items == {day: f.items for day, f in expected.items()}
