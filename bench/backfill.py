"""Backfill benchmark: one run over 1, 30 and 365 days, against the one-day run.

    make bench-backfill     # or: .venv/bin/python bench/backfill.py

Each backfill is `dg launch --assets '*' --partition-range A...B` into a fresh
warehouse and DAGSTER_HOME over the same landing zone: one dlt load of the range's files and one
`dbt build` whose incremental models replace the range. The goal: 365 days in at most 3x the
wall time of one day. A second table measures how the window reaches dbt: as `--vars` (a
changed var makes dbt re-parse the whole project) or as the event-time flags the platform uses.
Each span is also run by the embedded baseline, bench/embedded.py (the same dlt sources and dbt
project, a plain script without Dagster), into a warehouse of its own that must then hold the
same rows as the platform's in every raw, staging and mart table: command / embedded is what the
orchestrator costs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
from dagster import AssetMaterialization, DagsterInstance

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    BIN,
    REPO_ROOT,
    fresh_instance,
    materialize,
    run_embedded,
    same_row_counts,
)
from simulator.generate import generate

FIRST_DAY = date(2018, 9, 1)
SPANS = (1, 30, 365)


def backfill(work: Path, days: int) -> tuple[float, float, int, int]:
    """Process and run seconds for a backfill of `days` days, the raw rows it loaded, and the
    events Dagster recorded for it."""
    data_dir = work / "data"
    (data_dir / "warehouse.duckdb").unlink(missing_ok=True)
    shutil.rmtree(data_dir / "dlt", ignore_errors=True)
    fresh_instance(work / "home")
    last = FIRST_DAY + timedelta(days=days - 1)
    partitions = ["--partition-range", f"{FIRST_DAY}...{last}"]
    if days == 1:
        partitions = ["--partition", str(FIRST_DAY)]
    times = materialize(data_dir, work / "home", partitions)
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as db:
        (rows,) = db.sql(
            "select (select count(*) from raw.orders) + (select count(*) from raw.items)"
        ).fetchone()
    return times.process, times.run, rows, times.events


def event_write_seconds(work: Path, events: int = 200) -> float:
    """Seconds Dagster's local event log (SQLite, as platform/dagster.yaml configures it) takes
    to store one asset materialization, through the public API, in an instance of its own."""
    home = work / "event-home"
    fresh_instance(home)
    instance = DagsterInstance.from_config(str(home))
    started = time.perf_counter()
    for day in range(events):
        partition = (FIRST_DAY + timedelta(days=day)).isoformat()
        instance.report_runless_asset_event(
            AssetMaterialization("bench_asset", partition=partition)
        )
    return (time.perf_counter() - started) / events


def embedded_backfill(work: Path, days: int) -> tuple[float, int]:
    """Seconds for bench/embedded.py over the same days as `backfill` just ran, and how many
    tables hold the same rows as the platform's warehouse (it fails if any does not)."""
    last = FIRST_DAY + timedelta(days=days - 1)
    times = run_embedded(work / "data", work / "embedded", FIRST_DAY, last)
    warehouses = (work / "data" / "warehouse.duckdb", work / "embedded" / "warehouse.duckdb")
    return times.process, same_row_counts(*warehouses)


def window_reaches_dbt(work: Path) -> list[tuple[str, float, bool]]:
    """Seconds for a second dbt run with a new window, and whether dbt re-parsed."""
    env = {**os.environ, "WAREHOUSE_PATH": str(work / "data" / "warehouse.duckdb")}
    target = work / "dbt_target"

    def dbt(*args: str) -> tuple[float, bool]:
        started = time.perf_counter()
        result = subprocess.run(
            [BIN / "dbt", *args, "--select", "stg_customers", "--target-path", str(target)],
            cwd=REPO_ROOT / "dbt_project", env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return time.perf_counter() - started, "Unable to do partial parsing" in result.stdout

    subprocess.run(
        [BIN / "dbt", "parse", "--target-path", str(target)],
        cwd=REPO_ROOT / "dbt_project", env=env, capture_output=True, check=True,
    )  # fmt: skip
    results = []
    for label, windows in (
        ("--vars '{start: ..., end: ...}'", [["--vars", f"{{start: '{d}'}}"] for d in "ab"]),
        ("--event-time-start/--event-time-end", [
            ["--event-time-start", f"2018-09-0{d}", "--event-time-end", "2018-09-10"]
            for d in (1, 2)
        ]),
    ):  # fmt: skip
        dbt("run", *windows[0])
        seconds, reparsed = dbt("run", *windows[1])
        results.append((label, seconds, reparsed))
    return results


def main() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-backfill-") as tmp:
        work = Path(tmp)
        generate(work / "data", FIRST_DAY, FIRST_DAY + timedelta(days=max(SPANS) - 1))
        results: dict[int, tuple[float, float, int, int]] = {}
        embedded: dict[int, tuple[float, int]] = {}
        for days in SPANS:
            results[days] = backfill(work, days)
            embedded[days] = embedded_backfill(work, days)
        windows = window_reaches_dbt(work)
        event_seconds = event_write_seconds(work)

    one_day_process, one_day_run, _, _ = results[1]
    header = ("days", "raw rows", "run s", "x 1 day", "command s", "x 1 day", "rows/s", "events")
    print("{:>5} {:>9} {:>7} {:>8} {:>10} {:>8} {:>8} {:>7}".format(*header))
    for days, (process, run, rows, events) in results.items():
        print(
            f"{days:>5} {rows:>9} {run:>7.2f} {run / one_day_run:>7.2f}x {process:>10.2f} "
            f"{process / one_day_process:>7.2f}x {rows / run:>8.0f} {events:>7}"
        )
    ratio = results[365][0] / one_day_process
    print(f"goal: 365 days within 3x one day's command time: {ratio:.2f}x")
    print()
    header = ("days", "embedded s", "x 1 day", "command / embedded", "run / embedded", "tables")
    print("{:>5} {:>10} {:>8} {:>19} {:>15} {:>7}".format(*header))
    one_day_embedded = embedded[1][0]
    for days, (seconds, tables) in embedded.items():
        process, run, _, _ = results[days]
        print(
            f"{days:>5} {seconds:>10.2f} {seconds / one_day_embedded:>7.2f}x "
            f"{process / seconds:>18.2f}x {run / seconds:>14.2f}x {tables:>7}"
        )
    print("embedded: bench/embedded.py, same rows as the platform in every table of each span")
    events = results[365][3]
    print(
        f"Dagster's event log: {events} events for the 365-day run, {event_seconds * 1000:.1f} ms "
        f"to store one here (local SQLite instance): about {events * event_seconds:.0f} s of its "
        f"{results[365][0]:.0f} s command"
    )
    print()
    print(f"{'how the window reaches dbt':<40} {'2nd run s':>9} {'re-parsed':>10}")
    for label, seconds, reparsed in windows:
        print(f"{label:<40} {seconds:>9.2f} {'yes' if reparsed else 'no':>10}")
    return {"365 days: platform command / embedded script": results[365][0] / embedded[365][0]}


if __name__ == "__main__":
    main()
