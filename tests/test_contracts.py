"""Schema contracts, enforced by real dlt loads into a real DuckDB file.

Each load uses a fresh dlt working folder, as a platform run does, so dlt checks the data
against the schema it stored in the warehouse, not against anything left on disk.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import tempfile
from datetime import date
from pathlib import Path

import dlt
import duckdb
import pytest
from dlt.sources import DltSource

from ingestion.contracts import SchemaContractViolation, explained_violations
from ingestion.landing_zone import landing_zone
from ingestion.product_catalog import product_catalog
from ingestion.shop_db import shop_db
from tests.conftest import Platform


def load(platform: Platform, source: DltSource, name: str) -> None:
    pipeline = dlt.pipeline(
        pipeline_name=name,
        pipelines_dir=tempfile.mkdtemp(dir=platform.data_dir),
        destination=dlt.destinations.duckdb(str(platform.warehouse)),
        dataset_name="raw",
    )
    with explained_violations(name):
        pipeline.run(source, loader_file_format="parquet")


def query(platform: Platform, sql: str) -> list[tuple]:
    with duckdb.connect(str(platform.warehouse), read_only=True) as db:
        return db.sql(sql).fetchall()


def catalog(platform: Platform) -> DltSource:
    return product_catalog((platform.data_dir / "shop").as_uri())


@pytest.fixture
def loaded_catalog(platform: Platform) -> tuple[Platform, Path, dict]:
    platform.generate("2018-09-01", "2018-09-01")
    load(platform, catalog(platform), "product catalogue")
    path = platform.data_dir / "shop" / "product_catalog.json"
    return platform, path, json.loads(path.read_text())


def test_a_misspelt_key_in_the_catalogue_stops_the_load_and_says_which(loaded_catalog):
    platform, path, document = loaded_catalog
    before = query(platform, "select * from raw.products order by sku")
    assert len(before) == len(document["products"])

    document["products"][0]["prce"] = document["products"][0].pop("price")
    path.write_text(json.dumps(document))
    with pytest.raises(SchemaContractViolation, match=r"new column 'prce'.*contracts\.py"):
        load(platform, catalog(platform), "product catalogue")
    assert query(platform, "select * from raw.products order by sku") == before


def test_a_price_written_as_text_stops_the_load(loaded_catalog):
    platform, path, document = loaded_catalog
    before = query(platform, "select * from raw.products order by sku")

    document["products"][0]["price"] = "11.00"
    path.write_text(json.dumps(document))
    with pytest.raises(SchemaContractViolation, match=r"a text value in column 'price'"):
        load(platform, catalog(platform), "product catalogue")
    assert query(platform, "select * from raw.products order by sku") == before


def test_a_new_column_in_a_landing_file_lands_beside_the_others(platform: Platform):
    platform.generate("2018-09-01", "2018-09-02")
    landing = platform.landing.as_uri()
    load(platform, landing_zone(landing, days={date(2018, 9, 1)}), "landing zone")

    path = platform.landing / "orders" / "2018-09-02.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    coupons = {row["id"]: f"SAVE{n}" for n, row in enumerate(rows) if n % 3 == 0}
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*rows[0], "coupon_code"])
        writer.writeheader()
        writer.writerows({**row, "coupon_code": coupons.get(row["id"], "")} for row in rows)
    load(platform, landing_zone(landing, days={date(2018, 9, 2)}), "landing zone")

    landed = dict(query(platform, "select id, coupon_code from raw.orders where coupon_code <> ''"))
    assert landed == coupons
    with (platform.landing / "orders" / "2018-09-01.csv").open(newline="") as f:
        first_day = sum(1 for _ in csv.DictReader(f))
    # The earlier day keeps its rows, with no value in the column it never had.
    without = "select count(*) from raw.orders where coupon_code is null"
    assert query(platform, f"{without} and _landing_date = '2018-09-01'") == [(first_day,)]


def test_a_new_column_in_the_shop_database_lands(platform: Platform):
    platform.generate("2018-09-01", "2018-09-01")
    database = platform.data_dir / "shop" / "shop.db"
    load(platform, shop_db(f"sqlite:///{database}"), "shop database")

    with sqlite3.connect(database) as db:
        db.execute("alter table customers add column email text")
        # Stamped as changed, as the shop stamps every change: the load reads changed rows only.
        db.execute(
            "update customers set email = id || '@example.com', "
            "updated_at = '2018-09-02 08:00:00.000000'"
        )
        expected = dict(db.execute("select id, email from customers"))
    db.close()
    load(platform, shop_db(f"sqlite:///{database}"), "shop database")
    assert dict(query(platform, "select id, email from raw.customers")) == expected
