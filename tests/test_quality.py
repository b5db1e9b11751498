"""A bad day stops where it should, with the evidence on its checks; good days stay as they were.

One platform lives through a short story, each step a real `dg launch` run:

1. four good days are loaded and built: the history the volume check compares with;
2. a bad day is delivered (`simulator.bad_day`): its items file lacks a column, its orders have
   negative amounts, duplicate ids and a new column. It is run as the landing-zone sensor runs a
   delivery, the day's partition of the landing-zone assets and all downstream of them: the raw
   checks block it;
3. the day is re-sent with good items but the same orders: the dbt tests block the marts;
4. the next day comes with small faults only (two items without a product, an order from an
   unknown customer), delivered the same way: it warns and flows through, while day 5's bad
   orders are still in raw.

The runs happen once for the module (each costs 15-40 s); the tests below read what each left.
Expected figures are counted from the CSV files with Python's csv module at each step.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluation

from landing_zone.storage import FolderStorage
from simulator.bad_day import deliver_bad_day
from tests.conftest import REPO_ROOT, Platform

pytestmark = pytest.mark.slow

GOOD_DAYS = ["2018-09-01", "2018-09-02", "2018-09-03", "2018-09-04"]
BAD_DAY, NEXT_DAY = "2018-09-05", "2018-09-06"
# What the landing-zone sensor's job runs for a delivery (graduated_platform/defs/sensors.py).
DELIVERED = "raw/orders*,raw/items*"
TABLES = ("raw.orders", "raw.items", "raw.orders_quarantine", "raw.items_quarantine",
          "marts.orders", "marts.order_items")  # fmt: skip


@dataclass
class Step:
    """What one run did, and what the warehouse held after it."""

    returncode: int
    log: str
    started: set[str]  # the steps that started
    materialized: dict[str, dict]
    checks: dict[str, AssetCheckEvaluation]
    rows_by_day: dict[str, dict[str, int]]
    files: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def check(self, asset: str, name: str) -> AssetCheckEvaluation:
        """The run's result of the check on `asset` whose name is or starts with `name`."""
        (key,) = (key for key in self.checks if key.startswith(f"{asset}:{name}"))
        return self.checks[key]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def day_column(table: str) -> str:
    return "landed_on" if table.startswith("marts.") else "_landing_date"


def rows_by_day(platform: Platform) -> dict[str, dict[str, int]]:
    return {
        table: {
            str(day): count
            for day, count in platform.query(
                f"select {day_column(table)}, count(*) from {table} group by 1"
            )
        }
        for table in TABLES
    }


def run(platform: Platform, day: str, select: str) -> Step:
    process = platform.start_materialize(day, select)
    log, _ = process.communicate(timeout=600)
    instance = DagsterInstance.from_config(str(platform.dagster_home))
    (latest,) = instance.get_runs(limit=1)
    started = {
        entry.step_key
        for entry in instance.all_logs(latest.run_id, of_type=DagsterEventType.STEP_START)
        if entry.step_key is not None
    }
    materialized = {}  # asset -> the metadata of its (last) materialization in the run
    for entry in instance.all_logs(latest.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
        event = entry.asset_materialization
        assert event is not None
        materialized[event.asset_key.to_user_string()] = event.metadata
    checks = {}
    for entry in instance.all_logs(latest.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        assert entry.dagster_event is not None
        evaluation = entry.dagster_event.event_specific_data
        assert isinstance(evaluation, AssetCheckEvaluation)
        checks[f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"] = evaluation
    return Step(process.returncode, log, started, materialized, checks, rows_by_day(platform))


def landing_files(platform: Platform, day: str) -> dict[str, list[dict[str, str]]]:
    return {
        table: read_rows(platform.landing / table / f"{day}.csv") for table in ("orders", "items")
    }


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Step]:
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(REPO_ROOT / "platform" / "dagster.yaml", home / "dagster.yaml")
    platform = Platform(data_dir=tmp_path_factory.mktemp("quality") / "data", dagster_home=home)
    platform.generate(GOOD_DAYS[0], NEXT_DAY)
    steps: dict[str, Step] = {}

    steps["history"] = run(platform, f"{GOOD_DAYS[0]}...{GOOD_DAYS[-1]}", "*")
    steps["history"].files = {
        day: read_rows(platform.landing / "orders" / f"{day}.csv") for day in GOOD_DAYS
    }

    landing = FolderStorage(platform.landing)
    defects = ["missing-column", "negative-amounts", "duplicate-ids", "new-column"]
    deliver_bad_day(landing, date.fromisoformat(BAD_DAY), defects)
    files = landing_files(platform, BAD_DAY)
    steps["bad_items"] = run(platform, BAD_DAY, DELIVERED)
    steps["bad_items"].files = files

    deliver_bad_day(landing, date.fromisoformat(BAD_DAY), ["negative-amounts", "duplicate-ids"])
    files = landing_files(platform, BAD_DAY)
    steps["bad_orders"] = run(platform, BAD_DAY, DELIVERED)
    steps["bad_orders"].files = files

    deliver_bad_day(landing, date.fromisoformat(NEXT_DAY), ["malformed-rows", "unknown-customer"])
    files = landing_files(platform, NEXT_DAY)
    steps["small_faults"] = run(platform, NEXT_DAY, DELIVERED)
    steps["small_faults"].files = files
    return steps


def test_good_days_pass_every_check_and_reach_the_marts(story):
    history = story["history"]
    assert history.returncode == 0, history.log[-3000:]
    failed = [key for key, check in history.checks.items() if not check.passed]
    assert failed == []
    expected = {day: len(rows) for day, rows in history.files.items()}
    assert history.rows_by_day["marts.orders"] == expected
    assert history.rows_by_day["raw.orders_quarantine"] == {}


def test_a_file_missing_a_column_is_quarantined_and_its_blocking_checks_stop_dbt(story):
    step = story["bad_items"]
    assert step.returncode != 0
    items_sent = len(step.files["items"])
    assert "sku" not in step.files["items"][0]

    quarantined = step.check("raw/items", "quarantined_rows")
    assert (quarantined.passed, quarantined.severity) == (False, AssetCheckSeverity.ERROR)
    assert quarantined.metadata["rows_quarantined"].value == items_sent
    sample = quarantined.metadata["failing_rows_sample"].value.records
    assert {record.data["_reason"] for record in sample} == {"missing column sku"}
    assert step.rows_by_day["raw.items_quarantine"] == {BAD_DAY: items_sent}

    volume = step.check("raw/items", "volume_anomaly")
    assert (volume.passed, volume.severity) == (False, AssetCheckSeverity.ERROR)
    assert volume.metadata["anomalous_days"].value == [BAD_DAY]
    assert step.check("raw/orders", "volume_anomaly").passed

    # The dbt step never ran: no model materialized, no dbt test evaluated.
    assert "landing_zone_assets" in step.started
    assert "jaffle_shop_models" not in step.started
    assert set(step.materialized) == {"raw/orders", "raw/items"}
    assert step.materialized["raw/items"]["rows_quarantined"].value == items_sent
    assert step.materialized["raw/items"]["rows_by_day"].value == {BAD_DAY: 0}
    assert not any(key.startswith(("staging/", "marts/")) for key in step.checks)


def test_a_new_column_lands_and_the_schema_change_check_warns(story):
    step = story["bad_items"]
    change = step.check("raw/orders", "column_schema_change")
    assert (change.passed, change.severity) == (False, AssetCheckSeverity.WARN)
    assert "coupon_code" in (change.description or "")
    assert step.check("raw/items", "column_schema_change").passed


def blocked_on_raw_orders(step: Step) -> list[str]:
    """The checks on raw/orders that failed in the step with severity ERROR (blocking)."""
    return [
        key
        for key, check in step.checks.items()
        if key.startswith("raw/orders:")
        and not check.passed
        and check.severity is AssetCheckSeverity.ERROR
    ]


def test_orders_that_break_business_rules_fail_their_dbt_tests_and_never_reach_the_marts(story):
    step = story["bad_orders"]
    assert step.returncode != 0
    orders = step.files["orders"]
    negative = {row["id"] for row in orders if int(row["subtotal"]) < 0}
    repeated = {order_id for order_id, n in Counter(r["id"] for r in orders).items() if n > 1}
    assert negative and repeated
    assert BAD_DAY not in step.rows_by_day["marts.orders"]
    # The good items of the re-sent day replaced its quarantine.
    assert step.rows_by_day["raw.items_quarantine"] == {}
    assert step.rows_by_day["raw.items"][BAD_DAY] == len(step.files["items"])

    # The raw checks judge a row's form, which these orders keep, so they pass. A check on
    # raw/orders that judges meaning (the workshop's exercise 6 adds one for repeated ids)
    # stops the day before dbt, and then no dbt test sees it.
    assert step.check("raw/orders", "quarantined_rows").passed
    assert step.check("raw/orders", "volume_anomaly").passed
    if blocked_on_raw_orders(step):
        assert "staging/stg_orders" not in step.materialized
        assert not any(key.startswith("staging/stg_orders:") for key in step.checks)
        return

    for column in ("subtotal", "tax_paid", "order_total"):
        check = step.check("staging/stg_orders", f"not_negative_stg_orders_{column}_cents")
        expected = sum(1 for row in orders if int(row[column]) < 0)
        assert (check.passed, check.severity) == (False, AssetCheckSeverity.ERROR)
        assert check.metadata["dagster_dbt/failed_row_count"].value == expected
    sample = step.check("staging/stg_orders", "not_negative_stg_orders_subtotal_cents")
    records = sample.metadata["failing_rows_sample"].value.records
    assert {record.data["order_id"] for record in records} == negative

    unique = step.check("staging/stg_orders", "unique_stg_orders_order_id")
    assert unique.metadata["dagster_dbt/failed_row_count"].value == len(repeated)
    records = unique.metadata["failing_rows_sample"].value.records
    assert {record.data["unique_field"] for record in records} == repeated
    assert step.check("staging/stg_orders", "equals_sum_of_stg_orders_order_total_cents").passed

    # dbt built the staging views, tested them, and skipped the marts downstream.
    assert {"staging/stg_orders", "staging/stg_order_items"} <= step.materialized.keys()
    assert not {"marts/orders", "marts/order_items"} & step.materialized.keys()


def test_the_bad_day_leaves_every_earlier_day_as_it_was(story):
    history = story["history"].rows_by_day
    for step in ("bad_items", "bad_orders", "small_faults"):
        after = story[step].rows_by_day
        for table in ("raw.orders", "raw.items", "marts.orders", "marts.order_items"):
            earlier = {day: n for day, n in after[table].items() if day in GOOD_DAYS}
            assert earlier == history[table], (step, table)


def test_small_faults_warn_and_the_day_flows_through_despite_the_bad_day_before(story):
    step = story["small_faults"]
    assert step.returncode == 0, step.log[-3000:]
    items = step.files["items"]
    without_product = sum(1 for row in items if not row["sku"])

    quarantined = step.check("raw/items", "quarantined_rows")
    assert (quarantined.passed, quarantined.severity) == (False, AssetCheckSeverity.WARN)
    assert quarantined.metadata["rows_quarantined"].value == without_product == 2

    customer = step.check("marts/orders", "relationships_orders_customer_id")
    assert (customer.passed, customer.severity) == (False, AssetCheckSeverity.WARN)
    assert customer.metadata["dagster_dbt/failed_row_count"].value == 1

    # stg_orders still holds the bad day's orders, but its tests look at this run's day only.
    assert step.check("staging/stg_orders", "unique_stg_orders_order_id").passed
    assert {"marts/orders", "marts/order_items", "marts/customers"} <= step.materialized.keys()
    assert step.rows_by_day["marts.orders"][NEXT_DAY] == len(step.files["orders"])
    assert step.rows_by_day["marts.order_items"][NEXT_DAY] == len(items) - without_product
    assert BAD_DAY not in step.rows_by_day["marts.orders"]
