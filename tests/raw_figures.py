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

import duckdb


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


def assert_marts_equal_raw_figures(warehouse: Path, data_dir: Path) -> RawFigures:
    """The marts in `warehouse` hold exactly what the raw files under `data_dir` imply: every
    order and item once, revenue to the cent, customers' lifetime figures, order costs."""
    expected = raw_figures(data_dir)
    with duckdb.connect(str(warehouse), read_only=True) as db:
        orders, revenue = db.sql("select count(*), sum(order_total) from marts.orders").fetchone()
        assert orders == expected.order_count
        assert revenue == RawFigures.dollars(expected.revenue_cents)
        (distinct_orders,) = db.sql("select count(distinct order_id) from marts.orders").fetchone()
        assert distinct_orders == orders

        (items,) = db.sql("select count(*) from marts.order_items").fetchone()
        assert items == expected.item_count

        (products,) = db.sql("select count(*) from marts.products").fetchone()
        assert products == expected.product_count

        customer_rows = dict(
            db.sql(
                "select customer_id, (count_lifetime_orders, lifetime_spend) from marts.customers"
            ).fetchall()
        )
        assert set(customer_rows) == expected.customer_ids

        busiest = [c for c, _ in expected.orders_by_customer.most_common(3)]
        one_order = [c for c, n in expected.orders_by_customer.items() if n == 1][:1]
        for customer in [*busiest, *one_order]:
            count, spend = customer_rows[customer]
            assert count == expected.orders_by_customer[customer]
            assert spend == RawFigures.dollars(expected.spend_cents_by_customer[customer])

        never_ordered = expected.customer_ids - set(expected.orders_by_customer)
        for customer in list(never_ordered)[:1]:
            assert customer_rows[customer] == (None, None)

        order_costs = dict(db.sql("select order_id, order_cost from marts.orders").fetchall())
        for order_id, cents in list(expected.supply_cost_cents_by_order.items())[:50]:
            assert order_costs[order_id] == RawFigures.dollars(cents)
    return expected


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
