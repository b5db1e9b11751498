"""Expected figures computed straight from the raw files the simulator wrote.

This reads the landing-zone CSVs, the shop database and the product catalogue with Python's
own csv, sqlite3 and json modules and adds up cents in integers: no dlt, no dbt, no DuckDB, so
a mistake in the pipeline cannot hide in the expected values.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path


@dataclass
class RawFigures:
    order_count: int = 0
    item_count: int = 0
    revenue_cents: int = 0
    orders_by_customer: Counter[str] = field(default_factory=Counter)
    spend_cents_by_customer: Counter[str] = field(default_factory=Counter)
    customer_ids: set[str] = field(default_factory=set)
    product_count: int = 0
    supply_cost_cents_by_order: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def dollars(cents: int) -> Decimal:
        return Decimal(cents) / 100


def raw_figures(data_dir: Path) -> RawFigures:
    figures = RawFigures()
    for path in sorted((data_dir / "landing" / "orders").glob("*.csv")):
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                figures.order_count += 1
                figures.revenue_cents += int(row["order_total"])
                figures.orders_by_customer[row["customer"]] += 1
                figures.spend_cents_by_customer[row["customer"]] += int(row["order_total"])

    catalog = json.loads((data_dir / "shop" / "product_catalog.json").read_text())["products"]
    figures.product_count = len(catalog)
    supply_cost_by_sku = {p["sku"]: sum(s["cost"] for s in p["supplies"]) for p in catalog}

    cost_by_order: dict[str, int] = defaultdict(int)
    for path in sorted((data_dir / "landing" / "items").glob("*.csv")):
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                figures.item_count += 1
                cost_by_order[row["order_id"]] += supply_cost_by_sku[row["sku"]]
    figures.supply_cost_cents_by_order = dict(cost_by_order)

    db = sqlite3.connect(data_dir / "shop" / "shop.db")
    figures.customer_ids = {row[0] for row in db.execute("select id from customers")}
    db.close()
    return figures


@dataclass(frozen=True)
class DayFigures:
    """One landing day's orders, their revenue in cents, and its order items."""

    orders: int
    revenue_cents: int
    items: int


def figures_by_day(data_dir: Path) -> dict[str, DayFigures]:
    """Per landing day (the file's name), from the landing-zone CSVs alone."""
    figures: dict[str, DayFigures] = {}
    for path in sorted((data_dir / "landing" / "orders").glob("*.csv")):
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
        with (data_dir / "landing" / "items" / path.name).open(newline="") as f:
            items = sum(1 for _ in csv.DictReader(f))
        revenue = sum(int(row["order_total"]) for row in rows)
        figures[path.stem] = DayFigures(orders=len(rows), revenue_cents=revenue, items=items)
    return figures
