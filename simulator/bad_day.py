"""Drop a deliberately bad day into the landing zone, for demos and workshops.

    python -m simulator.bad_day --day 2018-11-01 [--defect NAME ...] [--data-dir data]
    make bad-day DAY=2018-11-01 DEFECTS="negative-amounts duplicate-ids"

The day starts as the simulator's own day (the orders `simulator.generate` writes for it) and is
spoiled on purpose. Without `--defect` it gets the first three below. Each defect is caught at
a different layer of the platform (README.md, "Data quality"):

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

Write the good day back with `python -m simulator.generate --start DAY --end DAY`.
"""

from __future__ import annotations

import argparse
import csv
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from simulator.generate import ITEM_COLUMNS, ORDER_COLUMNS, daily_drop
from simulator.shop import customers


@dataclass
class DayFiles:
    """One day's two landing files as CSV text fields: header and rows."""

    order_columns: list[str]
    orders: list[list[str]]
    item_columns: list[str]
    items: list[list[str]]

    def write(self, landing: Path, day: date) -> list[Path]:
        written = []
        for table, header, rows in (
            ("orders", self.order_columns, self.orders),
            ("items", self.item_columns, self.items),
        ):
            path = landing / table / f"{day.isoformat()}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".tmp")  # a reader never sees half a file
            with partial.open("w", newline="") as f:
                csv.writer(f).writerows([header, *rows])
            partial.replace(path)
            written.append(path)
        return written


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


def write_bad_day(
    data_dir: Path, day: date, defects: list[str], seed: int = 0
) -> tuple[list[Path], list[str]]:
    """Write `day`'s landing files with `defects`; returns the files and what each defect did."""
    unknown = [name for name in defects if name not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect {', '.join(unknown)}; choose from {', '.join(DEFECTS)}")
    files = good_day(day, seed)
    done = [f"{name}: {DEFECTS[name](files)}" for name in defects]
    return files.write(data_dir / "landing", day), done


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    parser.add_argument(
        "--defect",
        action="append",
        choices=list(DEFECTS),
        help=f"repeat for several; default: {' '.join(DEFAULT_DEFECTS)}",
    )
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    written, done = write_bad_day(
        args.data_dir, args.day, args.defect or list(DEFAULT_DEFECTS), args.seed
    )
    print(f"wrote a bad day, {args.day}: {', '.join(str(path) for path in written)}")
    for line in done:
        print(f"  {line}")
    print(
        f"Materialize partition {args.day} to see the checks catch it; write the good day back "
        f"with: python -m simulator.generate --start {args.day} --end {args.day}"
    )


if __name__ == "__main__":
    main()
