"""Retry policies: which step has which, what counts as transient, and a real retry.

The fast tests read the policies from the loaded definitions, classify real errors (from S3 on
loopback, a closed port, a real landing file) and run tiny steps with the real policy in
process. The slow one runs the landing-zone load from a bucket on loopback S3 with `dg launch`:
while the bucket answers 503 SlowDown the step fails and Dagster retries it, once the bucket is
back the retry loads the day; a file that is not CSV text fails at once, with no retry.
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import boto3
import dagster as dg
import pytest
from botocore.config import Config

from graduated_platform import retry_policies, settings
from graduated_platform.step_failures import fail_fast_unless_transient
from ingestion.landing_zone import read_landing_file
from ingestion.transient import explanation, is_transient
from landing_zone.files import LandingFileError
from simulator.s3_server import loopback_s3
from tests.conftest import REPO_ROOT, Platform, launch_command

NO_CLIENT_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


def test_each_group_has_its_declared_policy():
    from graduated_platform.definitions import defs

    graph = defs.resolve_asset_graph()
    by_group: dict[str, set] = {}
    # What runs in a step; the catalogue (external) and the shop database (observed) do not.
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        assets_def = node.assets_def
        by_group.setdefault(node.group_name, set()).add(assets_def.op.retry_policy)
        assert "retry_policy" in node.metadata, key  # the UI shows the policy in words
    # Locally every source is a folder or a file: nothing to retry. dbt never retries.
    assert by_group["ingestion"] == {None}
    assert by_group["staging"] == by_group["marts"] == {retry_policies.DBT_MODELS} == {None}
    # The Python checks run in steps of their own; dbt's tests run in dbt's step.
    checks = list(defs.asset_checks or [])
    assert checks and all(check.op.retry_policy is None for check in checks)  # type: ignore[union-attr]

    policy = retry_policies.REMOTE_INGESTION
    assert policy.backoff == dg.Backoff.EXPONENTIAL and policy.jitter == dg.Jitter.PLUS_MINUS
    remote = ("s3://shop/landing", "postgresql+psycopg2://reader@db/shop", None)
    local = ("file:///data/landing", "sqlite:////data/shop/shop.db")
    assert [retry_policies.ingestion_policy(settings.is_remote(url)) for url in remote] == [
        policy
    ] * 3
    assert [retry_policies.ingestion_policy(settings.is_remote(url)) for url in local] == [None] * 2


def client_error(s3, bucket: str) -> BaseException:
    client = boto3.client("s3", endpoint_url=s3.endpoint_url, config=NO_CLIENT_RETRIES)
    try:
        client.list_objects_v2(Bucket=bucket)
    except Exception as error:
        return error
    raise AssertionError("the request succeeded")


def test_transient_errors_are_told_from_deterministic_ones():
    with loopback_s3() as s3:
        s3.client().create_bucket(Bucket="shop")
        missing_bucket = client_error(s3, "no-such-bucket")
        s3.unavailable = True
        slow_down = client_error(s3, "shop")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    refused = client_error(type("Closed", (), {"endpoint_url": closed}), "shop")
    with pytest.raises(LandingFileError) as bad_file:
        read_landing_file("orders/2018-09-02.csv", "orders", date(2018, 9, 2), b"id\n\xff\xfe\n")

    assert is_transient(slow_down) and "SlowDown" in str(slow_down)
    assert is_transient(refused)
    assert not is_transient(missing_bucket) and "NoSuchBucket" in str(missing_bucket)
    assert not is_transient(bad_file.value)
    # Wrapped as dlt wraps it, the explained message is still the one shown.
    try:
        raise RuntimeError("Pipeline execution failed at stage extract") from bad_file.value
    except RuntimeError as wrapped:
        assert not is_transient(wrapped)
        assert explanation(wrapped).startswith("landing file orders/2018-09-02.csv is not a UTF-8")


def run_events(result: dg.ExecuteInProcessResult) -> list[str]:
    return [event.event_type_value for event in result.all_events]


def test_a_deterministic_failure_fails_at_once_under_the_remote_policy():
    @dg.asset(retry_policy=retry_policies.REMOTE_INGESTION)
    def remote_load() -> None:
        with fail_fast_unless_transient(retried=True):
            read_landing_file("orders/2018-09-02.csv", "orders", date(2018, 9, 2), b"\xff\xfe")

    result = dg.materialize([remote_load], raise_on_error=False)
    assert not result.success
    events = run_events(result)
    assert "STEP_UP_FOR_RETRY" not in events and events.count("STEP_FAILURE") == 1
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "is not a UTF-8 CSV file" in failure.step_failure_data.error.message


def test_an_interrupted_step_with_a_policy_stays_stopped():
    """Dagster turns an interrupt in a step with a retry policy into a retry; ours stops."""

    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))

    @dg.asset(retry_policy=retry_policies.REMOTE_INGESTION)
    def remote_load() -> None:
        with fail_fast_unless_transient(retried=True):
            # Ctrl-C once the step is running: a signal before it would stop pytest itself.
            timer.start()
            time.sleep(30)

    started = time.monotonic()
    result = dg.materialize([remote_load], raise_on_error=False)
    timer.join()
    assert not result.success
    assert "STEP_UP_FOR_RETRY" not in run_events(result)
    assert time.monotonic() - started < 30  # the sleep was cut short, not run again


def rows(path: Path) -> int:
    with path.open(newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def step_events(platform: Platform, run_id: str, kind: dg.DagsterEventType) -> list[str]:
    instance = dg.DagsterInstance.from_config(str(platform.dagster_home))
    records = instance.get_records_for_run(run_id=run_id, of_type=kind).records
    return [r.event_log_entry.step_key or "" for r in records]


def newest_run_id(platform: Platform) -> str | None:
    runs = dg.DagsterInstance.from_config(str(platform.dagster_home)).get_runs(limit=1)
    return runs[0].run_id if runs else None


@pytest.mark.slow
def test_a_bucket_that_sheds_load_is_retried_and_a_bad_file_is_not(platform: Platform):
    day = "2018-09-01"
    platform.generate(day, day)
    with loopback_s3() as s3:
        bucket = f"shop-{uuid.uuid4().hex[:12]}"
        s3.client().create_bucket(Bucket=bucket)
        for path in platform.landing.glob("*/*.csv"):
            key = f"landing/{path.relative_to(platform.landing).as_posix()}"
            s3.client().put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        env = {
            **platform.env,
            "LANDING_ZONE_URL": f"s3://{bucket}/landing",
            "S3_ENDPOINT_URL": s3.endpoint_url,
            # botocore's own retries would absorb a short outage; without them the step meets
            # the 503s at once, and the test need not outlast them.
            "AWS_MAX_ATTEMPTS": "1",
        }
        command = launch_command("tag:daily and kind:dlt", day)

        s3.unavailable = True
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 300
        retried: list[str] = []
        while not retried and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            run_id = newest_run_id(platform)
            if run_id:
                retried = step_events(platform, run_id, dg.DagsterEventType.STEP_UP_FOR_RETRY)
        s3.unavailable = False  # the bucket is back before the retry
        log, _ = process.communicate(timeout=300)
        assert process.returncode == 0, log[-5000:]
        assert retried == ["landing_zone_assets"], log[-5000:]
        assert s3.requests["unavailable"] > 0
        assert step_events(platform, run_id, dg.DagsterEventType.STEP_UP_FOR_RETRY) == [
            "landing_zone_assets"
        ]
        expected = rows(platform.landing / "orders" / f"{day}.csv")
        assert platform.query("select count(*) from raw.orders") == [(expected,)]

        # A file that is not CSV text fails the same way every time: no retry.
        s3.client().put_object(Bucket=bucket, Key=f"landing/orders/{day}.csv", Body=b"\xff\xfe")
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log, _ = process.communicate(timeout=300)
        assert process.returncode != 0
        failed_run = newest_run_id(platform)
        assert failed_run is not None and failed_run != run_id
        assert step_events(platform, failed_run, dg.DagsterEventType.STEP_UP_FOR_RETRY) == []
        assert step_events(platform, failed_run, dg.DagsterEventType.STEP_FAILURE) == [
            "landing_zone_assets"
        ]
        assert f"orders/{day}.csv is not a UTF-8 CSV file" in log
