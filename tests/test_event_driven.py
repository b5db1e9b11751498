"""Event-driven, end to end: a delivery, a bad day and a webhook, with both sensors on.

One `dg dev` (webserver, daemon, code server) on loopback serves the module, on a platform with
one day of data and nothing built. Turning the landing-zone and automation sensors on, as a user
does in the UI, then:

1. the sensor's run loads the day and builds the daily chain with its checks; only after it
   succeeded does an automation run build `customers` and the dimension marts, and the marts
   equal figures counted from the raw files;
2. a bad day (simulator/bad_day.py) fails its blocking checks in the sensor's run, and the
   automation ticks after it start nothing: `customers` keeps its last build;
3. the catalogue's publication, reported with the request README.md shows, makes one automation
   run load the catalogue and rebuild what reads it: the products mart holds the new prices, read
   from the catalogue file;
4. a report for an unknown asset and a body that is not JSON get their answers, and the
   publisher's client words them; nothing starts, nothing loaded changes.

tests/test_automation.py checks the same rules on the definitions, without runs.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter
from dagster._core.events import DagsterEventType

from graduated_platform.automation import AUTOMATION_RUN_TAG
from graduated_platform.definitions import defs
from graduated_platform.defs.ingestion import SHOP_DATABASE
from simulator.publish_catalog import PublishError, change_price, report_publication
from tests.conftest import DG, REPO_ROOT, Platform
from tests.raw_figures import assert_marts_equal_raw_figures, figures_by_day

pytestmark = pytest.mark.slow

DAY = "2018-09-01"
BAD_DAY = "2018-09-02"
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
SENSOR_TAG = "dagster/sensor_name"
MATERIALIZATION = DagsterEventType.ASSET_MATERIALIZATION
CUSTOMERS = AssetKey(["marts", "customers"])
# What reads every day, so waits while a day's blocking checks fail.
READ_THE_DAY = {
    CUSTOMERS,
    AssetKey(["marts", "customer_segments"]),
    AssetKey(["activation", "marketing_contacts"]),
}
# What customers read, whose blocking checks must pass before it is rebuilt.
CUSTOMERS_INPUTS = {AssetKey(["marts", "orders"]), AssetKey(["staging", "stg_customers"])}
CATALOGUE_READERS = {
    AssetKey(["raw", "products"]),
    AssetKey(["staging", "stg_products"]),
    AssetKey(["staging", "stg_supplies"]),
    AssetKey(["marts", "products"]),
    AssetKey(["marts", "supplies"]),
}
DIMENSION_MARTS = {
    CUSTOMERS,
    AssetKey(["marts", "products"]),
    AssetKey(["marts", "locations"]),
    AssetKey(["marts", "supplies"]),
}

REPOSITORIES = (
    "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"
)
START_SENSOR = """mutation ($s: SensorSelector!) {
  startSensor(sensorSelector: $s) { __typename ... on PythonError { message } }
}"""
SENSOR_TICKS = """query ($s: SensorSelector!) {
  sensorOrError(sensorSelector: $s) {
    ... on Sensor { sensorState { ticks(limit: 5) { timestamp status runIds } } }
  }
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def readme_webhook() -> tuple[str, str]:
    """The path and JSON body of the `curl` README.md shows a publisher sending."""
    readme = (REPO_ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(curl [^`]*report_asset_materialization[^`]*)```", readme)
    assert block, "README.md shows no curl to /report_asset_materialization/"
    words = shlex.split(block.group(1).replace("\\\n", " "))
    url = next(word for word in words if "/report_asset_materialization/" in word)
    body = words[words.index("-d") + 1]
    return url[url.index("/report_asset_materialization/") :], body


@dataclass
class EventDriven:
    platform: Platform
    instance: DagsterInstance
    url: str
    log: Path
    repository: dict[str, str]

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        assert "errors" not in answer, answer
        return answer["data"]

    def selector(self, sensor: str) -> dict[str, str]:
        return {**self.repository, "sensorName": sensor}

    def start_sensor(self, sensor: str) -> None:
        answer = self.graphql(START_SENSOR, {"s": self.selector(sensor)})["startSensor"]
        assert answer["__typename"] == "Sensor", answer

    def post(self, path: str, body: bytes, content_type: str = "application/json"):
        request = urllib.request.Request(
            f"{self.url}{path}", body, {"Content-Type": content_type}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def runs(self, tags: dict[str, str]) -> list[DagsterRun]:
        return list(self.instance.get_runs(RunsFilter(tags=tags)))

    def wait_for_run(
        self,
        tags: dict[str, str],
        known: set[str],
        timeout: float = 300,
        selecting: AbstractSet[AssetKey] = frozenset(),
    ):
        """The first run with `tags` not in `known` (and started for all of `selecting`), once
        it has finished."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            fresh = [
                run
                for run in self.runs(tags)
                if run.run_id not in known and selecting <= set(run.asset_selection or ())
            ]
            if fresh and fresh[-1].status in FINISHED:
                return fresh[-1]
            time.sleep(0.5)
        raise AssertionError(f"no finished run tagged {tags} in {timeout} s:\n{self.tail()}")

    def wait_for_tick_after(self, sensor: str, timestamp: float, timeout: float = 120) -> dict:
        """The sensor's first tick that started after `timestamp`, once it has ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.graphql(SENSOR_TICKS, {"s": self.selector(sensor)})["sensorOrError"]
            ticks = [
                tick
                for tick in state["sensorState"]["ticks"]
                if tick["timestamp"] > timestamp and tick["status"] != "STARTED"
            ]
            if ticks:
                return ticks[-1]
            time.sleep(1)
        raise AssertionError(f"{sensor} did not tick in {timeout} s:\n{self.tail()}")

    def settle(self, timeout: float = 600) -> None:
        """Until every run has finished and an automation tick after that started nothing: the
        platform's own follow-ups (the first observation of the shop database reloads its
        tables, and what reads them) are over."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(run.status in FINISHED for run in self.instance.get_runs()):
                tick = self.wait_for_tick_after("automation_sensor", time.time())
                if not self.materializing(tick["runIds"]):
                    return
            time.sleep(1)
        raise AssertionError(f"automation still starting runs after {timeout} s:\n{self.tail()}")

    def materializing(self, run_ids: list[str]) -> set[AssetKey]:
        """What the runs were started to materialize; the shop database's observation, which
        automation starts every 5 minutes, materializes nothing."""
        selected: set[AssetKey] = set()
        for run_id in run_ids:
            run = self.instance.get_run_by_id(run_id)
            selected |= set(run.asset_selection or ()) if run else set()
        return selected - {SHOP_DATABASE}

    def materialized(self, run_id: str) -> set[AssetKey]:
        return {
            record.dagster_event.asset_key
            for record in self.instance.all_logs(
                run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
            )
            if record.dagster_event and record.dagster_event.asset_key
        }

    def created(self, run_id: str) -> float:
        record = self.instance.get_run_record_by_id(run_id)
        assert record is not None
        return record.create_timestamp.timestamp()

    def ended(self, run_id: str) -> float:
        record = self.instance.get_run_record_by_id(run_id)
        assert record is not None and record.end_time is not None
        return record.end_time

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture(scope="module")
def event_driven(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EventDriven]:
    root = tmp_path_factory.mktemp("event_driven")
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO_ROOT / "platform" / "dagster.yaml").read_text())
    platform = Platform(data_dir=root / "data", dagster_home=home)
    platform.generate(DAY, DAY)

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
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=2)
                break
            except OSError:
                assert dev.poll() is None, log.read_text()[-4000:]
                assert time.monotonic() < deadline, log.read_text()[-4000:]
                time.sleep(1)
        with DagsterInstance.from_config(str(home)) as instance:
            drill = EventDriven(platform, instance, url, log, repository={})
            (repository,) = drill.graphql(REPOSITORIES)["repositoriesOrError"]["nodes"]
            drill.repository = {
                "repositoryName": repository["name"],
                "repositoryLocationName": repository["location"]["name"],
            }
            yield drill
    finally:
        os.killpg(dev.pid, signal.SIGTERM)
        try:
            dev.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)


def test_a_delivery_moves_the_daily_chain_then_automation_the_rest(event_driven: EventDriven):
    platform = event_driven.platform
    event_driven.start_sensor("automation_sensor")
    event_driven.start_sensor("landing_zone_sensor")
    sensor_run = event_driven.wait_for_run({SENSOR_TAG: "landing_zone_sensor"}, set())
    assert sensor_run.status == DagsterRunStatus.SUCCESS, event_driven.tail()
    # The run that builds customers. A 5-minute observation of the shop database that falls
    # while the sensor's run builds the day starts one before it: the shop's tables and what
    # reads them, but not customers, whose marts/orders is still being built.
    automation = {AUTOMATION_RUN_TAG: "automation"}
    automation_run = event_driven.wait_for_run(automation, set(), selecting={CUSTOMERS})
    assert automation_run.status == DagsterRunStatus.SUCCESS, event_driven.tail()

    # The sensor's run built the day's chain, not what reads every day: automation did.
    assert CUSTOMERS not in event_driven.materialized(sensor_run.run_id)
    by_automation = [event_driven.materialized(run.run_id) for run in event_driven.runs(automation)]
    assert set().union(*by_automation) >= DIMENSION_MARTS

    # Every blocking check on what customers read ran in the sensor's run, passed, and did so
    # before the automation run was created.
    evaluations = [
        (record.timestamp, record.dagster_event.asset_check_evaluation_data)
        for record in event_driven.instance.all_logs(
            sensor_run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
        )
        if record.dagster_event
    ]
    inputs_checked = [
        (timestamp, evaluation)
        for timestamp, evaluation in evaluations
        if evaluation.asset_key in CUSTOMERS_INPUTS
    ]
    assert inputs_checked, f"the sensor's run evaluated no check on {CUSTOMERS_INPUTS}"
    assert all(evaluation.passed for _, evaluation in inputs_checked), inputs_checked
    created = event_driven.created(automation_run.run_id)
    assert max(timestamp for timestamp, _ in inputs_checked) < created
    assert event_driven.ended(sensor_run.run_id) <= created

    assert_marts_equal_raw_figures(platform.warehouse, platform.data_dir)
    event_driven.settle()


def test_a_bad_day_leaves_downstream_untouched(event_driven: EventDriven):
    platform = event_driven.platform
    sensor_runs = {run.run_id for run in event_driven.runs({SENSOR_TAG: "landing_zone_sensor"})}
    automation_runs = {run.run_id for run in event_driven.runs({AUTOMATION_RUN_TAG: "automation"})}
    before = event_driven.instance.get_latest_materialization_event(CUSTOMERS)
    customers_before = platform.query("select * from marts.customers order by customer_id")

    subprocess.run(
        [sys.executable, "-m", "simulator.bad_day", "--day", BAD_DAY],
        cwd=REPO_ROOT,
        env=platform.env,
        check=True,
        capture_output=True,
    )
    bad_run = event_driven.wait_for_run({SENSOR_TAG: "landing_zone_sensor"}, sensor_runs)
    assert bad_run.status == DagsterRunStatus.FAILURE
    # The automation sensor looked after the failure, and started nothing that reads the day
    # (the shop database's own loads may come, on their 5-minute observation). customers
    # follows a parent only once its blocking checks passed: the starting platform's bad run
    # builds none of its parents, but a daily table added since (the workshop's refunds), whose
    # day had no file and loaded empty, passes its checks, and customers may follow it.
    tick = event_driven.wait_for_tick_after("automation_sensor", event_driven.ended(bad_run.run_id))
    parents = defs.resolve_asset_graph().get(CUSTOMERS).parent_keys
    if not event_driven.materialized(bad_run.run_id) & parents:
        assert event_driven.materializing(tick["runIds"]) & READ_THE_DAY == set(), tick
        started = {run.run_id for run in event_driven.runs({AUTOMATION_RUN_TAG: "automation"})}
        assert event_driven.materializing(sorted(started - automation_runs)) & READ_THE_DAY == set()
        after = event_driven.instance.get_latest_materialization_event(CUSTOMERS)
        assert before is not None and after is not None
        assert (after.run_id, after.timestamp) == (before.run_id, before.timestamp)
    # Either way, none of the bad day's rows reached customers.
    assert platform.query("select * from marts.customers order by customer_id") == customers_before
    day = figures_by_day(platform.data_dir)[DAY]
    by_day = platform.query("select landed_on, count(*) from marts.orders group by all")
    assert [(str(landed_on), count) for landed_on, count in by_day] == [(DAY, day.orders)]


def catalogue_prices(platform: Platform) -> dict[str, Decimal]:
    """Each product's price in dollars, read from the catalogue file itself."""
    catalog = json.loads((platform.data_dir / "shop" / "product_catalog.json").read_text())
    return {product["sku"]: Decimal(product["price"]) / 100 for product in catalog["products"]}


def test_a_webhook_request_as_the_readme_shows_reprices_the_marts(event_driven: EventDriven):
    platform = event_driven.platform
    known = {run.run_id for run in event_driven.runs({AUTOMATION_RUN_TAG: "automation"})}
    old_prices = catalogue_prices(platform)
    catalogue = platform.data_dir / "shop" / "product_catalog.json"
    change, _ = change_price(catalogue, "BEV-002", 555)
    assert old_prices["BEV-002"] != Decimal("5.55") == catalogue_prices(platform)["BEV-002"]

    path, body = readme_webhook()
    status, answer = event_driven.post(path, body.encode())
    assert (status, json.loads(answer)) == (200, {}), answer

    run = event_driven.wait_for_run({AUTOMATION_RUN_TAG: "automation"}, known)
    # A run of the shop database's observation (every 5 minutes) may come first.
    while AssetKey(["raw", "products"]) not in event_driven.materializing([run.run_id]):
        known.add(run.run_id)
        run = event_driven.wait_for_run({AUTOMATION_RUN_TAG: "automation"}, known)
    assert run.status == DagsterRunStatus.SUCCESS, event_driven.tail()
    # Automation may fold other pending work (the shop database's loads) into the same run.
    assert event_driven.materialized(run.run_id) >= CATALOGUE_READERS
    prices = dict(platform.query("select product_id, product_price from marts.products"))
    assert prices == catalogue_prices(platform)
    assert change.new_cents == 555


def test_an_unknown_asset_or_a_malformed_body_gets_a_clear_answer(event_driven: EventDriven):
    platform = event_driven.platform
    catalogue = platform.data_dir / "shop" / "product_catalog.json"
    published = catalogue.read_bytes()
    prices = dict(platform.query("select product_id, product_price from marts.products"))
    runs = {run.run_id for run in event_driven.instance.get_runs()}

    # The publisher's client asks first, and names the key it does not know.
    publisher = subprocess.run(
        [
            sys.executable, "-m", "simulator.publish_catalog",
            "--webserver", event_driven.url, "--asset", "shop/product_catalogue",
        ],
        cwd=REPO_ROOT,
        env=platform.env,
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert publisher.returncode == 1
    assert "has no asset shop/product_catalogue" in publisher.stderr, publisher.stderr
    assert "Traceback" not in publisher.stderr
    assert catalogue.read_bytes() == published
    assert (
        event_driven.instance.get_latest_materialization_event(
            AssetKey(["shop", "product_catalogue"])
        )
        is None
    )

    # The webserver's own answers, which README.md documents: a body that is not JSON gets a
    # bare 500; the publisher's client says what it means.
    path, _ = readme_webhook()
    status, answer = event_driven.post(path, b'{"data_version": ')
    assert (status, answer) == (500, "Internal Server Error")
    with pytest.raises(PublishError, match=r"refused the report \(500\).*not valid JSON"):
        report_publication(event_driven.url, "shop/product_catalog", b'{"data_version": ')
    status, answer = event_driven.post(path, b"data_version=1", "application/x-www-form-urlencoded")
    assert status == 400 and "Unhandled content type" in answer

    # Sent straight to the endpoint, a report for an unknown key is accepted (200, as README.md
    # says) and recorded against a key no asset has: the next automation tick starts nothing.
    unknown = path.replace("product_catalog", "product_catalogue")
    status, answer = event_driven.post(unknown, b'{"data_version": "1"}')
    assert (status, answer) == (200, "{}")
    tick = event_driven.wait_for_tick_after("automation_sensor", time.time())
    assert event_driven.materializing(tick["runIds"]) & CATALOGUE_READERS == set(), tick

    # Nothing of the catalogue started (the shop database's observation may have, on its 5
    # minutes), nothing loaded changed.
    started = {run.run_id for run in event_driven.instance.get_runs()} - runs
    assert event_driven.materializing(sorted(started)) & CATALOGUE_READERS == set()
    assert dict(platform.query("select product_id, product_price from marts.products")) == prices
