"""The DuckDB-direct floor: the platform's loads and its dbt SQL, run by DuckDB alone.

The same landing files, shop database and catalogue loaded by DuckDB itself (`read_csv`, plus
the small reference tables), then each model's SQL as dbt compiled it, in dependency order, and
optionally each dbt test's compiled SQL. No Dagster, dlt or dbt runs: what is left is the work
the data itself needs, the floor `bench/one_day.py` and `bench/volume.py` measure against.

Run as a script it measures one floor in a process of its own, so that its peak memory is
DuckDB's and not the bench's (which has Dagster loaded):

    python bench/duckdb_direct.py DATA_DIR FLOOR_DIR NODES_JSON    # prints JSON figures
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import pyarrow as pa

# Not from bench.common, which imports Dagster: the floor process should hold DuckDB alone.
REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

Model = tuple[str, str, str, str]  # schema, name, materialization, compiled SQL
Test = tuple[str, str, str]  # name, severity ("error" or "warn"), compiled SQL (failing rows)


def compile_project(data_dir: Path, target_dir: Path) -> dict:
    """`dbt compile` into `target_dir`, for the warehouse in `data_dir`; its manifest's nodes."""
    env = {**os.environ, "WAREHOUSE_PATH": str(data_dir / "warehouse.duckdb")}
    subprocess.run(
        [BIN / "dbt", "compile", "--quiet", "--target-path", str(target_dir)],
        cwd=REPO_ROOT / "dbt_project",
        env=env,
        check=True,
        capture_output=True,
    )
    return json.loads((target_dir / "manifest.json").read_text())["nodes"]


def models_in_order(nodes: dict) -> list[Model]:
    """(schema, name, materialization, compiled SQL) for each model, in dependency order."""
    models = {uid: node for uid, node in nodes.items() if node["resource_type"] == "model"}
    order = TopologicalSorter(
        {
            uid: [d for d in node["depends_on"]["nodes"] if d in models]
            for uid, node in models.items()
        }
    ).static_order()
    return [
        (
            models[uid]["schema"],
            models[uid]["name"],
            models[uid]["config"]["materialized"],
            models[uid]["compiled_code"],
        )
        for uid in order
    ]


def tests_of(nodes: dict) -> list[Test]:
    """(name, severity, compiled SQL) for each dbt test: the SQL selects the rows that fail it."""
    return [
        (node["name"], node["config"]["severity"].lower(), node["compiled_code"])
        for node in nodes.values()
        if node["resource_type"] == "test"
    ]


def compiled_models(data_dir: Path, target_dir: Path) -> list[Model]:
    """(schema, name, materialization, compiled SQL) for each model, in dependency order."""
    return models_in_order(compile_project(data_dir, target_dir))


def run_floor(
    data_dir: Path,
    floor_dir: Path,
    models: Sequence[Model],
    tests: Sequence[Test] = (),
    phases: dict[str, float] | None = None,
) -> float:
    """Load the same files with DuckDB alone, run the compiled model SQL, then count each test's
    failing rows as `dbt build` does; seconds taken, and per phase into `phases` if given. A
    failing error-severity test raises: the floor's data must pass what the platform's does."""
    phases = {} if phases is None else phases
    landing, shop = data_dir / "landing", data_dir / "shop"
    started = time.perf_counter()
    # Named like the platform's warehouse, so the compiled SQL's "warehouse".<schema> resolves.
    db = duckdb.connect(str(floor_dir / "warehouse.duckdb"))
    db.execute("create schema raw; create schema staging; create schema marts")
    for table in ("orders", "items"):
        db.execute(
            f"create table raw.{table} as select *, "
            f"cast(regexp_extract(filename, '(\\d{{4}}-\\d{{2}}-\\d{{2}})', 1) as date) "
            f"as _landing_date from read_csv('{landing}/{table}/*.csv', filename = true)"
        )
    # PARSE_DECLTYPES turns the `timestamp` columns into datetimes, as SQLAlchemy does for dlt.
    with sqlite3.connect(shop / "shop.db", detect_types=sqlite3.PARSE_DECLTYPES) as source:
        for table in ("customers", "stores"):
            cursor = source.execute(f"select * from {table}")
            columns = [c[0] for c in cursor.description]
            arrow = pa.Table.from_pylist([dict(zip(columns, r, strict=True)) for r in cursor])
            db.register("incoming", arrow)
            db.execute(f"create table raw.{table} as select * from incoming")
            db.unregister("incoming")
    products = json.loads((shop / "product_catalog.json").read_text())["products"]
    supplies = [supply for product in products for supply in product.pop("supplies")]
    for table, rows in (("products", products), ("products__supplies", supplies)):
        db.register("incoming", pa.Table.from_pylist(rows))
        db.execute(f"create table raw.{table} as select * from incoming")
        db.unregister("incoming")
    phases["loads"] = time.perf_counter() - started
    for schema, name, materialized, sql in models:
        kind = "view" if materialized == "view" else "table"
        db.execute(f"create {kind} {schema}.{name} as {sql}")
    phases["models"] = time.perf_counter() - started - phases["loads"]
    failing = {}
    for name, severity, sql in tests:
        (failures,) = db.execute(f"select count(*) from ({sql}) as test").fetchone() or (0,)
        if failures and severity == "error":
            failing[name] = failures
    db.close()
    seconds = time.perf_counter() - started
    phases["tests"] = seconds - phases["loads"] - phases["models"]
    if failing:
        raise RuntimeError(f"dbt tests fail on the floor's data (test: failing rows): {failing}")
    return seconds


def main() -> None:
    """One floor in this process: seconds, and this process's peak resident memory."""
    data_dir, floor_dir, nodes_json = map(Path, sys.argv[1:4])
    nodes = json.loads(nodes_json.read_text())
    models, tests = models_in_order(nodes), tests_of(nodes)
    for folder in ("models", "with_tests"):
        (floor_dir / folder).mkdir(parents=True)
    models_seconds = run_floor(data_dir, floor_dir / "models", models)
    phases: dict[str, float] = {}
    with_tests_seconds = run_floor(data_dir, floor_dir / "with_tests", models, tests, phases)
    # ru_maxrss is in KiB on Linux: the kernel's high-water mark for this process.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "models_seconds": models_seconds,
                "with_tests_seconds": with_tests_seconds,
                "phases": phases,
                "models": len(models),
                "tests": len(tests),
                "peak_rss_bytes": peak,
            }
        )
    )


if __name__ == "__main__":
    main()
