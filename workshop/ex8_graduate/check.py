"""Exercise 8 is done when, with `make production-services` running, the production instance
(PostgreSQL) holds a successful run that loaded 2018-09-01 from the S3 landing zone into that
setup's warehouse, row for row, and the answers say what changed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from workshop.ex8_graduate.environment import read_env
from workshop.exercises import NotDone
from workshop.platform_state import PlatformState, one_line, require

FIRST_DAY = date(2018, 9, 1)
FOLDER = Path(__file__).parent


def production_config(platform: PlatformState) -> dict:
    return yaml.safe_load((platform.repo_root / "platform" / "dagster-production.yaml").read_text())


def check(platform: PlatformState) -> None:
    import os

    import duckdb
    from dagster import AssetKey, DagsterInstance

    env = read_env(platform.data_dir)
    os.environ.update(env)  # the instance config reads its connection from the environment
    try:
        instance = DagsterInstance.from_config(env["DAGSTER_HOME"])
        materialized = instance.get_materialized_partitions(AssetKey(["raw", "orders"]))
    except Exception as error:
        hint = f"the production instance does not answer ({one_line(error)}): restart "
        raise NotDone(hint + "`make production-services`") from None
    require(
        FIRST_DAY.isoformat() in materialized,
        "the production instance has no run of 2018-09-01 yet: in the production UI "
        "(http://127.0.0.1:3002) press Materialize all for the partition 2018-09-01, or from a "
        "shell: `set -a; . data/production/env; set +a; dg launch --target-path platform "
        "--assets '*' --partition 2018-09-01`.",
    )
    warehouse = Path(env["PLATFORM_DATA_DIR"]) / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as db:
        (orders,) = db.sql(
            f"select count(*) from marts.orders where landed_on = '{FIRST_DAY}'"
        ).fetchone() or (0,)
    expected = len(platform.csv_rows("orders", FIRST_DAY))
    require(
        orders == expected,
        f"the production setup's marts.orders holds {orders} orders of {FIRST_DAY}, the file in "
        f"the bucket {expected}: materialize every asset of the day (Materialize all).",
    )
    answers = platform.answers(FOLDER)
    config = production_config(platform)
    require(
        answers.get("instance_storage") == next(iter(config["storage"])),
        "instance_storage in workshop/ex8_graduate/answers.toml is not the production "
        "instance's storage: open Deployment > Configuration in the production UI (or "
        "platform/dagster-production.yaml) and give the key under `storage:`.",
    )
    require(
        answers.get("warehouse_pool_limit") == config["concurrency"]["pools"]["default_limit"],
        "warehouse_pool_limit is not production's limit of steps writing the warehouse at once: "
        "read `concurrency: pools:` in the production instance's configuration, and compare it "
        "with platform/dagster.yaml's.",
    )
    require(
        answers.get("landing_zone_url") == env["LANDING_ZONE_URL"],
        "landing_zone_url is not the URL the production code location reads: open Deployment > "
        "graduated_platform > Resources > landing_zone in the production UI.",
    )
