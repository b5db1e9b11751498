"""The simulator writes jafgen's shapes, and the same day is the same whatever the range."""

from __future__ import annotations

import csv
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
