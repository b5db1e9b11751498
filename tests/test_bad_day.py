"""The bad-day command spoils exactly what it says, compared with the good day's own files."""

from __future__ import annotations

import csv
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from simulator.bad_day import DEFECTS, main, write_bad_day
from simulator.generate import generate

DAY = date(2018, 9, 3)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def good(tmp_path: Path) -> dict[str, list[dict[str, str]]]:
    generate(tmp_path / "good", DAY, DAY)
    landing = tmp_path / "good" / "landing"
    return {table: rows(landing / table / f"{DAY}.csv") for table in ("orders", "items")}


def bad(tmp_path: Path, *defects: str) -> dict[str, list[dict[str, str]]]:
    written, _ = write_bad_day(tmp_path / "bad", DAY, list(defects))
    return {path.parent.name: rows(path) for path in written}


def test_the_default_demo_spoils_the_day_three_ways(tmp_path: Path, good, capsys):
    main(["--day", str(DAY), "--data-dir", str(tmp_path / "bad")])
    landing = tmp_path / "bad" / "landing"
    orders, items = rows(landing / "orders" / f"{DAY}.csv"), rows(landing / "items" / f"{DAY}.csv")

    assert "sku" not in items[0] and len(items) == len(good["items"])
    negative = [o for o in orders if int(o["subtotal"]) < 0]
    assert len(negative) == 3
    assert all(int(o["order_total"]) == int(o["subtotal"]) + int(o["tax_paid"]) for o in negative)
    twice = [order_id for order_id, n in Counter(o["id"] for o in orders).items() if n > 1]
    assert len(twice) == 2 and len(orders) == len(good["orders"]) + 2
    assert "missing-column" in capsys.readouterr().out


def test_small_faults_touch_only_what_they_name(tmp_path: Path, good):
    spoiled = bad(tmp_path, "malformed-rows", "unknown-customer", "new-column")
    assert sum(1 for item in spoiled["items"] if not item["sku"]) == 2
    assert [o["coupon_code"] for o in spoiled["orders"]].count("SAVE10") > 0

    db = sqlite3.connect(tmp_path / "good" / "shop" / "shop.db")
    known = {customer for (customer,) in db.execute("select id from customers")}
    db.close()
    strangers = [o for o in spoiled["orders"] if o["customer"] not in known]
    assert len(strangers) == 1
    assert len(spoiled["orders"]) == len(good["orders"])


def test_an_unknown_defect_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"unknown defect typo; choose from missing-column"):
        write_bad_day(Path("unused"), DAY, ["typo"])
    assert len(DEFECTS) == 6
