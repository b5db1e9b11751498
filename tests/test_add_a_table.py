"""Adding a daily landing table is one declaration, proved end to end with a `returns` table.

On a copy of the platform's code, the test does what README's "Adding things" says:
`make daily-table` writes the one entry in `landing_zone/tables.py`, and dbt's side (the table
in the `raw` source, a staging model). It then plays the shop, delivering two days of returns
beside the simulator's orders, and checks what a user would: the raw asset has its checks and
freshness policy; the sensor's tick asks for a run that covers the new table; that run loads
`raw.returns` and builds `stg_returns`; the figures equal those counted from the CSV files here;
the row that is not a return waits in the quarantine; a re-delivered returns file alone starts
a run for its day.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from landing_zone.files import file_key
from landing_zone.storage import FolderStorage
from simulator.generate import generate
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

DAYS = (date(2018, 9, 1), date(2018, 9, 2))

# What a user types: make daily-table TABLE=returns COLUMNS="..." (README, "Adding things").
SCAFFOLD = [
    "-m", "graduated_platform.scaffold_daily_table", "returns",
    "id:string", "order_id:string", "returned_at:timestamp", "refund:int64",
]  # fmt: skip

# Runs in the copy: evaluates the sensor once, then runs what it asks for, as the daemon would.
TICK_AND_RUN = """
import json, sys
from dagster import DagsterInstance, build_sensor_context
from graduated_platform import settings
from graduated_platform.definitions import defs
from graduated_platform.landing_zone_resource import LandingZone
from graduated_platform.defs.sensors import ingest_landing_zone, landing_zone_sensor

instance = DagsterInstance.get()
context = build_sensor_context(
    cursor=sys.argv[1] or None,
    resources={"landing_zone": LandingZone(url=settings.LANDING_ZONE_URL)},
    definitions=defs, instance=instance,
)
result = landing_zone_sensor(context)
job = defs.get_job_def(ingest_landing_zone.name)
report = {"requests": [], "successes": [], "errors": [], "cursor": result.cursor}
for request in result.run_requests:
    keys = [key.to_user_string() for key in request.asset_selection]
    span = request.partition_key_range
    days = request.partition_key or f"{span.start}...{span.end}"
    report["requests"].append({"days": days, "assets": keys})
    outcome = job.execute_in_process(
        instance=instance, tags=request.tags, asset_selection=request.asset_selection,
        partition_key=request.partition_key, raise_on_error=False,
    )
    report["successes"].append(outcome.success)
    report["errors"] += [
        event.event_specific_data.error.to_string()
        for event in outcome.all_events
        if event.is_step_failure
    ]
graph = defs.resolve_asset_graph()
key = next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "raw/returns")
report["checks"] = sorted(c.name for c in graph.asset_check_keys if c.asset_key == key)
report["freshness"] = graph.get(key).freshness_policy is not None
print("REPORT" + json.dumps(report))
"""


def order_ids(data: Path, day: date, count: int) -> list[str]:
    """The first `count` orders the simulator delivered for `day`."""
    with (data / "landing" / file_key("orders", day)).open() as stream:
        return [order["id"] for order in csv.DictReader(stream)][:count]


def returns_csv(day: date, order_ids: list[str]) -> bytes:
    """The shop's returns for a day: some of its orders, refunds in cents, and one row that is
    not a return (a refund in words), few enough to warn rather than block (MAX_SHARE)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "order_id", "returned_at", "refund"])
    for n, order_id in enumerate(order_ids):
        writer.writerow([f"r-{day}-{n}", order_id, f"{day} 17:{n:02d}:00", 250 + 125 * n])
    writer.writerow([f"r-{day}-bad", order_ids[0], f"{day} 18:00:00", "twelve"])
    return out.getvalue().encode()


def expected_from_files(landing: Path) -> dict[str, tuple[int, int, int]]:
    """Per day, from the CSV files alone: returns, refunds in cents, rows that are no return."""
    figures = {}
    for day in DAYS:
        with (landing / file_key("returns", day)).open() as stream:
            rows = list(csv.DictReader(stream))
        good = [row for row in rows if row["refund"].isdigit()]
        refund = sum(int(row["refund"]) for row in good)
        figures[day.isoformat()] = (len(good), refund, len(rows) - len(good))
    return figures


def test_a_new_daily_table_is_one_declaration_from_file_to_staging_model(tmp_path: Path):
    code = tmp_path / "code"
    for folder in ("landing_zone", "ingestion", "sensors", "platform", "dbt_project"):
        shutil.copytree(
            REPO_ROOT / folder,
            code / folder,
            ignore=shutil.ignore_patterns("target", "logs", ".venv", "__pycache__"),
            symlinks=True,
        )

    data, home = tmp_path / "data", tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "platform" / "dagster.yaml", home / "dagster.yaml")
    generate(data, DAYS[0], DAYS[-1])
    landing = FolderStorage(data / "landing")
    for day in DAYS:
        landing.write(file_key("returns", day), returns_csv(day, order_ids(data, day, 25)))

    env = {
        **os.environ,
        # The copy's code comes first: the installed project points at the repository's.
        "PYTHONPATH": os.pathsep.join([str(code / "platform"), str(code)]),
        "PLATFORM_DATA_DIR": str(data),
        "DAGSTER_HOME": str(home),
    }

    def python(*arguments: str) -> str:
        result = subprocess.run(
            [sys.executable, *arguments], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
        return result.stdout

    def tick_and_run(cursor: str) -> dict:
        return json.loads(python("-c", TICK_AND_RUN, cursor).split("REPORT", 1)[1])

    python(*SCAFFOLD)
    python("-m", "graduated_platform.dbt_manifest")
    report = tick_and_run("")
    assert report["checks"] == ["column_schema_change", "quarantined_rows", "volume_anomaly"]
    assert report["freshness"]
    [request] = report["requests"]  # two consecutive days: one run
    assert request["days"] == f"{DAYS[0]}...{DAYS[1]}"
    assert {"raw/returns", "staging/stg_returns"} <= set(request["assets"])
    assert report["successes"] == [True], report["errors"]
    assert_staging_equals_files(data)

    # Only the new table's file, re-delivered with one return more: the sensor watches it too.
    landing.write(file_key("returns", DAYS[0]), returns_csv(DAYS[0], order_ids(data, DAYS[0], 26)))
    report = tick_and_run(report["cursor"])
    assert [request["days"] for request in report["requests"]] == [DAYS[0].isoformat()]
    assert report["successes"] == [True], report["errors"]
    assert_staging_equals_files(data)


def assert_staging_equals_files(data: Path) -> None:
    expected = expected_from_files(data / "landing")
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as db:
        staged = db.sql(
            "select cast(landed_on as varchar), count(*), sum(refund) "
            "from staging.stg_returns group by 1"
        ).fetchall()
        quarantined = dict(
            db.sql(
                "select cast(_landing_date as varchar), count(*) "
                "from raw.returns_quarantine group by 1"
            ).fetchall()
        )
    assert {day: (rows, refund) for day, rows, refund in staged} == {
        day: (rows, refund) for day, (rows, refund, _) in expected.items()
    }
    assert quarantined == {day: bad for day, (_, _, bad) in expected.items()}
