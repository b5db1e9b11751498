"""The production instance config (platform/dagster-production.yaml) against a real PostgreSQL.

One PostgreSQL server on loopback for the module (tests/postgres_server.py). On it, the three
long-running services start the way deploy/docker-compose.yml starts them: a code server, the
webserver and the daemon, every one with the production dagster.yaml in its DAGSTER_HOME and
the connection in DAGSTER_POSTGRES_* variables. A run submitted through the webserver's GraphQL
API is queued, launched by the daemon through the code server, and read back from PostgreSQL's
own tables. The code location runs its local setup (DuckDB): what is under test here is the
instance, and Snowflake cannot run on this machine (tests/test_production_snowflake.py covers
what an emulator can).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import psycopg2
import pytest
from dagster import DagsterEventType, DagsterInstance
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._grpc.client import DagsterGrpcClient
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

from tests.conftest import REPO_ROOT
from tests.postgres_server import Postgres, free_port, postgres_server

pytestmark = pytest.mark.slow

PRODUCTION_CONFIG = REPO_ROOT / "platform" / "dagster-production.yaml"
BIN = Path(sys.executable).parent
LOCATION = "graduated_platform"

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 120) -> T:
    """Poll `probe` until it returns something, or fail naming what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def production_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(PRODUCTION_CONFIG, home / "dagster.yaml")
    return home


def sql(postgres: Postgres, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg2.connect(postgres.url) as connection, connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def test_the_instance_keeps_everything_in_postgres_with_queue_pools_monitoring_and_retries(
    postgres: Postgres, production_home: Path, monkeypatch: pytest.MonkeyPatch
):
    for name, value in postgres.dagster_env.items():
        monkeypatch.setenv(name, value)
    with DagsterInstance.from_config(str(production_home)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 4
        assert instance.run_monitoring_enabled
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
        # The instance created its schema in the server this test started.
        tables = {name for (name,) in sql(postgres, "select tablename from pg_tables")}
        assert {"runs", "event_logs", "daemon_heartbeats", "concurrency_slots"} <= tables


def test_the_daemons_first_command_limits_the_landing_loads_to_one_at_a_time(
    postgres: Postgres, production_home: Path, monkeypatch: pytest.MonkeyPatch
):
    """What deploy/docker-compose.yml runs before the daemon, against the real PostgreSQL."""
    for name, value in postgres.dagster_env.items():
        monkeypatch.setenv(name, value)
    env = {**os.environ, "DAGSTER_HOME": str(production_home)}
    command = [str(BIN / "dagster"), "instance", "concurrency", "set", "landing_zone_loads", "1"]
    subprocess.run(command, env=env, cwd=REPO_ROOT, check=True, capture_output=True)
    with DagsterInstance.from_config(str(production_home)) as instance:
        info = instance.event_log_storage.get_pool_limits()
        assert {limit.name: limit.limit for limit in info}.get("landing_zone_loads") == 1


def test_a_missing_postgres_variable_is_named(
    postgres: Postgres, production_home: Path, monkeypatch: pytest.MonkeyPatch
):
    for name, value in postgres.dagster_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DAGSTER_POSTGRES_PASSWORD")
    with pytest.raises(Exception, match="DAGSTER_POSTGRES_PASSWORD"):
        DagsterInstance.from_config(str(production_home))


@dataclass
class Deployment:
    """The three services of deploy/docker-compose.yml, as processes on loopback."""

    webserver_url: str
    data_dir: Path
    processes: dict[str, subprocess.Popen[bytes]]
    logs: Path

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.webserver_url}/graphql", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
        assert "errors" not in answer, answer
        return answer["data"]

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def check_running(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} exited:\n{self.log(name)}"


def start(name: str, command: list[str], env: dict[str, str], logs: Path) -> subprocess.Popen:
    # A session of its own, so that stopping it also stops what it started (run workers).
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=(logs / f"{name}.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to each process's group at once, then SIGKILL to whatever still runs."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in running:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def code_server_up(port: int) -> bool:
    # What `dagster api grpc-health-check` (compose's health check) asks, without a process each.
    client = DagsterGrpcClient(port=port, host="127.0.0.1")
    try:
        return client.health_check_query() == "SERVING"
    except Exception:  # not listening yet
        return False


def webserver_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError):
        return False


@pytest.fixture(scope="module")
def deployment(
    postgres: Postgres, production_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    from simulator.generate import generate

    work = tmp_path_factory.mktemp("deployment")
    logs = work / "logs"
    logs.mkdir()
    data_dir = work / "data"
    generate(data_dir, date(2018, 9, 1), date(2018, 9, 1))

    code_port, web_port = free_port(), free_port()
    # What deploy/workspace.yaml says, with loopback in place of the compose service name.
    workspace = work / "workspace.yaml"
    workspace.write_text(
        "load_from:\n  - grpc_server:\n"
        f"      host: 127.0.0.1\n      port: {code_port}\n      location_name: {LOCATION}\n"
    )
    env = {
        **os.environ,
        **postgres.dagster_env,
        "DAGSTER_HOME": str(production_home),
        "PLATFORM_DATA_DIR": str(data_dir),
    }
    env.pop("PLATFORM_ENV", None)  # the code location's local setup: see the module docstring
    processes: dict[str, subprocess.Popen[bytes]] = {}
    deployment = Deployment(f"http://127.0.0.1:{web_port}", data_dir, processes, logs)
    try:
        processes["code-server"] = start(
            "code-server",
            [str(BIN / "dagster"), "code-server", "start", "-h", "127.0.0.1",
             "-p", str(code_port), "-m", "graduated_platform.definitions"],
            env, logs,
        )  # fmt: skip
        # As compose's health check does: the other two start once the code server answers.
        wait_for("the code server's health check", lambda: code_server_up(code_port))
        deployment.check_running()
        processes["webserver"] = start(
            "webserver",
            [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(web_port),
             "-w", str(workspace)],
            env, logs,
        )  # fmt: skip
        processes["daemon"] = start(
            "daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)], env, logs
        )
        wait_for("the webserver's /server_info", lambda: webserver_up(deployment.webserver_url))
        deployment.check_running()
        yield deployment
    finally:
        stop(list(processes.values()))


LOCATION_QUERY = """
query {
  workspaceOrError {
    ... on Workspace {
      locationEntries {
        name
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { repositories { assetNodes { assetKey { path } } } }
          ... on PythonError { message }
        }
      }
    }
  }
}
"""

LAUNCH_RUN = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""


def loaded_asset_keys(deployment: Deployment) -> set[str] | None:
    entries = deployment.graphql(LOCATION_QUERY)["workspaceOrError"]["locationEntries"]
    for entry in entries:
        location = entry["locationOrLoadError"]
        if entry["name"] == LOCATION and location is not None:
            assert location["__typename"] == "RepositoryLocation", location
            nodes = location["repositories"][0]["assetNodes"]
            return {"/".join(node["assetKey"]["path"]) for node in nodes}
    return None


def test_the_webserver_serves_the_code_location_from_the_code_server(deployment: Deployment):
    keys = wait_for("the code location to load", lambda: loaded_asset_keys(deployment))
    assert {"raw/customers", "raw/stores", "marts/orders"} <= keys


def test_the_daemon_heartbeats_in_postgres(deployment: Deployment, postgres: Postgres):
    # The daemon runs one loop per duty the instance config asks for: the queue needs the
    # QUEUED_RUN_COORDINATOR, run monitoring the MONITORING daemon.
    expected = {"SCHEDULER", "SENSOR", "QUEUED_RUN_COORDINATOR", "MONITORING", "BACKFILL"}

    def beating() -> set[str] | None:
        deployment.check_running()
        daemons = {kind for (kind,) in sql(postgres, "select daemon_type from daemon_heartbeats")}
        return daemons if expected <= daemons else None

    assert expected <= wait_for("the daemon's heartbeats", beating)


def test_a_run_is_queued_launched_by_the_daemon_and_recorded_in_postgres(
    deployment: Deployment, postgres: Postgres
):
    wait_for("the code location to load", lambda: loaded_asset_keys(deployment))
    params = {
        "selector": {
            "repositoryLocationName": LOCATION,
            "repositoryName": "__repository__",
            "jobName": "__ASSET_JOB",
            "assetSelection": [{"path": ["raw", "customers"]}, {"path": ["raw", "stores"]}],
        },
        "runConfigData": {},
    }
    launched = deployment.graphql(LAUNCH_RUN, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]

    def finished() -> str | None:
        deployment.check_running()
        [(status,)] = sql(postgres, "select status from runs where run_id = %s", run_id)
        return status if status in ("SUCCESS", "FAILURE", "CANCELED") else None

    status = wait_for("the run to finish", finished, timeout=240)
    query = "select dagster_event_type from event_logs where run_id = %s order by id"
    events = [kind for (kind,) in sql(postgres, query, run_id)]
    assert status == "SUCCESS", (events, deployment.log("code-server"))
    # Submitted to the queue, taken off it by the daemon: the queued run coordinator at work.
    order = [
        events.index(kind.value)
        for kind in (DagsterEventType.RUN_ENQUEUED, DagsterEventType.RUN_STARTING,
                     DagsterEventType.RUN_START)
    ]  # fmt: skip
    assert order == sorted(order), events
    # The load claimed a slot of the warehouse pool, whose limit is the production default.
    [(limit,)] = sql(
        postgres, "select count(*) from concurrency_slots where concurrency_key = 'warehouse'"
    )
    assert limit == 4

    # What the run loaded is the shop database's contents, counted by sqlite itself.
    with sqlite3.connect(deployment.data_dir / "shop" / "shop.db") as shop:
        [(customers,)] = shop.execute("select count(*) from customers").fetchall()
    with duckdb.connect(str(deployment.data_dir / "warehouse.duckdb"), read_only=True) as db:
        [(loaded,)] = db.sql("select count(*) from raw.customers").fetchall()
    assert loaded == customers > 0
