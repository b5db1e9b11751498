"""Time one day's end-to-end materialization against a floor measured in the same run.

    make bench        # or: .venv/bin/python bench/one_day.py [--day 2018-09-01]

The platform: `dg launch --assets '*' --partition DAY` over one day of landing
files, into a fresh warehouse and DAGSTER_HOME: three dlt loads, then `dbt build` (models and
their tests).
The floor: the same files loaded by DuckDB itself (read_csv, plus the small reference tables),
then the same model SQL, as dbt compiled it, run directly in DuckDB in dependency order.
The embedded baseline: bench/embedded.py, the same dlt sources and dbt project run by a plain
script without Dagster, as a command over the same files into a warehouse of its own; the two
warehouses must then hold the same rows in every raw, staging and mart table.
All are timed on this machine, now: the ratio to the floor is what orchestration, dlt and dbt
cost on top; the ratio to the embedded script is what the orchestrator costs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import fresh_instance, materialize, run_embedded, same_row_counts
from bench.duckdb_direct import compiled_models, run_floor
from simulator.generate import generate


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat, default=date(2018, 9, 1))
    args = parser.parse_args(argv or [])

    with tempfile.TemporaryDirectory(prefix="bench-one-day-") as tmp:
        work = Path(tmp)
        data_dir, dagster_home, floor_dir = work / "data", work / "home", work / "floor"
        floor_dir.mkdir()
        fresh_instance(dagster_home)
        orders = generate(data_dir, args.day, args.day)

        times = materialize(data_dir, dagster_home, ["--partition", args.day.isoformat()])
        wall, run_seconds, steps = times.process, times.run, times.steps
        embedded = run_embedded(data_dir, work / "embedded", args.day, args.day)
        tables = same_row_counts(
            data_dir / "warehouse.duckdb", work / "embedded" / "warehouse.duckdb"
        )
        models = compiled_models(data_dir, work / "dbt_target")
        floor = run_floor(data_dir, floor_dir, models)

    print(f"one day ({args.day}): {orders} orders, {len(models)} dbt models")
    print(f"{'platform: dg launch, process wall time':<58}{wall:>8.2f} s")
    print(f"{'platform: the run itself (start to success)':<58}{run_seconds:>8.2f} s")
    for step, seconds in sorted(steps.items(), key=lambda item: -item[1]):
        print(f"{'    step ' + step:<58}{seconds:>8.2f} s")
    print(f"{'floor: DuckDB read_csv + compiled model SQL, one process':<58}{floor:>8.2f} s")
    print(f"ratio, run / floor: {run_seconds / floor:.1f}x   process / floor: {wall / floor:.1f}x")
    print(f"{'embedded: bench/embedded.py, process wall time':<58}{embedded.process:>8.2f} s")
    for step, seconds in embedded.steps.items():
        print(f"{'    step ' + step:<58}{seconds:>8.2f} s")
    startup = embedded.process - sum(embedded.steps.values())
    print(f"{'    python start-up and imports':<58}{startup:>8.2f} s")
    print(
        f"ratio, run / embedded: {run_seconds / embedded.process:.1f}x   "
        f"process / embedded: {wall / embedded.process:.1f}x   "
        f"(same rows in all {tables} raw, staging and mart tables)"
    )
    return {
        "1 day: platform command / embedded script": wall / embedded.process,
        "1 day: platform run / embedded script": run_seconds / embedded.process,
    }


if __name__ == "__main__":
    main(sys.argv[1:])
