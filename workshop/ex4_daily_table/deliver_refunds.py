"""The shop sends its refunds: a `refunds/<day>.csv` for every day of orders that has none yet.

    python -m workshop.ex4_daily_table.deliver_refunds

Run it again after `make deliver`: the simulator does not know the new table, and a day without
its refunds file is a day with no refunds, which raw/refunds' volume check blocks. Days that have
their file already are left alone, so running it again re-delivers nothing.

Every tenth order of a day is refunded in full, the day it was placed, so a day's refunds rise
and fall with its orders (the volume check on raw/refunds then sees usual days). The files go
where the platform watches, like `make deliver`'s, so a running landing-zone sensor picks them
up once the platform knows the table.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from simulator.deliver import watched_landing_zone
from workshop.platform_state import PlatformState

COLUMNS = ("id", "order_id", "refunded_at", "amount")
EVERY = 10


def refunds_csv(orders: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for order in orders[::EVERY]:
        writer.writerow([f"refund-{order['id']}", order["id"], order["ordered_at"],
                         order["subtotal"]])  # fmt: skip
    return out.getvalue().encode()


def deliver_refunds(platform: PlatformState) -> list[date]:
    storage = watched_landing_zone()
    have = set(platform.landing_days("refunds"))
    days = [day for day in platform.landing_days("orders") if day not in have]
    for day in days:
        refunds = refunds_csv(platform.csv_rows("orders", day))
        storage.write(f"refunds/{day.isoformat()}.csv", refunds)
    return days


def main() -> None:
    platform = PlatformState()
    if not platform.landing_days("orders"):
        raise SystemExit("the landing zone has no orders yet: run `make up` (or `make data`) first")
    days = deliver_refunds(platform)
    if not days:
        print("every day of orders has its refunds file already: nothing to deliver")
        return
    print(f"delivered refunds/<day>.csv for {len(days)} day(s), {days[0]} to {days[-1]}")


if __name__ == "__main__":
    main()
