"""Activation: the customer segments synced to the shop's marketing system.

Two levels, each as low as is still real. The sending side (activation/) runs against the
simulated marketing service as a real process on loopback, with a real dlt pipeline and a real
DuckDB file: batching, faults, an interrupted sync and its resumption, the client's 4xx and
timeouts. The platform runs (`dg launch`, one module fixture, a few days of simulator data) check
what only a run can show: the contacts the service holds after a first and a second sync against
what the raw files imply, the counts a run records, a bad day that never reaches the service,
three 503s retried by Dagster, a 400 that fails at once, and a token that appears nowhere.
"""

from __future__ import annotations

import math
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from activation.changes import Contact
from activation.marketing_client import MarketingClient, RejectedRequest, TransientServiceError
from activation.sent_state import SentState
from activation.sync import sync_contacts
from landing_zone.storage import FolderStorage
from simulator.bad_day import deliver_bad_day
from simulator.deliver import deliver
from simulator.marketing_loopback import LoopbackMarketingService
from tests.conftest import DG, PROJECT, REPO_ROOT, Platform, launch_command
from tests.raw_segments import expected_changes, expected_contacts

CONTACTS_KEY = AssetKey(["activation", "marketing_contacts"])
STEP = "activation__marketing_contacts"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LoopbackMarketingService]:
    running = LoopbackMarketingService(tmp_path / "service").start()
    yield running
    running.stop()


def members(count: int, version: str = "v1") -> list[Contact]:
    return [
        Contact.of(f"customer-{i:05d}", {"customer_name": f"Customer {i}", "version": version})
        for i in range(count)
    ]


@dataclass
class Syncer:
    """activation.sync against `service`, with its sent state in a DuckDB file of its own."""

    service: LoopbackMarketingService
    folder: Path
    timeout_seconds: float = 10.0
    runs: list[str] = field(default_factory=list)

    def sync(self, contacts: list[Contact]) -> Any:
        run_id = f"run-{len(self.runs) + 1}"
        self.runs.append(run_id)
        state_pipeline = dlt.pipeline(
            "state",
            destination=dlt.destinations.duckdb(str(self.folder / "warehouse.duckdb")),
            dataset_name="activation",
            pipelines_dir=str(self.folder / "dlt"),
        )
        with (
            state_pipeline.sql_client() as client,
            MarketingClient(self.service.url, self.service.token, self.timeout_seconds) as api,
        ):
            return sync_contacts(contacts, api, SentState(client), run_id, self.folder / "dlt")

    def sent_state(self) -> dict[str, str]:
        with duckdb.connect(str(self.folder / "warehouse.duckdb"), read_only=True) as db:
            rows = db.sql(
                "select customer_id, properties from activation.marketing_contacts"
                " where not is_deleted"
            ).fetchall()
        return dict(rows)


def api_requests(service: LoopbackMarketingService) -> dict[str, int]:
    """Requests the service received by kind, less the tests' own calls to its admin endpoints."""
    return {k: n for k, n in service.stats()["requests"].items() if k != "admin"}


def held(service: LoopbackMarketingService, contacts: list[Contact]) -> bool:
    return service.contacts() == {c.key: c.properties for c in contacts}


def test_a_sync_sends_everything_once_then_only_what_changed(
    service: LoopbackMarketingService, tmp_path: Path
):
    syncer = Syncer(service, tmp_path)
    first = members(250)
    report = syncer.sync(first)
    assert (report.inserted, report.updated, report.deleted, report.batches) == (250, 0, 0, 3)
    assert held(service, first)

    # 10 leave the segments, 5 change, 20 join.
    second = [*members(240)[:5], *members(240, "v2")[5:10], *members(240)[10:], *members(260)[250:]]
    before = api_requests(service)
    report = syncer.sync(second)
    assert (report.inserted, report.updated, report.deleted, report.unchanged) == (10, 5, 10, 235)
    assert held(service, second)
    after = api_requests(service)
    assert after["upsert"] - before["upsert"] == 1  # 15 upserts: one batch
    assert after["delete"] - before.get("delete", 0) == 1

    # Nothing changed: nothing is sent.
    report = syncer.sync(second)
    assert (report.inserted, report.updated, report.deleted, report.batches) == (0, 0, 0, 0)
    assert api_requests(service) == after


def test_a_sync_killed_half_way_is_finished_by_the_next_without_resending(
    service: LoopbackMarketingService, tmp_path: Path
):
    syncer = Syncer(service, tmp_path, timeout_seconds=2)
    contacts = members(450)
    # The third batch hangs; the service dies while the client waits for it.
    service.fault(after=2, hang_seconds=30, count=1)
    with pytest.raises(TransientServiceError, match="no answer within 2 s"):
        syncer.sync(contacts)
    service.kill()
    assert len(syncer.sent_state()) == 200  # what the service acknowledged, and only that

    service.start()
    received_before = api_requests(service).get("upsert", 0)  # a fresh process: 0
    report = syncer.sync(contacts)
    assert report.resumed_interrupted_sync
    assert held(service, contacts)
    assert syncer.sent_state().keys() == {c.key for c in contacts}
    # dlt resumed at the third batch: 250 contacts in 3 requests, none of the first 200 again.
    assert service.stats()["requests"]["upsert"] - received_before == 3
    assert report.inserted == 250  # this run's share; the first run recorded its 200


def test_faults_injected_between_batches_lose_and_double_nothing(
    service: LoopbackMarketingService, tmp_path: Path
):
    syncer = Syncer(service, tmp_path)
    contacts = members(500)
    service.fault(after=1, status=503, count=1, retry_after=1)
    with pytest.raises(TransientServiceError, match="503") as failed:
        syncer.sync(contacts)
    assert failed.value.retry_after == 1
    service.fault(after=1, status=502, count=1)
    with pytest.raises(TransientServiceError, match="502"):
        syncer.sync(contacts)
    syncer.sync(contacts)
    assert held(service, contacts)
    # Five batches accepted once each, and the two refused ones once more: no batch was sent
    # again after it was accepted.
    assert api_requests(service)["upsert"] == math.ceil(500 / 100) + 2


def test_a_400_fails_at_once_with_the_services_message(
    service: LoopbackMarketingService, tmp_path: Path
):
    service.fault(status=400, count=1, message="property 'segments' is not defined")
    with pytest.raises(RejectedRequest, match="answered 400: property 'segments' is not defined"):
        Syncer(service, tmp_path).sync(members(10))
    assert service.stats()["requests"]["upsert"] == 1  # not retried


def test_the_client_waits_out_429s_and_gives_up_on_a_hang(service: LoopbackMarketingService):
    service.fault(status=429, count=2, retry_after=1)
    with MarketingClient(service.url, service.token) as client:
        assert client.upsert([{"key": "a", "properties": {"x": 1}}])["created"] == 1
        assert client.rate_limit_waits == 2
    service.fault(hang_seconds=5, count=1)
    with MarketingClient(service.url, service.token, timeout_seconds=0.5) as client:
        with pytest.raises(TransientServiceError, match=r"no answer within 0\.5 s") as hung:
            client.delete(["a"])
        assert service.token not in str(hung.value) + repr(client)


def test_the_service_refuses_a_wrong_token_and_malformed_batches(
    service: LoopbackMarketingService,
):
    with (
        MarketingClient(service.url, "not-the-token") as client,
        pytest.raises(RejectedRequest, match="401: missing or invalid bearer token"),
    ):
        client.delete(["a"])
    with MarketingClient(service.url, service.token) as client:
        with pytest.raises(RejectedRequest, match="appears twice in one batch"):
            client.upsert([{"key": "a", "properties": {}}, {"key": "a", "properties": {}}])
        with pytest.raises(RejectedRequest, match="property 'x' is a dict"):
            client.upsert([{"key": "a", "properties": {"x": {"nested": 1}}}])
    assert service.token not in service.log.read_text()


# --- The platform's runs --------------------------------------------------------------------


@dataclass
class Story:
    platform: Platform
    service: LoopbackMarketingService
    logs: dict[str, str]
    metadata: dict[str, dict[str, Any]]
    expected: dict[str, dict[str, dict[str, Any]]]
    held: dict[str, dict[str, dict[str, Any]]]
    requests: dict[str, dict[str, int]]


def launch(platform: Platform, service: LoopbackMarketingService, command: list[str]) -> str:
    result = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env={**platform.env, **service.env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    return result.stdout + result.stderr


def latest_metadata(instance: DagsterInstance) -> dict[str, Any]:
    event = instance.get_latest_materialization_event(CONTACTS_KEY)
    assert event is not None and event.asset_materialization is not None
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    root = tmp_path_factory.mktemp("activation")
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((PROJECT / "dagster.yaml").read_text())
    platform = Platform(data_dir=root / "data", dagster_home=home)
    service = LoopbackMarketingService(root / "service", rate_limit=10).start()
    story = Story(platform, service, {}, {}, {}, {}, {})
    instance = DagsterInstance.from_config(str(home))
    landing = FolderStorage(platform.landing)

    def step(name: str, command: list[str]) -> None:
        started = time.perf_counter()
        story.logs[name] = launch(platform, service, command)
        print(f"{name}: {time.perf_counter() - started:.1f} s")  # where the fixture's time goes
        # The writes the platform sent, counted before the test's own listing below.
        requests = api_requests(service)
        story.requests[name] = {kind: requests.get(kind, 0) for kind in ("upsert", "delete")}
        story.held[name] = service.contacts()

    try:
        platform.generate("2018-09-01", "2018-09-01")
        step("first", launch_command("*", "2018-09-01"))
        story.metadata["first"] = latest_metadata(instance)
        story.expected["first"] = expected_contacts(platform.data_dir)

        # The next night: a new day of orders, one customer renamed and one gone from the shop.
        deliver(landing, date(2018, 9, 2))
        contacts = sorted(story.expected["first"])
        renamed, gone = contacts[0], contacts[1]
        # As the shop's database records changes: each stamps updated_at, a deletion is soft.
        changed_at = "2018-09-02 10:00:00.000000"
        with sqlite3.connect(platform.data_dir / "shop" / "shop.db") as shop:
            shop.execute(
                "update customers set name = 'Renamed Customer', updated_at = ? where id = ?",
                (changed_at, renamed),
            )
            shop.execute(
                "update customers set deleted_at = ?, updated_at = ? where id = ?",
                (changed_at, changed_at, gone),
            )
        step("second", launch_command("*", "2018-09-02"))
        story.metadata["second"] = latest_metadata(instance)
        story.expected["second"] = expected_contacts(platform.data_dir)

        deliver_bad_day(landing, date(2018, 9, 3), ["missing-column"])
        step("bad day", launch_command("*", "2018-09-03"))

        # The good day 3 comes, and the service answers 503 three times.
        deliver(landing, date(2018, 9, 3))
        service.fault(status=503, count=3, retry_after=1)
        step("503s", launch_command("*", "2018-09-03"))
        story.metadata["503s"] = latest_metadata(instance)
        story.expected["503s"] = expected_contacts(platform.data_dir)

        # A change the service refuses: the segments model edited by hand, then activation alone.
        with duckdb.connect(str(platform.warehouse)) as warehouse:
            warehouse.execute(
                "update marts.customer_segments set customer_name = 'Edited' where customer_id = ?",
                [sorted(story.expected["503s"])[0]],
            )
        service.fault(status=400, count=1, message="property 'customer_name' is too long")
        step(
            "400",
            [
                DG,
                "launch",
                "--target-path",
                str(PROJECT),
                "--assets",
                str(CONTACTS_KEY.to_user_string()),
            ],
        )
        yield story
    finally:
        service.stop()
        instance.dispose()


def run_log(story: Story, name: str) -> str:
    return story.logs[name]


@pytest.mark.slow
def test_the_first_sync_sends_every_segment_member_as_the_raw_files_imply(story: Story):
    expected = story.expected["first"]
    assert expected, "day 1 has segment members (its new customers are all in `welcome`)"
    assert story.held["first"] == expected
    metadata = story.metadata["first"]
    assert metadata["contacts_inserted"] == len(expected)
    assert (metadata["contacts_updated"], metadata["contacts_deleted"]) == (0, 0)
    assert metadata["batches"] == math.ceil(len(expected) / 100)
    assert metadata["retries"] == 0


@pytest.mark.slow
def test_the_second_sync_sends_only_what_changed(story: Story):
    changes = expected_changes(story.expected["first"], story.expected["second"])
    assert (
        changes["inserted"] and changes["updated"] and changes["deleted"] and changes["unchanged"]
    )
    assert story.held["second"] == story.expected["second"]
    metadata = story.metadata["second"]
    assert {f: metadata[f"contacts_{f}"] for f in changes} == changes
    sent = {
        kind: story.requests["second"][kind] - story.requests["first"][kind]
        for kind in ("upsert", "delete")
    }
    upserts = changes["inserted"] + changes["updated"]
    assert sent == {
        "upsert": math.ceil(upserts / 100),
        "delete": math.ceil(changes["deleted"] / 100),
    }
    assert metadata["batches"] == sent["upsert"] + sent["delete"]


@pytest.mark.slow
def test_a_bad_day_never_reaches_the_marketing_system(story: Story):
    log = run_log(story, "bad day")
    assert "RUN_FAILURE" in log
    assert f'Started execution of step "{STEP}"' not in log
    assert story.held["bad day"] == story.held["second"]
    assert story.requests["bad day"] == story.requests["second"]


@pytest.mark.slow
def test_three_503s_are_retried_by_dagster_and_the_sync_succeeds(story: Story):
    log = run_log(story, "503s")
    assert "RUN_SUCCESS" in log, log[-5000:]
    assert log.count("STEP_UP_FOR_RETRY") == 3
    assert "answered 503: injected fault" in log
    assert story.metadata["503s"]["retries"] == 3
    assert story.held["503s"] == story.expected["503s"]


@pytest.mark.slow
def test_a_400_fails_the_step_at_once_with_the_services_message(story: Story):
    log = run_log(story, "400")
    assert "STEP_FAILURE" in log and "RUN_FAILURE" in log
    assert "STEP_UP_FOR_RETRY" not in log
    assert "answered 400: property 'customer_name' is too long" in log
    assert story.held["400"] == story.held["503s"]


@pytest.mark.slow
def test_the_token_appears_in_no_log_event_or_metadata(story: Story):
    token = story.service.token.encode()
    assert all(token not in log.encode() for log in story.logs.values())
    for folder in (story.platform.dagster_home, story.platform.data_dir):
        for path in folder.rglob("*"):
            if path.is_file() and path != story.service.log:
                assert token not in path.read_bytes(), path
    assert token not in story.service.log.read_bytes()
