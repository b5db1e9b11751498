"""The simulator writes jafgen's shapes, and the same day is the same whatever the range."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from simulator.generate import ITEM_COLUMNS, ORDER_COLUMNS, generate
from simulator.shop import MENU
from tests.conftest import Platform


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_a_day_is_identical_whichever_range_wrote_it(tmp_path: Path):
    from datetime import date

    generate(tmp_path / "a", date(2018, 9, 1), date(2018, 9, 5))
    generate(tmp_path / "b", date(2018, 9, 4), date(2018, 9, 4))
    for table in ("orders", "items"):
        day = f"landing/{table}/2018-09-04.csv"
        assert (tmp_path / "a" / day).read_bytes() == (tmp_path / "b" / day).read_bytes()


def test_orders_add_up_and_items_point_at_orders_and_products(platform: Platform):
    platform.generate("2018-09-01", "2018-09-01")
    orders = rows(platform.landing / "orders" / "2018-09-01.csv")
    items = rows(platform.landing / "items" / "2018-09-01.csv")
    assert tuple(orders[0]) == ORDER_COLUMNS and tuple(items[0]) == ITEM_COLUMNS

    price = {product.sku: product.price for product in MENU}
    subtotal_by_order: dict[str, int] = {}
    for item in items:
        subtotal_by_order[item["order_id"]] = (
            subtotal_by_order.get(item["order_id"], 0) + price[item["sku"]]
        )
    for order in orders:
        assert int(order["subtotal"]) == subtotal_by_order[order["id"]]
        assert int(order["order_total"]) == int(order["subtotal"]) + int(order["tax_paid"])
    assert not (platform.landing / "orders" / "2018-09-01.csv.tmp").exists()


def test_the_next_delivery_is_the_day_after_the_newest_and_the_same_as_generated(tmp_path: Path):
    from datetime import date

    from landing_zone.storage import FolderStorage
    from simulator.deliver import deliver, newest_day

    generate(tmp_path / "shop", date(2018, 9, 1), date(2018, 9, 2))
    generate(tmp_path / "reference", date(2018, 9, 3), date(2018, 9, 3))
    landing = FolderStorage(tmp_path / "shop" / "landing")
    assert newest_day(landing) == date(2018, 9, 2)

    assert sorted(deliver(landing, date(2018, 9, 3))) == [
        "items/2018-09-03.csv",
        "orders/2018-09-03.csv",
    ]
    assert newest_day(landing) == date(2018, 9, 3)
    for table in ("orders", "items"):
        day = f"landing/{table}/2018-09-03.csv"
        assert (tmp_path / "shop" / day).read_bytes() == (tmp_path / "reference" / day).read_bytes()
    assert not list((tmp_path / "shop" / "landing").rglob("*.tmp"))


def test_the_fast_draws_equal_the_standard_library_draws_they_replace():
    import random
    import uuid
    from datetime import datetime, timedelta

    from simulator.generate import (
        DRINK_COUNTS,
        DRINK_CUM_WEIGHTS,
        JAFFLE_COUNTS,
        JAFFLE_CUM_WEIGHTS,
        draw_uuid,
        draw_weighted,
        time_of_day,
    )

    fast, standard = random.Random("same"), random.Random("same")
    for _ in range(2_000):
        assert draw_uuid(fast) == str(uuid.UUID(int=standard.getrandbits(128), version=4))
        assert (
            draw_weighted(fast, JAFFLE_COUNTS, JAFFLE_CUM_WEIGHTS)
            == standard.choices((0, 1, 2, 3), weights=(1, 6, 3, 1))[0]
        )
        assert (
            draw_weighted(fast, DRINK_COUNTS, DRINK_CUM_WEIGHTS)
            == standard.choices((0, 1, 2), weights=(3, 6, 1))[0]
        )
    for seconds in (0, 59, 3600, 7 * 3600 + 61, 86_399):
        expected = datetime(2018, 9, 1) + timedelta(seconds=seconds)
        assert time_of_day("2018-09-01", seconds) == expected.isoformat(sep=" ")


def test_a_scaled_shop_has_more_orders_and_customers_and_every_id_is_unique(tmp_path: Path):
    import sqlite3
    from datetime import date

    day = date(2018, 9, 1)
    generate(tmp_path / "demo", day, day)
    generate(tmp_path / "big", day, day, scale=3)

    def customer_ids(data: Path) -> list[str]:
        with sqlite3.connect(data / "shop" / "shop.db") as db:
            ids = [row[0] for row in db.execute("select id from customers order by rowid")]
        db.close()
        return ids

    demo_customers, big_customers = customer_ids(tmp_path / "demo"), customer_ids(tmp_path / "big")
    assert len(big_customers) == 3 * len(demo_customers)
    assert big_customers[: len(demo_customers)] == demo_customers

    orders = rows(tmp_path / "big" / "landing" / "orders" / "2018-09-01.csv")
    items = rows(tmp_path / "big" / "landing" / "items" / "2018-09-01.csv")
    # A store draws 20 to 60 orders a day, 1.3 times as many on a weekend (2018-09-01 is a
    # Saturday), and a shop 3 times as busy multiplies its draw by 3.
    by_store = Counter(order["store_id"] for order in orders)
    assert len(by_store) == 4
    assert all(int(20 * 3 * 1.3) <= count <= int(60 * 3 * 1.3) for count in by_store.values())
    assert len({order["id"] for order in orders}) == len(orders)
    assert len({item["id"] for item in items}) == len(items)
    assert {item["order_id"] for item in items} == {order["id"] for order in orders}
    assert {order["customer"] for order in orders} <= set(big_customers)
