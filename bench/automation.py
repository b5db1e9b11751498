"""Who should move the daily facts: the landing-zone sensor's runs, or declarative automation?

    .venv/bin/python bench/automation.py [sensor|automation]

A platform with one day built (2018-09-01, everything materialized) runs under `dagster dev`
with the landing-zone and automation sensors on. Ten days then land at once (2018-09-02 to
2018-09-11, written as `make deliver` writes a day). Measured until the marts are up to date:
the runs created, and the time from the delivery to the end of the last run, once the marts
equal figures counted here from the CSV files and the shop database (orders and revenue per day,
items, every customer's lifetime orders and spend). Two ways:

- `sensor`: the platform as it is. The sensor's run loads the days and builds the daily facts
  with their checks; automation then rebuilds `customers`.
- `automation`: bench/automation_daily_facts.py. The sensor's run loads the raw tables only;
  the daily facts follow by the platform's automation condition, then `customers`.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
from dagster import DagsterInstance, DagsterRunStatus

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BIN, REPO_ROOT, fresh_instance, materialize
from landing_zone.storage import FolderStorage
from simulator.deliver import deliver
from simulator.generate import generate

FIRST_DAY = date(2018, 9, 1)
BACKLOG_DAYS = 10
TIMEOUT = 900  # seconds, for the platform to catch up with the backlog
QUIET_SECONDS = 45  # longer than the automation sensor's 30 s between ticks
WORKSPACES = {
    "sensor": REPO_ROOT / "workspace.yaml",
    "automation": None,  # written per run: bench/automation_daily_facts.py
}
UNFINISHED = {
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
}
REPOSITORIES = (
    "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"
)
START_SENSOR = """mutation ($s: SensorSelector!) {
  startSensor(sensorSelector: $s) { __typename ... on PythonError { message } }
}"""


@dataclass
class Outcome:
    way: str
    runs: int
    runs_by_origin: Counter[str]
    failed_runs: int
    seconds: float
    marts_equal_raw: bool


def expected_marts(data_dir: Path) -> tuple[dict[str, tuple[int, Decimal]], int, dict]:
    """Orders and revenue per day, items, and each customer's lifetime (orders, spend), from the
    CSV files and the shop database alone."""
    by_day: dict[str, tuple[int, Decimal]] = {}
    per_customer: dict[str, list] = {}
    for path in sorted((data_dir / "landing" / "orders").glob("*.csv")):
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
        by_day[path.stem] = (len(rows), Decimal(sum(int(r["order_total"]) for r in rows)) / 100)
        for row in rows:
            count, cents = per_customer.get(row["customer"], (0, 0))
            per_customer[row["customer"]] = [count + 1, cents + int(row["order_total"])]
    items = 0
    for path in (data_dir / "landing" / "items").glob("*.csv"):
        with path.open(newline="") as f:
            items += sum(1 for _ in csv.DictReader(f))
    db = sqlite3.connect(data_dir / "shop" / "shop.db")
    customers = {
        customer: tuple(per_customer[customer]) if customer in per_customer else None
        for (customer,) in db.execute("select id from customers")
    }
    db.close()
    lifetime = {
        customer: (value[0], Decimal(value[1]) / 100) if value else (None, None)
        for customer, value in customers.items()
    }
    return by_day, items, lifetime


def marts_equal_raw(warehouse: Path, data_dir: Path) -> bool:
    by_day, items, lifetime = expected_marts(data_dir)
    try:
        with duckdb.connect(str(warehouse), read_only=True) as db:
            orders = db.sql(
                "select strftime(landed_on, '%Y-%m-%d'), count(*), sum(order_total) "
                "from marts.orders group by all"
            ).fetchall()
            (order_items,) = db.sql("select count(*) from marts.order_items").fetchone() or (0,)
            customers = db.sql(
                "select customer_id, count_lifetime_orders, lifetime_spend from marts.customers"
            ).fetchall()
    except duckdb.Error:
        return False  # a run holds the warehouse: look again later
    return (
        {day: (count, total) for day, count, total in orders} == by_day
        and order_items == items
        and {customer: (count, spend) for customer, count, spend in customers} == lifetime
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{url}/graphql", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    if "errors" in answer:
        raise RuntimeError(answer["errors"])
    return answer["data"]


def start_sensors(url: str) -> None:
    (repository,) = graphql(url, REPOSITORIES)["repositoriesOrError"]["nodes"]
    for sensor in ("automation_sensor", "landing_zone_sensor"):
        selector = {
            "repositoryName": repository["name"],
            "repositoryLocationName": repository["location"]["name"],
            "sensorName": sensor,
        }
        answer = graphql(url, START_SENSOR, {"s": selector})["startSensor"]
        if answer["__typename"] != "Sensor":
            raise RuntimeError(answer)


def workspace(way: str, root: Path) -> Path:
    path = WORKSPACES[way]
    if path is not None:
        return path
    path = root / "workspace.yaml"
    path.write_text(
        "load_from:\n"
        "  - python_file:\n"
        f"      relative_path: {REPO_ROOT / 'bench' / 'automation_daily_facts.py'}\n"
        "      location_name: graduated_platform\n"
        f"      working_directory: {REPO_ROOT}\n"
    )
    return path


def busy(instance: DagsterInstance) -> bool:
    if any(run.status in UNFINISHED for run in instance.get_runs(limit=50)):
        return True
    return any(
        backfill.status.value == "REQUESTED" for backfill in instance.get_backfills(limit=20)
    )


def wait_until_up_to_date(instance: DagsterInstance, data_dir: Path, deadline: float) -> bool:
    """Until no run is queued or running and the marts equal the raw figures."""
    while time.monotonic() < deadline:
        if not busy(instance) and marts_equal_raw(data_dir / "warehouse.duckdb", data_dir):
            return True
        time.sleep(1)
    return False


def settle(instance: DagsterInstance, data_dir: Path) -> None:
    """Until the marts are up to date and a whole automation interval passes with no new run:
    the first day's runs (the sensor's, then automation's) must not spill into the backlog's."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if not wait_until_up_to_date(instance, data_dir, deadline):
            break
        runs = len(instance.get_runs())
        time.sleep(QUIET_SECONDS)
        if len(instance.get_runs()) == runs and not busy(instance):
            return
    raise RuntimeError("the first day never settled")


def measure(way: str) -> Outcome:
    root = Path(tempfile.mkdtemp(prefix=f"bench-automation-{way}-"))
    data_dir, home = root / "data", root / "dagster_home"
    fresh_instance(home)
    generate(data_dir, FIRST_DAY, FIRST_DAY)
    materialize(data_dir, home, ["--partition", FIRST_DAY.isoformat()])
    env = {**os.environ, "PLATFORM_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(home)}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (root / "dagster_dev.log").open("wb")
    dev = subprocess.Popen(
        [BIN / "dagster", "dev", "-w", workspace(way, root), "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=2)
                break
            except OSError:
                if dev.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dagster dev did not start; see {log.name}") from None
                time.sleep(1)
        with DagsterInstance.from_config(str(home)) as instance:
            start_sensors(url)
            # The sensor's first tick loads the day already there; let that settle first.
            settle(instance, data_dir)
            before = {run.run_id for run in instance.get_runs()}
            storage = FolderStorage(data_dir / "landing")
            delivered = time.time()
            for offset in range(1, BACKLOG_DAYS + 1):
                deliver(storage, FIRST_DAY + timedelta(days=offset))
            # Let the sensor see the files before asking whether everything is done.
            time.sleep(5)
            up_to_date = wait_until_up_to_date(instance, data_dir, time.monotonic() + TIMEOUT)
            caught_up = time.time()
            # Runs that come after the marts are up to date count too (none should).
            time.sleep(QUIET_SECONDS)
            records = [
                record
                for record in instance.get_run_records()
                if record.dagster_run.run_id not in before
            ]
            last_end = max(
                (
                    record.end_time
                    for record in records
                    if record.end_time and record.end_time <= caught_up
                ),
                default=caught_up,
            )
            origins: Counter[str] = Counter(
                "backfill"
                if "dagster/backfill" in record.dagster_run.tags
                else record.dagster_run.tags.get("dagster/sensor_name", "other")
                for record in records
            )
            failed = sum(
                record.dagster_run.status != DagsterRunStatus.SUCCESS for record in records
            )
            return Outcome(way, len(records), origins, failed, last_end - delivered, up_to_date)
    finally:
        os.killpg(dev.pid, signal.SIGTERM)
        try:
            dev.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
        log.close()


def row(outcome: Outcome) -> str:
    origins = ", ".join(f"{n} {origin}" for origin, n in sorted(outcome.runs_by_origin.items()))
    return (
        f"| {outcome.way} | {outcome.runs} | {origins} | {outcome.failed_runs} "
        f"| {outcome.seconds:.1f} s | {'yes' if outcome.marts_equal_raw else 'NO'} |"
    )


def main(ways: list[str] | None = None) -> dict[str, float]:
    outcomes = []
    for way in ways or list(WORKSPACES):
        outcomes.append(measure(way))
        print(row(outcomes[-1]), flush=True)  # each as it comes: a way takes minutes
    print(f"a {BACKLOG_DAYS}-day backlog delivered at once, both sensors on")
    print("| daily facts moved by | runs | of them | failed | delivery to marts up to date "
          "| marts = raw figures |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for outcome in outcomes:
        print(row(outcome))
    if len(outcomes) < 2:
        return {}
    sensor, automation = outcomes
    ratio = automation.seconds / sensor.seconds
    print(f"automation / sensor, delivery to marts up to date: {ratio:.2f}x")
    return {"10-day backlog: daily facts by automation / by the sensor's runs": ratio}


if __name__ == "__main__":
    main(sys.argv[1:] or None)  # `sensor` or `automation` runs that way alone
