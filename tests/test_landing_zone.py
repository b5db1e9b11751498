"""The landing-zone source, run by a real dlt pipeline into a real DuckDB file: days replaced,
rows that fail validation quarantined with their reason and file."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import dlt
import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.landing_zone import landing_zone
from landing_zone.files import LandingFileError, landing_date
from tests.conftest import Platform


def load(
    landing: Path, warehouse: Path, pipelines_dir: Path, days: set[date] | None = None
) -> None:
    pipeline = dlt.pipeline(
        pipeline_name="landing_zone_test",
        pipelines_dir=str(pipelines_dir),
        destination=dlt.destinations.duckdb(str(warehouse)),
        dataset_name="raw",
    )
    pipeline.run(landing_zone(landing.as_uri(), days=days), loader_file_format="parquet")


def counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return dict(
            db.sql(
                "select strftime(_landing_date, '%Y-%m-%d'), count(*) from raw.orders group by 1"
            ).fetchall()
        )


def csv_rows(path: Path) -> int:
    return len(path.read_text().splitlines()) - 1


def test_each_day_lands_once_however_often_it_is_loaded(platform: Platform, tmp_path: Path):
    platform.generate("2018-09-01", "2018-09-02")
    expected = {p.stem: csv_rows(p) for p in (platform.landing / "orders").glob("*.csv")}

    load(platform.landing, platform.warehouse, tmp_path / "dlt")
    assert counts(platform.warehouse) == expected
    load(platform.landing, platform.warehouse, tmp_path / "dlt")
    assert counts(platform.warehouse) == expected


def test_a_redelivered_file_replaces_only_its_own_day(platform: Platform, tmp_path: Path):
    platform.generate("2018-09-01", "2018-09-02")
    load(platform.landing, platform.warehouse, tmp_path / "dlt")
    first_day = platform.landing / "orders" / "2018-09-01.csv"
    header, *rows = first_day.read_text().splitlines()
    first_day.write_text("\n".join([header, *rows[:10]]) + "\n")

    load(platform.landing, platform.warehouse, tmp_path / "dlt")
    assert counts(platform.warehouse) == {
        "2018-09-01": 10,
        "2018-09-02": csv_rows(platform.landing / "orders" / "2018-09-02.csv"),
    }


def test_a_file_not_named_after_its_day_is_refused_with_the_name_and_the_fix():
    with pytest.raises(LandingFileError, match=r"'orders-latest\.csv'.*YYYY-MM-DD\.csv"):
        landing_date("orders-latest.csv")
    assert str(landing_date("2018-09-01.csv")) == "2018-09-01"


def quarantined(warehouse: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return db.sql(
            f"select strftime(_landing_date, '%Y-%m-%d'), _source_file, _reason, id "
            f"from raw.{table}_quarantine order by all"
        ).fetchall()


def rewrite(path: Path, edit) -> list[dict[str, str]]:
    """Rewrite a CSV file through `edit(rows) -> rows`; returns the rows written."""
    with path.open(newline="") as f:
        rows = edit(list(csv.DictReader(f)))
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def test_a_file_missing_a_column_is_quarantined_whole_and_its_day_keeps_its_rows(
    platform: Platform, tmp_path: Path
):
    platform.generate("2018-09-01", "2018-09-02")
    load(platform.landing, platform.warehouse, tmp_path / "dlt")
    before = counts(platform.warehouse)

    # The shop re-sends 2018-09-02 without the tax column.
    sent = rewrite(
        platform.landing / "orders" / "2018-09-02.csv",
        lambda rows: [{k: v for k, v in row.items() if k != "tax_paid"} for row in rows],
    )
    load(platform.landing, platform.warehouse, tmp_path / "dlt")

    # No valid row arrived to replace the day, so it keeps what it had; every sent row waits.
    assert counts(platform.warehouse) == before
    assert quarantined(platform.warehouse, "orders") == sorted(
        ("2018-09-02", "orders/2018-09-02.csv", "missing column tax_paid", row["id"])
        for row in sent
    )


def test_a_days_quarantine_is_replaced_by_each_load_of_the_day_never_duplicated(
    platform: Platform, tmp_path: Path
):
    platform.generate("2018-09-01", "2018-09-01")
    path = platform.landing / "orders" / "2018-09-01.csv"
    original = path.read_text()
    rows = rewrite(path, lambda rows: [{**row, "customer": ""} if n < 3 else row
                                       for n, row in enumerate(rows)])  # fmt: skip
    blanked = sorted(
        ("2018-09-01", "orders/2018-09-01.csv", "customer is empty", row["id"]) for row in rows[:3]
    )

    load(platform.landing, platform.warehouse, tmp_path / "dlt")
    load(platform.landing, platform.warehouse, tmp_path / "dlt")
    assert quarantined(platform.warehouse, "orders") == blanked
    assert counts(platform.warehouse) == {"2018-09-01": len(rows) - 3}

    path.write_text(original)  # the corrected file clears the day's quarantine
    load(platform.landing, platform.warehouse, tmp_path / "dlt")
    assert quarantined(platform.warehouse, "orders") == []
    assert counts(platform.warehouse) == {"2018-09-01": len(rows)}


def test_a_file_that_is_not_text_fails_the_load_naming_it_and_keeps_what_was_loaded(
    platform: Platform, tmp_path: Path
):
    platform.generate("2018-09-01", "2018-09-01")
    load(platform.landing, platform.warehouse, tmp_path / "dlt")
    before = counts(platform.warehouse)

    (platform.landing / "orders" / "2018-09-02.csv").write_bytes(b"id,customer\n\xff\xfe,x\n")
    with pytest.raises(PipelineStepFailed, match=r"2018-09-02\.csv is not a UTF-8 CSV file"):
        load(platform.landing, platform.warehouse, tmp_path / "dlt")
    assert counts(platform.warehouse) == before


def rows_in(warehouse: Path, table: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        [(rows,)] = db.sql(f"select count(*) from raw.{table}").fetchall()
        return rows


def test_a_declared_table_no_file_has_reached_loads_empty_and_a_day_without_a_file_deletes_nothing(
    platform: Platform, tmp_path: Path
):
    # A table just declared has no file yet; `items` stands in for it here.
    platform.generate("2018-09-01", "2018-09-02")
    items = platform.landing / "items"
    sent = {path: path.read_bytes() for path in items.glob("*.csv")}
    for path in sent:
        path.unlink()

    load(platform.landing, platform.warehouse, tmp_path / "dlt")
    # Both tables are there, empty: the checks and models downstream read "no rows".
    assert rows_in(platform.warehouse, "items") == 0
    assert rows_in(platform.warehouse, "items_quarantine") == 0
    assert rows_in(platform.warehouse, "orders") == sum(
        csv_rows(path) for path in (platform.landing / "orders").glob("*.csv")
    )

    first_day = items / "2018-09-01.csv"
    first_day.write_bytes(sent[first_day])
    load(platform.landing, platform.warehouse, tmp_path / "dlt", days={date(2018, 9, 1)})
    # A run of a day with no file of the table leaves the other days' rows alone.
    load(platform.landing, platform.warehouse, tmp_path / "dlt", days={date(2018, 9, 2)})
    assert rows_in(platform.warehouse, "items") == csv_rows(first_day)
