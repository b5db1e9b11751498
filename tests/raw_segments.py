"""The marketing segments, computed straight from the raw files the simulator wrote.

The same rules as dbt_project/models/marts/customer_segments.sql, written again in plain Python
over the landing-zone CSVs and the shop database (csv, sqlite3, integer cents): the contacts the
marketing system should hold, with their properties, without dlt, dbt or DuckDB, so a mistake in
the pipeline cannot hide in the expected values.
"""

from __future__ import annotations

import csv
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

HIGH_VALUE_MIN_CENTS = 150_00
MEDIUM_VALUE_MIN_CENTS = 50_00
LAPSED_AFTER_DAYS = 30
WELCOME_DAYS = 14


def expected_contacts(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Every contact the marketing system should hold after a sync, by customer id."""
    orders: Counter[str] = Counter()
    spend_cents: Counter[str] = Counter()
    last_order: dict[str, date] = {}
    newest_day = date.min
    for path in sorted((data_dir / "landing" / "orders").glob("*.csv")):
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                day = date.fromisoformat(row["ordered_at"][:10])
                customer = row["customer"]
                orders[customer] += 1
                spend_cents[customer] += int(row["order_total"])
                last_order[customer] = max(day, last_order.get(customer, date.min))
                newest_day = max(newest_day, day)

    db = sqlite3.connect(data_dir / "shop" / "shop.db")
    names = dict(db.execute("select id, name from customers where deleted_at is null"))
    db.close()

    contacts = {}
    for customer, name in names.items():
        if not orders[customer]:
            continue
        cents = spend_cents[customer]
        tier = (
            "high"
            if cents >= HIGH_VALUE_MIN_CENTS
            else "medium"
            if cents >= MEDIUM_VALUE_MIN_CENTS
            else "low"
        )
        customer_type = "returning" if orders[customer] > 1 else "new"
        days_since = (newest_day - last_order[customer]).days
        lapsed = days_since > LAPSED_AFTER_DAYS
        segments = [
            segment
            for segment, member in (
                ("vip", tier == "high"),
                ("welcome", customer_type == "new" and days_since <= WELCOME_DAYS),
                ("win_back", lapsed and tier in ("medium", "high")),
            )
            if member
        ]
        if segments:
            contacts[customer] = {
                "customer_name": name,
                "customer_type": customer_type,
                "lifetime_orders": orders[customer],
                "lifetime_value": cents / 100,
                "value_tier": tier,
                "last_order_date": last_order[customer].isoformat(),
                "is_lapsed": lapsed,
                "segments": segments,
            }
    return contacts


def expected_changes(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> dict[str, int]:
    """How many contacts a sync from `before` to `after` inserts, updates, deletes and leaves."""
    kept = before.keys() & after.keys()
    updated = sum(before[key] != after[key] for key in kept)
    return {
        "inserted": len(after.keys() - before.keys()),
        "updated": updated,
        "deleted": len(before.keys() - after.keys()),
        "unchanged": len(kept) - updated,
    }
