"""Write the shop's raw data for a range of days: daily files, operational DB, product catalogue.

    python -m simulator.generate --start 2018-09-01 --end 2018-09-30 [--data-dir data]

Orders and items land as `landing/<table>/<YYYY-MM-DD>.csv`; the file name is the day the
orders were placed, which is how the platform maps a file to its daily partition.

`--scale N` simulates a shop N times as busy (bench/volume.py uses 20): each store takes N times
the orders a day from N times the customers, drawn the same way, so the day-to-day swings and
every rule the platform checks are those of the demo. Scale 1 writes the demo's bytes exactly.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sqlite3
from bisect import bisect
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from landing_zone.files import file_key
from landing_zone.storage import FolderStorage
from landing_zone.tables import DAILY_TABLES
from simulator.shop import (
    MENU,
    RECORDS_AS_OF,
    STORES,
    Customer,
    Store,
    customers,
    open_stores,
)

ORDER_COLUMNS = tuple(DAILY_TABLES["orders"].names)
ITEM_COLUMNS = tuple(DAILY_TABLES["items"].names)
JAFFLES = tuple(p for p in MENU if p.type == "jaffle")
DRINKS = tuple(p for p in MENU if p.type == "beverage")


@dataclass(frozen=True)
class DailyDrop:
    """One day's orders and their items, as rows in jafgen's column order."""

    day: date
    orders: list[tuple]
    items: list[tuple]


# How many jaffles and drinks an order has, and the cumulative weights of each count.
JAFFLE_COUNTS, JAFFLE_CUM_WEIGHTS = (0, 1, 2, 3), (1, 7, 10, 11)
DRINK_COUNTS, DRINK_CUM_WEIGHTS = (0, 1, 2), (3, 9, 10)

# The bits of a 128-bit number that uuid.UUID(int=..., version=4) overwrites, and with what.
_UUID_KEEP = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (4 << 76)


def draw_uuid(rng: random.Random) -> str:
    """`str(uuid.UUID(int=rng.getrandbits(128), version=4))`, at twice the speed: the draw is
    millions of ids at `--scale 20`."""
    digits = f"{rng.getrandbits(128) & _UUID_KEEP | _UUID_SET:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def draw_weighted(rng: random.Random, values: tuple[int, ...], cum_weights: tuple[int, ...]) -> int:
    """`rng.choices(values, cum_weights=cum_weights)[0]`, without building a list: one draw
    of `rng.random()`, as `choices` makes, so the stream stays the same."""
    return values[bisect(cum_weights, rng.random() * cum_weights[-1], 0, len(values) - 1)]


def time_of_day(day: str, seconds: int) -> str:
    """`datetime.isoformat(sep=" ")` of `seconds` into `day`, without making the datetime."""
    return f"{day} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def daily_drop(day: date, shoppers: list[Customer], seed: int = 0, scale: int = 1) -> DailyDrop:
    """Draw one day of orders; the draw depends only on the day, the seed and the scale.

    Each store's count for the day is drawn once and multiplied by `scale`, so a busier shop
    keeps the demo's relative swings from day to day (which the volume check compares).
    Everything here draws from `rng` in the same order as it always has: a change of order, or
    of how many draws a step makes, would change every file the demo and its tests know.
    """
    rng = random.Random(f"orders:{seed}:{day.isoformat()}")
    busier_on_weekends = 1.3 if day.weekday() >= 5 else 1.0
    day_text = day.isoformat()
    orders: list[tuple] = []
    items: list[tuple] = []
    for store in open_stores(day):
        for _ in range(int(rng.randint(20, 60) * scale * busier_on_weekends)):
            order_id = draw_uuid(rng)
            jaffles = draw_weighted(rng, JAFFLE_COUNTS, JAFFLE_CUM_WEIGHTS)
            drinks = draw_weighted(rng, DRINK_COUNTS, DRINK_CUM_WEIGHTS)
            basket = [rng.choice(JAFFLES) for _ in range(jaffles)]
            basket += [rng.choice(DRINKS) for _ in range(drinks)]
            if not basket:
                basket = [rng.choice(DRINKS)]
            subtotal = sum(product.price for product in basket)
            tax_paid = round(subtotal * store.tax_rate)
            ordered_at = time_of_day(day_text, rng.randint(7 * 3600, 21 * 3600 - 1))
            orders.append(
                (
                    order_id,
                    rng.choice(shoppers).id,
                    ordered_at,
                    store.id,
                    subtotal,
                    tax_paid,
                    subtotal + tax_paid,
                )
            )
            items.extend((draw_uuid(rng), order_id, product.sku) for product in basket)
    orders.sort(key=lambda row: row[2])
    return DailyDrop(day, orders, items)


def days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def csv_bytes(header: tuple[str, ...], rows: list[tuple]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode()


def drop_files(drop: DailyDrop) -> dict[str, bytes]:
    """The day's files by their key in the landing zone: `orders/<day>.csv`, `items/<day>.csv`."""
    return {
        file_key("orders", drop.day): csv_bytes(ORDER_COLUMNS, drop.orders),
        file_key("items", drop.day): csv_bytes(ITEM_COLUMNS, drop.items),
    }


def write_daily_drop(landing_dir: Path, drop: DailyDrop) -> list[Path]:
    """Write through the landing zone's folder storage, which renames a whole file into place."""
    files = drop_files(drop)
    landing = FolderStorage(landing_dir)
    for key, data in files.items():
        landing.write(key, data)
    return [landing_dir / key for key in files]


def db_time(moment: datetime) -> str:
    """A timestamp as SQLAlchemy writes and compares SQLite's: microseconds always present, so
    text comparison in a `where updated_at >= ...` orders the same as time."""
    return moment.isoformat(sep=" ", timespec="microseconds")


def base_records(shoppers: list[Customer], stores: list[Store]) -> tuple[list[tuple], list[tuple]]:
    """Customers and stores as first written, each last changed before `RECORDS_AS_OF`, a
    minute apart in the order the shop met them, none deleted."""
    customer_rows = [
        (c.id, c.name, db_time(RECORDS_AS_OF - timedelta(minutes=len(shoppers) - n)), None)
        for n, c in enumerate(shoppers)
    ]
    store_rows = [
        (
            s.id,
            s.name,
            s.opened_at.isoformat(sep=" "),
            s.tax_rate,
            db_time(RECORDS_AS_OF - timedelta(minutes=len(stores) - n)),
            None,
        )
        for n, s in enumerate(stores)
    ]
    return customer_rows, store_rows


def holds_shop(path: Path, shoppers: list[Customer]) -> bool:
    """Whether `path` is already this shop's database, changes and all: it has the change
    columns and every customer the generator would write."""
    if not path.exists():
        return False
    with closing(sqlite3.connect(path)) as db:
        columns = {row[1] for row in db.execute("pragma table_info(customers)")}
        if not {"updated_at", "deleted_at"} <= columns:
            return False
        ids = {row[0] for row in db.execute("select id from customers")}
    return {c.id for c in shoppers} <= ids


def write_shop_database(path: Path, shoppers: list[Customer], stores: list[Store]) -> None:
    """The shop's operational database: customers and stores, written whole.

    Each table has an `updated_at`, set whenever a row changes, and a `deleted_at`, set when the
    shop deletes a row, which it keeps (a soft delete), as operational databases commonly do:
    a reader can then find every change, deletions included, by asking for the rows whose
    `updated_at` is newer than the last it saw (simulator/shop_changes.py makes the changes).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    customer_rows, store_rows = base_records(shoppers, stores)
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(
            """
            drop table if exists customers;
            drop table if exists stores;
            create table customers (
                id text primary key, name text not null,
                updated_at timestamp not null, deleted_at timestamp
            );
            create table stores (
                id text primary key, name text not null,
                opened_at timestamp not null, tax_rate real not null,
                updated_at timestamp not null, deleted_at timestamp
            );
            """
        )
        db.executemany("insert into customers values (?, ?, ?, ?)", customer_rows)
        db.executemany("insert into stores values (?, ?, ?, ?, ?, ?)", store_rows)


def write_product_catalog(path: Path) -> None:
    """The product catalogue: each product with the supplies that go into it, nested."""
    catalog = [
        {
            "sku": p.sku,
            "name": p.name,
            "type": p.type,
            "price": p.price,
            "description": p.description,
            "supplies": [
                {
                    "id": s.id,
                    "name": s.name,
                    "cost": s.cost,
                    "perishable": s.perishable,
                    "sku": p.sku,
                }
                for s in p.supplies
            ],
        }
        for p in MENU
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"products": catalog}, indent=2) + "\n")


def generate(data_dir: Path, start: date, end: date, seed: int = 0, scale: int = 1) -> int:
    """Write reference data and one drop per day from start to end inclusive; returns orders.

    `scale` multiplies the shop's daily orders and its customers (module docstring)."""
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}: swap them")
    if scale < 1:
        raise ValueError(f"--scale {scale} is below 1: the demo's volume is 1")
    data_dir = data_dir.resolve()
    shoppers = customers(seed, scale)
    # The shop's database lives on between runs, with the changes made to it since it was
    # written (`make shop-changes`): writing it again would take them back, behind the back of
    # the platform's change capture. It is written when missing, or not this shop's.
    shop_db = data_dir / "shop" / "shop.db"
    if not holds_shop(shop_db, shoppers):
        write_shop_database(shop_db, shoppers, list(STORES))
    write_product_catalog(data_dir / "shop" / "product_catalog.json")
    order_count = 0
    for day in days(start, end):
        drop = daily_drop(day, shoppers, seed, scale)
        write_daily_drop(data_dir / "landing", drop)
        order_count += len(drop.orders)
    return order_count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    parser.add_argument("--end", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--scale", type=int, default=1, help="times the demo's daily orders and customers"
    )
    args = parser.parse_args(argv)
    try:
        orders = generate(args.data_dir, args.start, args.end, args.seed, args.scale)
    except ValueError as error:
        parser.error(str(error))
    span = (args.end - args.start).days + 1
    print(f"wrote {span} days, {orders} orders into {args.data_dir / 'landing'}")


if __name__ == "__main__":
    main()
