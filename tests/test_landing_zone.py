"""The landing-zone source, run by a real dlt pipeline into a real DuckDB file."""

from __future__ import annotations

from pathlib import Path

import dlt
import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.landing_zone import LandingFileError, landing_date, landing_zone
from tests.conftest import Platform


def load(landing: Path, warehouse: Path, pipelines_dir: Path) -> None:
    pipeline = dlt.pipeline(
        pipeline_name="landing_zone_test",
        pipelines_dir=str(pipelines_dir),
        destination=dlt.destinations.duckdb(str(warehouse)),
        dataset_name="raw",
    )
    pipeline.run(landing_zone(landing.as_uri()), loader_file_format="parquet")


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


def test_a_file_with_missing_columns_fails_the_load_and_keeps_what_was_loaded(
    platform: Platform, tmp_path: Path
):
    platform.generate("2018-09-01", "2018-09-01")
    load(platform.landing, platform.warehouse, tmp_path / "dlt")
    before = counts(platform.warehouse)

    (platform.landing / "orders" / "2018-09-02.csv").write_text("id,customer\nx,y\n")
    with pytest.raises(PipelineStepFailed, match=r"2018-09-02\.csv does not match"):
        load(platform.landing, platform.warehouse, tmp_path / "dlt")
    assert counts(platform.warehouse) == before
