"""The bad-day command spoils exactly what it says, compared with the good day's own files."""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from landing_zone.storage import FolderStorage
from simulator.bad_day import DEFECTS, deliver_bad_day
from simulator.generate import generate
from tests.conftest import REPO_ROOT

DAY = date(2018, 9, 3)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def day_files(landing: Path, day: date = DAY) -> dict[str, list[dict[str, str]]]:
    return {table: rows(landing / table / f"{day}.csv") for table in ("orders", "items")}


@pytest.fixture
def good(tmp_path: Path) -> dict[str, list[dict[str, str]]]:
    generate(tmp_path / "good", DAY, DAY)
    return day_files(tmp_path / "good" / "landing")


def test_the_command_delivers_the_next_day_spoiled_three_ways(tmp_path: Path, good):
    generate(tmp_path / "platform", date(2018, 9, 1), date(2018, 9, 2))
    result = subprocess.run(
        [sys.executable, "-m", "simulator.bad_day"],
        cwd=REPO_ROOT,
        env={**os.environ, "PLATFORM_DATA_DIR": str(tmp_path / "platform")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"delivered a bad day, {DAY}" in result.stdout
    spoiled = day_files(tmp_path / "platform" / "landing")
    orders, items = spoiled["orders"], spoiled["items"]

    assert "sku" not in items[0] and len(items) == len(good["items"])
    negative = [o for o in orders if int(o["subtotal"]) < 0]
    assert len(negative) == 3
    assert all(int(o["order_total"]) == int(o["subtotal"]) + int(o["tax_paid"]) for o in negative)
    twice = [order_id for order_id, n in Counter(o["id"] for o in orders).items() if n > 1]
    assert len(twice) == 2 and len(orders) == len(good["orders"]) + 2


def test_small_faults_touch_only_what_they_name(tmp_path: Path, good):
    landing = tmp_path / "bad" / "landing"
    keys, done = deliver_bad_day(
        FolderStorage(landing), DAY, ["malformed-rows", "unknown-customer", "new-column"]
    )
    assert sorted(keys) == [f"items/{DAY}.csv", f"orders/{DAY}.csv"] and len(done) == 3
    spoiled = day_files(landing)
    assert sum(1 for item in spoiled["items"] if not item["sku"]) == 2
    assert [o["coupon_code"] for o in spoiled["orders"]].count("SAVE10") > 0

    db = sqlite3.connect(tmp_path / "good" / "shop" / "shop.db")
    known = {customer for (customer,) in db.execute("select id from customers")}
    db.close()
    strangers = [o for o in spoiled["orders"] if o["customer"] not in known]
    assert len(strangers) == 1
    assert len(spoiled["orders"]) == len(good["orders"])


def test_an_unknown_defect_is_refused_with_the_choices(tmp_path: Path):
    with pytest.raises(ValueError, match=r"unknown defect typo; choose from missing-column"):
        deliver_bad_day(FolderStorage(tmp_path), DAY, ["typo"])
    assert len(DEFECTS) == 6
    assert not list(tmp_path.iterdir())  # nothing delivered
