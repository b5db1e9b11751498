"""What the reference solutions do with the platform: the commands an attendee would type.

A solution copies its files from the exercise's `solution/` folder (the same paths as in the
repository, so a solution is read like a change), runs the Makefile's targets, and does what the
page asks to do in the UI through the CLI instead: `dg launch` for a materialization or a
backfill, `dagster sensor start` for the sensor's toggle. Where the CLI has no such command
(From failure on a run's page), a solution starts a UI of its own and sends what the button sends.
Where `make up` is running, its daemon is used; otherwise a solution that needs a daemon starts
one for as long as it needs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from simulator.marketing_loopback import free_port
from workshop.platform_state import REPO_ROOT, PlatformState

BIN = Path(sys.executable).parent
UI = "http://127.0.0.1:3000"
LOCATION = "graduated_platform"  # workspace.yaml's location_name
SENSOR = "landing_zone_sensor"
# The UI's GraphQL mutations behind Materialize and Re-execute, and what they answer.
LAUNCHED = (
    "{ __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } "
    "... on InvalidSubsetError { message } ... on RunConflict { message } }"
)
LAUNCH = "mutation($params: ExecutionParams!) { launchRun(executionParams: $params) %s }"
REEXECUTE = (
    "mutation($params: ReexecutionParams!) { launchRunReexecution(reexecutionParams: $params) %s }"
)
T = TypeVar("T")


class SolveError(RuntimeError):
    """A step of a solution failed; the message says which and what it printed."""


def days_argument(first: date, last: date) -> str:
    """dg launch's partition argument: one day, or a range run as one run."""
    return first.isoformat() if first == last else f"{first.isoformat()}...{last.isoformat()}"


class Workbench:
    """The attendee's repository and platform, for a solution to act on."""

    def __init__(self, repo_root: Path = REPO_ROOT) -> None:
        self.repo_root = repo_root

    def state(self) -> PlatformState:
        """A fresh view of the platform (runs, warehouse); the code location is not reloaded
        in this process, so a solution that changed code launches runs as subprocesses."""
        return PlatformState(self.repo_root)

    # --- commands ----------------------------------------------------------------------------

    def run(self, *command: str, expect_failure: bool = False, env: dict[str, str] | None = None
            ) -> str:  # fmt: skip
        """Run a command as typed in the repository; its output is shown and returned."""
        print("$ " + " ".join(command), flush=True)
        done = subprocess.run(
            command, cwd=self.repo_root, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        lines = done.stdout.strip().splitlines()
        if expect_failure and done.returncode != 0:
            # The reason, not the stack: a failure that was the point is no error.
            errors = [line for line in lines if "Error" in line and "File " not in line]
            print(f"  failed, as expected: {(errors or lines or [''])[-1].strip()}", flush=True)
        elif lines:
            print("  " + "\n  ".join(lines[-6:]), flush=True)
        if expect_failure != (done.returncode != 0):
            outcome = "succeeded" if done.returncode == 0 else f"failed ({done.returncode})"
            raise SolveError(f"`{' '.join(command)}` {outcome}:\n{done.stdout[-4000:]}")
        return done.stdout

    def make(self, target: str, **variables: str) -> str:
        return self.run("make", "--no-print-directory", target,
                        *(f"{name}={value}" for name, value in variables.items()))  # fmt: skip

    def python(self, *arguments: str) -> str:
        return self.run(sys.executable, *arguments)

    def launch(self, select: str, first: date | None = None, last: date | None = None,
               expect_failure: bool = False, env: dict[str, str] | None = None) -> str:  # fmt: skip
        """`dg launch`, as the README's commands do: what Materialize in the UI does."""
        partition: list[str] = []
        if first is not None:
            days = days_argument(first, last or first)
            partition = ["--partition-range" if "..." in days else "--partition", days]
        return self.run(
            str(BIN / "dg"), "launch", "--target-path", "platform", "--assets", select,
            *partition, expect_failure=expect_failure, env=env,
        )  # fmt: skip

    # --- files -------------------------------------------------------------------------------

    def copy_solution(self, exercise_folder: Path) -> list[Path]:
        """Copy the exercise's `solution/` tree onto the repository; returns what it wrote."""
        source = exercise_folder / "solution"
        written = []
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                target = self.repo_root / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                written.append(target)
        print("copied " + ", ".join(str(p.relative_to(self.repo_root)) for p in written))
        return written

    def edit(self, relative: str, marker: str, addition: str) -> None:
        """Insert `addition` after the first `marker` in a file, once: solving again changes
        nothing."""
        path = self.repo_root / relative
        text = path.read_text()
        if addition in text:
            return
        if marker not in text:
            raise SolveError(f"{relative} no longer contains {marker.strip()!r}: edit it by hand")
        path.write_text(text.replace(marker, marker + addition, 1))
        print(f"edited {relative}")

    def write_answers(self, exercise_folder: Path, answers: dict[str, object]) -> None:
        lines = [f"{name} = {json.dumps(value)}" for name, value in answers.items()]
        (exercise_folder / "answers.toml").write_text("\n".join(lines) + "\n")
        print(f"wrote {exercise_folder.name}/answers.toml: " + "; ".join(lines))

    def redraw_readme_graph(self) -> None:
        """The README's asset graph, drawn again from the definitions (tests/test_docs.py)."""
        print("$ python docs/asset_graph.py   (into README.md's mermaid block)", flush=True)
        # Its standard output only: loading the definitions warns on standard error.
        done = subprocess.run(
            [sys.executable, "docs/asset_graph.py"], cwd=self.repo_root, capture_output=True,
            text=True,
        )  # fmt: skip
        if done.returncode != 0 or not done.stdout.startswith("flowchart"):
            error = done.stderr[-3000:]
            raise SolveError(f"docs/asset_graph.py could not draw the graph:\n{error}")
        drawn = done.stdout.strip()
        readme = self.repo_root / "README.md"
        text = readme.read_text()
        redrawn = re.sub(r"```mermaid\n.*?\n```", lambda _: f"```mermaid\n{drawn}\n```", text,
                         count=1, flags=re.DOTALL)  # fmt: skip
        readme.write_text(redrawn)

    # --- the running platform ----------------------------------------------------------------

    def graphql(self, url: str, query: str, variables: dict[str, Any] | None = None
                ) -> dict[str, Any]:  # fmt: skip
        """A query to a UI's GraphQL API: what its buttons send."""
        request = urllib.request.Request(
            f"{url}/graphql", json.dumps({"query": query, "variables": variables or {}}).encode(),
            {"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=120) as response:
            answer: dict[str, Any] = json.loads(response.read())
        return answer

    def reload_ui(self) -> None:
        """Press Reload definitions, if `make up` is running (the UI and daemon see new code)."""
        if not self.daemon_alive():
            return  # no `make up` here; a UI on port 3000 would be another platform's
        query = (
            'mutation { reloadRepositoryLocation(repositoryLocationName: "' + LOCATION + '") '
            "{ __typename } }"
        )
        try:
            self.graphql(UI, query)
            print("reloaded the definitions in the running UI")
        except (urllib.error.URLError, OSError):
            pass  # no UI running: the next process loads the new code anyway

    def daemon_alive(self) -> bool:
        """Whether a Dagster daemon (the one `make up` starts) has reported in the last minute."""
        heartbeats = self.state().instance.get_daemon_heartbeats()
        return any(time.time() - beat.timestamp < 60 for beat in heartbeats.values())

    def sensor_running(self) -> bool:
        from dagster._core.scheduler.instigation import InstigatorStatus, InstigatorType

        states = self.state().instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
        return any(s.name == SENSOR and s.status == InstigatorStatus.RUNNING for s in states)

    def last_sensor_tick(self, sensor: str) -> float:
        """When the daemon last evaluated `sensor` (0 before its first tick)."""
        from dagster._core.scheduler.instigation import InstigatorType

        states = self.state().instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
        ticks = [getattr(s.instigator_data, "last_tick_timestamp", None) for s in states
                 if s.name == sensor]  # fmt: skip
        return max((tick or 0.0 for tick in ticks), default=0.0)

    # What a solution does with a button in the UI, sent as the button sends it. A run started so
    # has the UI's origin, which the run page's Re-execute buttons need (`dg launch` runs have
    # none); the daemon launches it from the queue.

    def materialize_in_ui(self, ui: str, select: str) -> tuple[str, str]:
        """Lineage > the selection > Materialize all; waits for the run to end and returns
        (its id, its status: SUCCESS, FAILURE or CANCELED)."""
        keys = [{"path": parts} for parts in self.selected_assets(select)]
        print(f"(in the UI: Lineage > {select} > Materialize all: {len(keys)} assets)")
        params = {
            "selector": {
                "repositoryLocationName": LOCATION, "repositoryName": "__repository__",
                "jobName": "__ASSET_JOB", "assetSelection": keys,
            },
            "mode": "default",
        }  # fmt: skip
        answer = self.graphql(ui, LAUNCH % LAUNCHED, {"params": params})
        return self.wait_for_launched(answer.get("data", {}).get("launchRun", {}), select)

    def selected_assets(self, select: str) -> list[list[str]]:
        """The keys of the assets a selection names, resolved by `dg list defs` in the code as
        it is now."""
        command = [str(BIN / "dg"), "list", "defs", "--target-path", "platform",
                   "--assets", select, "--json"]  # fmt: skip
        done = subprocess.run(command, cwd=self.repo_root, capture_output=True, text=True)
        if done.returncode != 0:
            raise SolveError(f"`{' '.join(command)}` failed:\n{done.stderr[-4000:]}")
        return [asset["asset_key_parts"] for asset in json.loads(done.stdout)["assets"]]

    def reexecute_from_failure(self, ui: str, run_id: str) -> tuple[str, str]:
        """Runs > the run > the arrow beside Re-execute all > From failure; waits for the new
        run to end and returns (its id, its status)."""
        print(f"(in the UI: Runs > {run_id[:8]} > Re-execute all's arrow > From failure)")
        params = {"parentRunId": run_id, "strategy": "FROM_FAILURE"}
        answer = self.graphql(ui, REEXECUTE % LAUNCHED, {"params": params})
        launched = answer.get("data", {}).get("launchRunReexecution", {})
        return self.wait_for_launched(launched, f"run {run_id[:8]} from failure")

    def wait_for_launched(self, launched: dict[str, Any], what: str) -> tuple[str, str]:
        if launched.get("__typename") != "LaunchRunSuccess":
            raise SolveError(f"the UI did not launch {what}: {launched}")
        run_id = str(launched["run"]["runId"])
        ended = {"SUCCESS", "FAILURE", "CANCELED"}

        def status() -> str | None:
            run = self.state().instance.get_run_by_id(run_id)
            return run.status.value if run is not None and run.status.value in ended else None

        final = self.wait_for(f"run {run_id[:8]} ({what}) to end", status, timeout=900)
        print(f"  run {run_id[:8]} ({what}): {final}", flush=True)
        return run_id, final

    @contextmanager
    def webserver(self) -> Iterator[str]:
        """A UI of this platform on a free loopback port, for as long as the block runs; yields
        its address. Its own even beside `make up`'s: port 3000 may show another platform."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1",
                   "-p", str(port)]  # fmt: skip
        print(f"$ {' '.join(command)}   (until this step ends)", flush=True)
        with self.background(command, "workshop-webserver.log"):

            def answers() -> bool:
                try:
                    with urllib.request.urlopen(f"{url}/server_info", timeout=5):
                        return True
                except (urllib.error.URLError, OSError):
                    return False

            self.wait_for("the UI to start", answers, timeout=180)
            yield url

    @contextmanager
    def background(self, command: list[str], log_name: str) -> Iterator[None]:
        """A process of the platform's, in the repository, for as long as the block runs; its
        output in the data folder."""
        log = (self.state().data_dir / log_name).open("wb")
        process = subprocess.Popen(
            command, cwd=self.repo_root, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            yield
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()

    @contextmanager
    def daemon(self) -> Iterator[None]:
        """The daemon `make up` runs, or one started here for as long as the block runs."""
        if self.daemon_alive():
            yield
            return
        command = [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"]
        print(f"$ {' '.join(command)}   (until this solution ends)")
        try:
            with self.background(command, "workshop-daemon.log"):
                # Until it reports in, the block would take it for no daemon at all.
                self.wait_for("the daemon to report in", self.daemon_alive, timeout=180)
                yield
        finally:
            # Its last heartbeats would make the next solution think a daemon still ticks.
            self.state().instance.wipe_daemon_heartbeats()

    def wait_for(self, what: str, probe: Callable[[], T | None], timeout: float = 900) -> T:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = probe()
            if found:
                return found
            time.sleep(2)
        raise SolveError(f"waited {timeout:.0f} s for {what}; see the UI's Runs page")

    def wait_for_sensor_runs(self, since: float, timeout: float = 900) -> None:
        """Wait until the sensor has started a run after `since` and every such run has ended."""
        from datetime import UTC, datetime

        from dagster import DagsterRunStatus, RunsFilter

        ended = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
        runs_filter = RunsFilter(
            tags={"dagster/sensor_name": SENSOR},
            created_after=datetime.fromtimestamp(since, tz=UTC),
        )

        def settled() -> bool:
            records = self.state().instance.get_run_records(runs_filter)
            return bool(records) and all(record.dagster_run.status in ended for record in records)

        print(f"waiting for {SENSOR}'s runs (a tick every 30 s, then the run)...", flush=True)
        self.wait_for(f"{SENSOR} to start a run and the run to end", settled, timeout)

    def run_delivered_days(self, select: str, first: date, last: date, delivered_at: float,
                           expect_failure: bool = False) -> None:  # fmt: skip
        """What runs delivered days: the sensor, where it is on and a daemon ticks it (this then
        waits for its runs), or else `dg launch`, as a user without the sensor would."""
        if self.sensor_running() and self.daemon_alive():
            self.wait_for_sensor_runs(since=delivered_at - 1)
        else:
            self.launch(select, first, last, expect_failure=expect_failure)
