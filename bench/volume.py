"""Volume benchmark: a year of a shop 20 times the demo's size, in one run, against DuckDB direct.

    .venv/bin/python bench/volume.py [--scale 20] [--days 365]

The simulator writes 365 days at `--scale 20` (about 4.5M raw rows, 450 MB of CSV), and the
platform materializes them all in one run (`dg launch --assets '*' --partition-range`, a fresh
warehouse and DAGSTER_HOME). The data path is what Dagster records for the steps that
materialize assets: the dlt loads and `dbt build` (models and their tests); the check steps
and the command around the run are shown beside it. The floor, DuckDB-direct, is the same
loads and the same SQL as dbt compiled it, models and tests, run by DuckDB alone in a process
of its own (bench/duckdb_direct.py). Goal: the data path within 2x the floor.

Peak memory (RSS) is given two ways (bench/peak_memory.py): the whole process tree sampled
with psutil, since `dg launch` runs dbt beside itself, and the kernel's exact high-water mark
of the largest single process. The raw tables' row counts must equal the generated CSV rows.

Where the data path's time goes is read from the run itself: each step's time before its first
output (the tool's work) and after (Dagster recording one materialization per day and asset);
dbt's start-up and per-node times from the run's run_results.json; and dlt's extract, normalize
and load phases from the same landing-zone source run once more by a plain dlt pipeline.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import dlt
import duckdb
from dagster import DagsterEvent, DagsterEventType, DagsterInstance

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO_ROOT, RunTimes, fresh_instance, materialize
from bench.duckdb_direct import compile_project
from bench.peak_memory import TreeMemory, largest_child_peak
from ingestion.landing_zone import landing_zone
from landing_zone.storage import absolute_url
from landing_zone.tables import DAILY_TABLES
from simulator.generate import generate

FIRST_DAY = date(2018, 9, 1)
GOAL = 2.0  # the data path within this many times DuckDB-direct
MB = 2**20
STEP_START = DagsterEventType.STEP_START
MATERIALIZATION = DagsterEventType.ASSET_MATERIALIZATION
OUTPUTS = (DagsterEventType.STEP_OUTPUT, MATERIALIZATION)


@dataclass(frozen=True)
class StepTimeline:
    """One step of the run, from its events: what it materialized, and when its work ended."""

    name: str
    seconds: float  # as Dagster's step stats record it
    started: float  # unix time
    first_output: float  # unix time of its first output: the tool's own work is done by then
    layers: frozenset[str]  # first part of each asset key it materialized: raw, staging, marts
    materializations: int
    check_evaluations: int

    @property
    def in_data_path(self) -> bool:
        return bool(self.layers)


@dataclass(frozen=True)
class Floor:
    models_seconds: float
    with_tests_seconds: float
    phases: dict[str, float]
    tree_peak_bytes: int
    process_peak_bytes: int


def csv_rows(landing: Path) -> dict[str, int]:
    """Data rows in each daily table's CSV files: lines less the header (no value holds a
    line break)."""
    return {
        table: sum(path.read_bytes().count(b"\n") - 1 for path in (landing / table).glob("*.csv"))
        for table in DAILY_TABLES
    }


def warehouse_rows(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return {
            table: db.sql(f"select count(*) from raw.{table}").fetchone()[0]  # type: ignore[index]
            for table in (*DAILY_TABLES, "customers")
        }


def step_timelines(dagster_home: Path, times: RunTimes) -> tuple[str, list[StepTimeline]]:
    """The latest run's id and a timeline per step, read from its event log."""
    instance = DagsterInstance.from_config(str(dagster_home))
    run_id = instance.get_run_records(limit=1)[0].dagster_run.run_id
    events: dict[str, list[tuple[float, DagsterEvent]]] = defaultdict(list)
    for entry in instance.all_logs(run_id):
        if entry.dagster_event is not None and entry.step_key is not None:
            events[entry.step_key].append((entry.timestamp, entry.dagster_event))
    timelines = []
    for step, seconds in times.steps.items():
        kinds = Counter(event.event_type for _, event in events[step])
        started = next(t for t, event in events[step] if event.event_type == STEP_START)
        outputs = [t for t, event in events[step] if event.event_type in OUTPUTS]
        layers = frozenset(
            event.asset_key.path[0]
            for _, event in events[step]
            if event.event_type == MATERIALIZATION and event.asset_key is not None
        )
        timelines.append(
            StepTimeline(
                step,
                seconds,
                started,
                min(outputs, default=started + seconds),
                layers,
                kinds[MATERIALIZATION],
                kinds[DagsterEventType.ASSET_CHECK_EVALUATION],
            )
        )
    return run_id, sorted(timelines, key=lambda t: -t.seconds)


def planned_events(dagster_home: Path, run_id: str) -> int:
    """Events the command writes before the run starts: one per asset and day it will build."""
    instance = DagsterInstance.from_config(str(dagster_home))
    return sum(
        1
        for entry in instance.all_logs(run_id)
        if entry.dagster_event is not None
        and entry.dagster_event.event_type
        in (
            DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
            DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
        )
    )


def dbt_run_results(run_id: str) -> dict | None:
    """The run's dbt run_results.json: dagster-dbt writes each invocation's target folder under
    dbt_project/target, named with the step and the run id's first 7 characters. The folder is
    removed once read: it belongs to this bench's throwaway run."""
    for folder in (REPO_ROOT / "dbt_project" / "target").glob(f"*-{run_id[:7]}-*"):
        results = json.loads((folder / "run_results.json").read_text())
        shutil.rmtree(folder)
        return results
    return None


def timestamp(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def dlt_phases(data_dir: Path, work: Path) -> tuple[float, dict[str, float]]:
    """The landing-zone source of the platform, run again by a plain dlt pipeline (no Dagster)
    into a scratch DuckDB file with the platform's parquet loader: seconds, and per phase."""
    pipeline = dlt.pipeline(
        pipeline_name="volume_landing_zone",
        pipelines_dir=str(work / "dlt_alone"),
        destination=dlt.destinations.duckdb(str(work / "dlt_alone.duckdb")),
        dataset_name="raw",
    )
    started = time.perf_counter()
    pipeline.run(
        landing_zone(absolute_url(str(data_dir / "landing"))), loader_file_format="parquet"
    )
    seconds = time.perf_counter() - started
    trace = pipeline.last_trace
    assert trace is not None  # run() just made one
    phases = {
        str(step.step): (step.finished_at - step.started_at).total_seconds()
        for step in trace.steps
        if step.finished_at is not None and step.step in ("extract", "normalize", "load")
    }
    return seconds, phases


def duckdb_direct(data_dir: Path, work: Path) -> Floor:
    """The floor in a process of its own, with its memory sampled like the platform's."""
    nodes_json = work / "dbt_nodes.json"
    nodes_json.write_text(json.dumps(compile_project(data_dir, work / "dbt_target")))
    floor_dir = work / "floor"
    with TreeMemory() as memory:
        result = subprocess.run(
            [sys.executable, REPO_ROOT / "bench" / "duckdb_direct.py", data_dir, floor_dir,
             nodes_json],
            cwd=REPO_ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
    figures = json.loads(result.stdout)
    return Floor(
        figures["models_seconds"],
        figures["with_tests_seconds"],
        figures["phases"],
        memory.peak_bytes,
        figures["peak_rss_bytes"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=20, help="times the demo's daily volume")
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    last_day = FIRST_DAY + timedelta(days=args.days - 1)

    with tempfile.TemporaryDirectory(prefix="bench-volume-") as tmp:
        work = Path(tmp)
        data_dir, dagster_home = work / "data", work / "home"
        started = time.perf_counter()
        orders = generate(data_dir, FIRST_DAY, last_day, scale=args.scale)
        generated = time.perf_counter() - started
        generated_rows = csv_rows(data_dir / "landing")

        fresh_instance(dagster_home)
        # Importing dlt and Dagster runs a small child process: a larger peak is the platform's.
        children_before = largest_child_peak()
        with TreeMemory() as platform_memory:
            times = materialize(
                data_dir, dagster_home, ["--partition-range", f"{FIRST_DAY}...{last_day}"]
            )
        platform_process_peak = largest_child_peak()
        loaded_rows = warehouse_rows(data_dir / "warehouse.duckdb")
        run_id, steps = step_timelines(dagster_home, times)
        planned = planned_events(dagster_home, run_id)
        run_results = dbt_run_results(run_id)

        floor = duckdb_direct(data_dir, work)
        dlt_alone, phases = dlt_phases(data_dir, work)

    raw_rows = sum(generated_rows.values())
    print(
        f"{args.scale}x volume, {args.days} days ({FIRST_DAY}...{last_day}): "
        f"{orders:,} orders, {generated_rows['items']:,} items, "
        f"{loaded_rows['customers']:,} customers; {raw_rows:,} raw daily rows, "
        f"generated in {generated:.1f} s"
    )
    for table, rows in generated_rows.items():
        same = "=" if loaded_rows[table] == rows else "!="
        print(f"  raw.{table}: {loaded_rows[table]:,} rows {same} {rows:,} CSV rows")
    assert all(loaded_rows[table] == rows for table, rows in generated_rows.items())

    data_path = [step for step in steps if step.in_data_path]
    data_seconds = sum(step.seconds for step in data_path)
    floor_seconds = floor.with_tests_seconds
    ratio = data_seconds / floor_seconds
    tree = f"{platform_memory.peak_bytes / MB:,.0f} MB"
    largest = f"{platform_process_peak / MB:,.0f} MB"
    if platform_process_peak == children_before:
        largest = f"<= {largest}"
    print()
    print(f"{'':<58}{'seconds':>9}  {'peak RSS: tree':>15}  {'largest process':>15}")
    print(f"{'platform: dg launch, the whole command':<58}{times.process:>9.1f}  "
          f"{tree:>15}  {largest:>15}")  # fmt: skip
    print(f"{'platform: the run (start to success)':<58}{times.run:>9.1f}")
    print(f"{'platform: data path (the dlt and dbt steps)':<58}{data_seconds:>9.1f}")
    floor_tree = f"{floor.tree_peak_bytes / MB:,.0f} MB"
    floor_process = f"{floor.process_peak_bytes / MB:,.0f} MB"
    print(f"{'DuckDB-direct: loads + compiled models + tests':<58}{floor_seconds:>9.1f}  "
          f"{floor_tree:>15}  {floor_process:>15}")  # fmt: skip
    print(f"{'DuckDB-direct: loads + compiled models':<58}{floor.models_seconds:>9.1f}")
    verdict = "met" if ratio <= GOAL else "missed"
    print(
        f"{args.scale}x volume, {args.days} days: data path ÷ DuckDB-direct ≤ {GOAL:g}x: "
        f"{ratio:.1f}x ({verdict}; models only: {data_seconds / floor.models_seconds:.1f}x; "
        f"memory, tree ÷ DuckDB-direct: {platform_memory.peak_bytes / floor.tree_peak_bytes:.1f}x)"
    )

    print()
    print("where the data path's time goes (seconds)")
    header = ("step", "total", "tool's work", "after: recording")
    print(f"{header[0]:<44}{header[1]:>8}{header[2]:>13}{header[3]:>18}")
    for step in steps:
        work_seconds = step.first_output - step.started
        recorded = (
            f"materializations: {step.materializations}"
            if step.in_data_path
            else f"check results: {step.check_evaluations}"
        )
        label = f"{step.name} ({', '.join(sorted(step.layers)) or 'checks'})"
        print(
            f"{label:<44}{step.seconds:>8.1f}{work_seconds:>13.1f}"
            f"{step.seconds - work_seconds:>9.1f}  {recorded}"
        )
    print(
        f"{'outside the run (the command less the run)':<44}{times.process - times.run:>8.1f}"
        f"{'':>13}{'':>9}  {planned} events planned before the run starts"
    )
    if run_results is not None:
        dbt_step = next(step for step in data_path if {"staging", "marts"} & step.layers)
        nodes = run_results["results"]
        first = min(timestamp(t["started_at"]) for n in nodes for t in n["timing"])
        last = max(timestamp(t["completed_at"]) for n in nodes for t in n["timing"])
        by_kind: Counter[str] = Counter()
        for node in nodes:
            by_kind[node["unique_id"].split(".")[0]] += node["execution_time"]
        print(
            f"  {dbt_step.name}: dbt start-up {first - dbt_step.started:.1f}, dbt's nodes "
            f"{last - first:.1f} (models {by_kind['model']:.1f}, tests {by_kind['test']:.1f}), "
            f"after dbt exits {dbt_step.started + dbt_step.seconds - last:.1f}"
        )
        slowest = sorted(nodes, key=lambda n: -n["execution_time"])[:5]
        print("  slowest dbt nodes: " + ", ".join(
            f"{n['unique_id'].split('.')[2]} ({n['unique_id'].split('.')[0]}) "
            f"{n['execution_time']:.1f}" for n in slowest
        ))  # fmt: skip
    print(
        f"  the landing-zone load by plain dlt, no Dagster: {dlt_alone:.1f} "
        f"({', '.join(f'{phase} {seconds:.1f}' for phase, seconds in phases.items())})"
    )
    print(
        "  DuckDB-direct: "
        + ", ".join(f"{phase} {seconds:.1f}" for phase, seconds in floor.phases.items())
    )


if __name__ == "__main__":
    main()
