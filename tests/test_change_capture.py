"""Change capture from the shop database: what changed moves, deletions apply, history is kept.

The fast tests run the shop database's dlt source directly, as a platform run does (a fresh
working folder each load, the cursor kept in the warehouse), into a real DuckDB file, from a
real SQLite database the simulator changes. The slow one runs the platform itself with
`dg launch`: a day's whole graph, then two days of shop changes, each loaded by the shop load
and the dbt models and snapshot on it, and in between asks Dagster's declarative automation what
it would start. Expected rows are read from the shop database with sqlite3, and expected
history is built from the changes the simulator reports it made, never from the platform.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from ingestion.contracts import SchemaContractViolation, explained_violations
from ingestion.shop_db import (
    ChangeReport,
    ShopDatabaseUnavailable,
    explained_unavailable,
    newest_changes,
    shop_db,
)
from simulator.shop_changes import ShopChange, ShopChangesError, apply_day
from tests.conftest import DG, PROJECT, REPO_ROOT, Platform

DAY_ONE, DAY_TWO = date(2018, 9, 2), date(2018, 9, 3)


def shop_url(data_dir: Path) -> str:
    return f"sqlite:///file:{data_dir / 'shop' / 'shop.db'}?mode=ro&uri=true"


def load(platform: Platform, url: str | None = None) -> ChangeReport:
    """One load of the shop database, as a platform run makes it: a fresh dlt working folder."""
    url = url or shop_url(platform.data_dir)
    report = ChangeReport()
    pipeline = dlt.pipeline(
        pipeline_name="shop_db",
        pipelines_dir=tempfile.mkdtemp(dir=platform.data_dir),
        destination=dlt.destinations.duckdb(str(platform.warehouse)),
        dataset_name="raw",
    )
    with explained_unavailable(url), explained_violations("shop database"):
        pipeline.run(shop_db(url, report=report), loader_file_format="parquet")
    return report


def live_rows(database: Path, table: str) -> set[tuple]:
    """The table's rows the shop has not deleted, read by sqlite3: what raw should hold."""
    columns = "id, name, updated_at"
    with closing(sqlite3.connect(database)) as db:
        rows = db.execute(f"select {columns} from {table} where deleted_at is null").fetchall()
    return {(id_, name, datetime.fromisoformat(at)) for id_, name, at in rows}


def raw_rows(warehouse: Path, table: str) -> set[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return set(db.sql(f"select id, name, updated_at from raw.{table}").fetchall())


def changed_ids(changes: Iterable[ShopChange], table: str, kinds: set[str]) -> set[str]:
    return {c.id for c in changes if c.table == table and c.kind in kinds}


@pytest.fixture
def shop(platform: Platform) -> Platform:
    platform.generate("2018-09-01", "2018-09-01")
    return platform


def test_a_day_of_changes_is_the_same_for_the_same_day_and_applies_only_once(tmp_path: Path):
    from simulator.generate import generate

    runs = []
    for name in ("a", "b"):
        generate(tmp_path / name, date(2018, 9, 1), date(2018, 9, 1))
        database = tmp_path / name / "shop" / "shop.db"
        runs.append([apply_day(database, day) for day in (DAY_ONE, DAY_TWO)])
    assert runs[0] == runs[1]
    day_one = runs[0][0]
    kinds = [change.kind for change in day_one if change.table == "customers"]
    assert sorted(kinds) == ["delete", "rename", "rename", "rename", "signup", "signup"]
    assert [change.at for change in day_one] == sorted(change.at for change in day_one)
    assert {change.at.date() for change in day_one} == {DAY_ONE}

    database = tmp_path / "a" / "shop" / "shop.db"
    with pytest.raises(ShopChangesError, match="already holds changes up to 2018-09-03"):
        apply_day(database, DAY_ONE)
    # Generating more days keeps the database, changes and all: the shop's database lives on.
    before = live_rows(database, "customers")
    generate(tmp_path / "a", date(2018, 9, 2), date(2018, 9, 2))
    assert live_rows(database, "customers") == before


def test_a_load_moves_exactly_the_changed_rows_and_applies_deletions(shop: Platform):
    database = shop.data_dir / "shop" / "shop.db"
    first = load(shop)
    assert first.changed["customers"] == len(live_rows(database, "customers"))
    assert raw_rows(shop.warehouse, "customers") == live_rows(database, "customers")

    # Four days in one load: a row changed on two days moves once, as it is now.
    changes = [c for day in range(2, 6) for c in apply_day(database, date(2018, 9, day))]
    assert changed_ids(changes, "stores", {"rename"}), "the days chosen must rename a store"
    report = load(shop)
    for table in ("customers", "stores"):
        upserted = changed_ids(changes, table, {"rename", "signup"})
        deleted = changed_ids(changes, table, {"delete"})
        assert report.changed[table] == len(upserted - deleted), table
        assert report.deleted[table] == len(deleted), table
        assert raw_rows(shop.warehouse, table) == live_rows(database, table), table

    # Nothing changed since: nothing moves.
    unchanged = load(shop)
    assert sum(unchanged.changed.values()) + sum(unchanged.deleted.values()) == 0


def test_an_unreachable_shop_database_is_named_and_loses_nothing(shop: Platform):
    database = shop.data_dir / "shop" / "shop.db"
    load(shop)
    loaded = raw_rows(shop.warehouse, "customers")
    changes = apply_day(database, DAY_ONE)

    moved = database.with_name("elsewhere.db")
    database.rename(moved)
    for attempt in (lambda: load(shop), lambda: newest_changes(shop_url(shop.data_dir))):
        with pytest.raises(ShopDatabaseUnavailable) as failure:
            attempt()
        message = str(failure.value)
        assert str(database) in message and "could not be read" in message
        assert "Nothing was loaded" in message and "SOURCES__SHOP_DB__CREDENTIALS" in message
    assert not database.exists(), "read-only: a missing database must not be created empty"
    assert raw_rows(shop.warehouse, "customers") == loaded

    # Back again: the next load picks up every change made while it was away.
    moved.rename(database)
    report = load(shop)
    assert report.changed["customers"] + report.deleted["customers"] == len(changes)
    assert raw_rows(shop.warehouse, "customers") == live_rows(database, "customers")


def test_a_column_whose_type_changed_stops_the_load_and_loses_nothing(shop: Platform):
    database = shop.data_dir / "shop" / "shop.db"
    load(shop)
    loaded = raw_rows(shop.warehouse, "stores")
    # The shop's team turns tax rates into text ("6%") and touches every store.
    with closing(sqlite3.connect(database)) as db, db:
        db.executescript(
            """
            alter table stores rename to stores_before;
            create table stores (
                id text primary key, name text not null, opened_at timestamp not null,
                tax_rate text not null, updated_at timestamp not null, deleted_at timestamp
            );
            insert into stores select id, name, opened_at, (tax_rate * 100) || '%',
                '2018-09-02 09:00:00.000000', deleted_at from stores_before;
            drop table stores_before;
            """
        )
    with pytest.raises(SchemaContractViolation) as failure:
        load(shop)
    message = str(failure.value)
    assert "column 'tax_rate' with a new type" in message and "raw.stores" in message
    assert "nothing was loaded" in message and "contracts.py" in message
    assert raw_rows(shop.warehouse, "stores") == loaded


# --- The platform itself: dg launch, the snapshot, and declarative automation -----------------

# The shop load and everything built on it that no daily partition is needed for.
SHOP_SELECTION = " or ".join(
    f'key:"{key}"'
    for key in (
        "raw/customers", "raw/stores", "staging/stg_customers", "staging/stg_locations",
        "snapshots/customers_history", "marts/customers", "marts/locations",
    )
)  # fmt: skip

# Run in a process of its own, with the platform's environment: asks declarative automation
# what it would start after observations of the shop database, once with no change since the
# last load, and once after the simulator's changes of the day given as argv[1].
AUTOMATION_PROBE = """
import json, sys
from datetime import date
from dagster import AssetKey, DagsterInstance, evaluate_automation_conditions
from graduated_platform import settings
from graduated_platform.definitions import defs
from graduated_platform.defs.ingestion import SHOP_DATABASE
from simulator.shop_changes import apply_day

instance = DagsterInstance.get()
job = defs.resolve_implicit_global_asset_job_def()
loads = [AssetKey(["raw", "customers"]), AssetKey(["raw", "stores"])]

def observe():
    assert job.execute_in_process(instance=instance, asset_selection=[SHOP_DATABASE]).success

def requested(result):
    return {key.to_user_string(): result.get_num_requested(key) for key in loads}

tick = evaluate_automation_conditions(defs=defs, instance=instance)
observe()
tick = evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
observe()
unchanged = evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
changes = apply_day(settings.DATA_DIR / "shop" / "shop.db", date.fromisoformat(sys.argv[1]))
observe()
changed = evaluate_automation_conditions(defs=defs, instance=instance, cursor=unchanged.cursor)
print(json.dumps({
    "unchanged": requested(unchanged),
    "changed": requested(changed),
    "changes": [[c.table, c.id, c.kind, c.name, c.at.isoformat()] for c in changes],
}))
"""


def launch(platform: Platform, select: str, *partition: str) -> None:
    command = [DG, "launch", "--target-path", str(PROJECT), "--assets", select, *partition]
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=platform.env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]


def customers_now(platform: Platform) -> dict[str, str]:
    return dict(platform.query("select customer_id, customer_name from marts.customers"))


def load_metadata(platform: Platform) -> dict[str, dict[str, Any]]:
    """The latest materialization's metadata of raw/customers and raw/stores."""
    with DagsterInstance.from_config(str(platform.dagster_home)) as instance:
        found = {}
        for table in ("customers", "stores"):
            event = instance.get_latest_materialization_event(AssetKey(["raw", table]))
            assert event is not None and event.asset_materialization is not None
            found[table] = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    return found


@pytest.mark.slow
def test_shop_changes_reach_the_marts_and_the_snapshot_and_only_changes_start_a_load(
    tmp_path: Path,
):
    # One platform through all of it, in one test: its runs are the expensive part, and a
    # test of its own per check could be given to another worker (`pytest -n`) to run again.
    captured = run_two_days_of_shop_changes(tmp_path)
    a_renamed_customer_is_renamed_in_the_mart_and_the_load_moved_only_the_changes(captured)
    an_unchanged_shop_database_starts_no_load_and_a_changed_one_does(captured)
    the_snapshot_holds_every_version_the_simulator_made_and_closes_deleted_customers(captured)


def run_two_days_of_shop_changes(root: Path) -> dict[str, Any]:
    """One platform through a day's full build and two days of shop changes, with what each
    step left behind."""
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "platform" / "dagster.yaml", home / "dagster.yaml")
    platform = Platform(data_dir=root / "data", dagster_home=home)
    platform.generate("2018-09-01", "2018-09-01")
    database = platform.data_dir / "shop" / "shop.db"
    with closing(sqlite3.connect(database)) as db:
        first_versions = {
            id_: (name, datetime.fromisoformat(at))
            for id_, name, at in db.execute("select id, name, updated_at from customers")
        }

    launch(platform, "*", "--partition", "2018-09-01")
    day_one = apply_day(database, DAY_ONE)
    launch(platform, SHOP_SELECTION)
    after_day_one = {"customers": customers_now(platform), "metadata": load_metadata(platform)}

    probe = subprocess.run(
        [sys.executable, "-c", AUTOMATION_PROBE, DAY_TWO.isoformat()],
        cwd=REPO_ROOT,
        env={**platform.env, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert probe.returncode == 0, probe.stderr[-5000:]
    automation = json.loads(probe.stdout.strip().splitlines()[-1])
    day_two = [
        ShopChange(table, id_, kind, name, datetime.fromisoformat(at))
        for table, id_, kind, name, at in automation.pop("changes")
    ]
    launch(platform, SHOP_SELECTION)
    return {
        "platform": platform,
        "database": database,
        "first_versions": first_versions,
        "day_one": day_one,
        "day_two": day_two,
        "after_day_one": after_day_one,
        "automation": automation,
    }


def a_renamed_customer_is_renamed_in_the_mart_and_the_load_moved_only_the_changes(
    captured: dict[str, Any],
) -> None:
    day_one: list[ShopChange] = captured["day_one"]
    after = captured["after_day_one"]
    customers = [c for c in day_one if c.table == "customers"]
    for change in customers:
        if change.kind == "delete":
            assert change.id not in after["customers"]
        else:
            assert after["customers"][change.id] == change.name
    metadata = after["metadata"]["customers"]
    assert metadata["rows_moved"] == len(customers)
    assert metadata["rows_deleted"] == len(changed_ids(customers, "customers", {"delete"}))
    assert metadata["rows_changed"] == len(customers) - metadata["rows_deleted"]
    assert metadata["dagster/row_count"] == len(live_rows_at(captured, day_one))
    # No store changed that day: the stores' load moved nothing, and says why.
    assert not [c for c in day_one if c.table == "stores"]
    stores = after["metadata"]["stores"]
    assert stores["rows_moved"] == 0
    assert stores["change_capture"].startswith("no row changed since updated_at 2018-08-31")


def live_rows_at(captured: dict[str, Any], changes: list[ShopChange]) -> set[str]:
    """The customers alive after `changes`, from the first versions and the changes alone."""
    alive = set(captured["first_versions"])
    for change in changes:
        if change.table == "customers" and change.kind == "signup":
            alive.add(change.id)
        elif change.table == "customers" and change.kind == "delete":
            alive.discard(change.id)
    return alive


def an_unchanged_shop_database_starts_no_load_and_a_changed_one_does(
    captured: dict[str, Any],
) -> None:
    automation = captured["automation"]
    assert automation["unchanged"] == {"raw/customers": 0, "raw/stores": 0}
    # One load reads both tables; the one that did not change moves nothing (checked above).
    assert automation["changed"] == {"raw/customers": 1, "raw/stores": 1}


def the_snapshot_holds_every_version_the_simulator_made_and_closes_deleted_customers(
    captured: dict[str, Any],
) -> None:
    platform: Platform = captured["platform"]
    changes: list[ShopChange] = captured["day_one"] + captured["day_two"]
    # Each customer's versions as the simulator made them: (name, from), in order.
    versions = {id_: [version] for id_, version in captured["first_versions"].items()}
    deleted = set()
    for change in (c for c in changes if c.table == "customers"):
        if change.kind == "delete":
            deleted.add(change.id)
        else:
            versions.setdefault(change.id, []).append((change.name, change.at))
    expected = {}
    for id_, history in versions.items():
        ends = [start for _, start in history[1:]] + ["closed" if id_ in deleted else None]
        expected[id_] = [
            (name, start, end) for (name, start), end in zip(history, ends, strict=True)
        ]

    rows = platform.query(
        "select customer_id, customer_name, dbt_valid_from, dbt_valid_to "
        "from snapshots.customers_history order by customer_id, dbt_valid_from"
    )
    actual: dict[str, list[tuple]] = {}
    for id_, name, start, end in rows:
        actual.setdefault(id_, []).append((name, start, end))
    for id_ in deleted:
        # Closed when the snapshot no longer found the customer: at that run's time, which
        # the simulator cannot know; that it is closed is what it knows.
        name, start, end = actual[id_][-1]
        assert end is not None, id_
        actual[id_][-1] = (name, start, "closed")
    assert actual == expected

    current = customers_now(platform)
    assert set(current) == live_rows_at(captured, changes)
    assert deleted and not deleted & set(current)
    assert raw_rows(platform.warehouse, "customers") == live_rows(captured["database"], "customers")
