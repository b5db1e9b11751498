"""Drop a deliberately bad day into the landing zone, for demos and workshops.

    python -m simulator.bad_day [--day 2018-11-01] [--defect NAME ...]
    make bad-day [DAY=2018-11-01] [DEFECTS="negative-amounts duplicate-ids"]

Like `simulator.deliver`, it delivers the day after the newest in the landing zone unless told
which day, and writes wherever the platform watches (LANDING_ZONE_URL), so the landing-zone
sensor picks it up. The day starts as the simulator's own day (the orders `simulator.generate`
writes for it) and is spoiled on purpose. Without `--defect` it gets the first three below.
Each defect is caught at a different layer of the platform (README.md, "Data quality"):

- missing-column: the items file lacks its `sku` column. Every item is quarantined, and the
  checks `quarantined_rows` and `volume_anomaly` on raw/items block the day's dbt models.
- negative-amounts: three orders with negative money. The dbt test `not_negative` on
  stg_orders fails and blocks the marts.
- duplicate-ids: two orders sent twice under the same id. The dbt test `unique` on stg_orders
  fails and blocks the marts.
- malformed-rows: two items with an empty `sku`. They are quarantined; `quarantined_rows` warns
  and the rest of the day flows on.
- unknown-customer: an order from a customer the shop's database lacks. The dbt test
  `relationships` on marts/orders warns, and does not block.
- new-column: the orders file gains a `coupon_code` column. It lands (the schema contract lets
  new columns evolve) and `column_schema_change` warns.

Deliver the good day back with `make deliver DAY=...` (`python -m simulator.deliver --day ...`).
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from landing_zone.files import file_key
from landing_zone.storage import LandingZoneStorage, LandingZoneUnavailable
from simulator.deliver import next_day, watched_landing_zone, write_day
from simulator.generate import ITEM_COLUMNS, ORDER_COLUMNS, csv_bytes, daily_drop
from simulator.shop import customers


@dataclass
class DayFiles:
    """One day's two landing files as CSV text fields: header and rows."""

    order_columns: list[str]
    orders: list[list[str]]
    item_columns: list[str]
    items: list[list[str]]

    def by_key(self, day: date) -> dict[str, bytes]:
        """The files by their key in the landing zone."""
        items = csv_bytes(tuple(self.item_columns), [tuple(row) for row in self.items])
        orders = csv_bytes(tuple(self.order_columns), [tuple(row) for row in self.orders])
        return {file_key("items", day): items, file_key("orders", day): orders}


def good_day(day: date, seed: int = 0) -> DayFiles:
    drop = daily_drop(day, customers(seed), seed)
    return DayFiles(
        list(ORDER_COLUMNS),
        [[str(value) for value in row] for row in drop.orders],
        list(ITEM_COLUMNS),
        [[str(value) for value in row] for row in drop.items],
    )


def missing_column(files: DayFiles) -> str:
    at = files.item_columns.index("sku")
    files.item_columns.pop(at)
    for row in files.items:
        row.pop(at)
    return "the items file has no sku column"


def negative_amounts(files: DayFiles) -> str:
    money = [files.order_columns.index(c) for c in ("subtotal", "tax_paid", "order_total")]
    for row in files.orders[:3]:
        for at in money:
            row[at] = str(-int(row[at]))
    return "3 orders have negative subtotal, tax and total"


def duplicate_ids(files: DayFiles) -> str:
    files.orders.extend(list(row) for row in files.orders[3:5])
    return "2 orders are sent twice under the same id"


def malformed_rows(files: DayFiles) -> str:
    at = files.item_columns.index("sku")
    for row in files.items[:2]:
        row[at] = ""
    return "2 items have an empty sku"


def unknown_customer(files: DayFiles) -> str:
    stranger = str(uuid.uuid5(uuid.NAMESPACE_URL, "jaffle-shop/customer/not-yet-in-the-database"))
    files.orders[5][files.order_columns.index("customer")] = stranger
    return f"1 order comes from customer {stranger}, whom the shop's database does not know"


def new_column(files: DayFiles) -> str:
    files.order_columns.append("coupon_code")
    for n, row in enumerate(files.orders):
        row.append("SAVE10" if n % 4 == 0 else "")
    return "the orders file has a new column, coupon_code"


DEFECTS: dict[str, Callable[[DayFiles], str]] = {
    "missing-column": missing_column,
    "negative-amounts": negative_amounts,
    "duplicate-ids": duplicate_ids,
    "malformed-rows": malformed_rows,
    "unknown-customer": unknown_customer,
    "new-column": new_column,
}
DEFAULT_DEFECTS = ("missing-column", "negative-amounts", "duplicate-ids")


def deliver_bad_day(
    storage: LandingZoneStorage, day: date, defects: list[str], seed: int = 0
) -> tuple[list[str], list[str]]:
    """Deliver `day`'s files spoiled by `defects`; returns their keys and what each defect did."""
    unknown = [name for name in defects if name not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect {', '.join(unknown)}; choose from {', '.join(DEFECTS)}")
    files = good_day(day, seed)
    done = [f"{name}: {DEFECTS[name](files)}" for name in defects]
    return write_day(storage, files.by_key(day)), done


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD; default: next day")
    parser.add_argument(
        "--defect",
        action="append",
        choices=list(DEFECTS),
        help=f"repeat for several; default: {' '.join(DEFAULT_DEFECTS)}",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    storage = watched_landing_zone()
    try:
        day = args.day or next_day(storage)
        keys, done = deliver_bad_day(storage, day, args.defect or list(DEFAULT_DEFECTS), args.seed)
    except (LandingZoneUnavailable, LookupError) as error:
        parser.error(str(error))
    print(f"delivered a bad day, {day}: {', '.join(keys)} into {storage.url}")
    for line in done:
        print(f"  {line}")
    print(
        f"With the landing-zone sensor on, its run for {day} shows where each fault is stopped; "
        f"deliver the good day back with: make deliver DAY={day}"
    )


if __name__ == "__main__":
    main()
