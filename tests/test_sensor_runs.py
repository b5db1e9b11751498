"""End to end: files in an S3 bucket start runs through the real Dagster daemon.

The platform watches a bucket on a loopback S3 server. The sensor is turned on with the CLI and
`dagster-daemon` runs it, as in production: the backlog becomes one run over its days, then the
next day's delivery (`python -m simulator.deliver`) becomes one run for that day. The rows in the
warehouse are checked against the CSV files the test delivered.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

from simulator.s3_server import loopback_s3
from tests.conftest import DAGSTER, REPO_ROOT, Platform

pytestmark = pytest.mark.slow

FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def orders_per_day(files: dict[str, bytes]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for key, data in files.items():
        if key.startswith("orders/"):
            day = Path(key).stem
            counts[day] += len(list(csv.DictReader(io.StringIO(data.decode()))))
    return counts


def wait_for_runs(instance: DagsterInstance, count: int, log: Path) -> list[DagsterRun]:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        runs = instance.get_runs(RunsFilter(job_name="ingest_landing_zone"))
        if len(runs) >= count and all(run.status in FINISHED for run in runs):
            return list(runs)
        time.sleep(1)
    raise AssertionError(
        f"no {count} finished sensor runs in 300 s; daemon log:\n{log.read_text()[-5000:]}"
    )


def test_deliveries_to_a_bucket_start_runs_for_exactly_their_days(
    platform: Platform, tmp_path: Path
):
    platform.generate("2018-09-01", "2018-09-02")  # reference data stays local; days go to S3
    with loopback_s3() as s3:
        bucket = f"shop-{uuid.uuid4().hex[:12]}"
        s3.client().create_bucket(Bucket=bucket)
        backlog = {
            path.relative_to(platform.landing).as_posix(): path.read_bytes()
            for path in platform.landing.glob("*/*.csv")
        }
        for key, data in backlog.items():
            s3.client().put_object(Bucket=bucket, Key=f"landing/{key}", Body=data)
        env = {
            **platform.env,
            "LANDING_ZONE_URL": f"s3://{bucket}/landing",
            "S3_ENDPOINT_URL": s3.endpoint_url,
        }
        location = ["-m", "graduated_platform.definitions"]
        subprocess.run(
            [DAGSTER, "sensor", "start", "landing_zone_sensor", *location],
            cwd=REPO_ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        log = tmp_path / "daemon.log"
        with log.open("w") as out:
            daemon = subprocess.Popen(
                [str(Path(sys.executable).with_name("dagster-daemon")), "run", *location],
                cwd=REPO_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            instance = DagsterInstance.from_config(str(platform.dagster_home))
            [backfill] = wait_for_runs(instance, 1, log)
            assert backfill.status == DagsterRunStatus.SUCCESS, log.read_text()[-5000:]
            assert backfill.tags["dagster/asset_partition_range_start"] == "2018-09-01"
            assert backfill.tags["dagster/asset_partition_range_end"] == "2018-09-02"

            delivered = subprocess.run(
                [sys.executable, "-m", "simulator.deliver"],
                cwd=REPO_ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            assert "delivered 2018-09-03" in delivered.stdout
            runs = wait_for_runs(instance, 2, log)
            [next_day] = [run for run in runs if run.run_id != backfill.run_id]
            assert next_day.status == DagsterRunStatus.SUCCESS, log.read_text()[-5000:]
            assert next_day.tags["dagster/partition"] == "2018-09-03"
        finally:
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)

        objects = s3.client().list_objects_v2(Bucket=bucket, Prefix="landing/orders/")
        everything = {
            item["Key"].removeprefix("landing/"): s3.client()
            .get_object(Bucket=bucket, Key=item["Key"])["Body"]
            .read()
            for item in objects["Contents"]
        }
    expected = orders_per_day(everything)
    assert set(expected) == {"2018-09-01", "2018-09-02", "2018-09-03"}
    loaded = platform.query(
        "select strftime(landed_on, '%Y-%m-%d'), count(*) from marts.orders group by 1"
    )
    assert dict(loaded) == dict(expected)
