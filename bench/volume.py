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


@dataclass(frozen=True)
class Measured:
    """Everything one bench run measured, for the report."""

    scale: int
    days: int
    orders: int
    generated_seconds: float
    csv_rows: dict[str, int]
    loaded_rows: dict[str, int]
    times: RunTimes
    steps: list[StepTimeline]
    planned_events: int
    tree_peak_bytes: int
    largest_process_peak: str  # the kernel's figure, and the process psutil saw largest
    run_results: dict | None
    floor: Floor
    dlt_alone_seconds: float
    dlt_phases: dict[str, float]

    @property
    def data_path(self) -> list[StepTimeline]:
        return [step for step in self.steps if step.in_data_path]


def measure(work: Path, scale: int, days: int) -> Measured:
    """Generate, run the platform over every day as one run, then the floor and dlt alone."""
    data_dir, dagster_home = work / "data", work / "home"
    last_day = FIRST_DAY + timedelta(days=days - 1)
    started = time.perf_counter()
    orders = generate(data_dir, FIRST_DAY, last_day, scale=scale)
    generated_seconds = time.perf_counter() - started

    fresh_instance(dagster_home)
    # Importing dlt and Dagster runs a small child process: a larger peak is the platform's.
    children_before = largest_child_peak()
    with TreeMemory() as memory:
        times = materialize(
            data_dir, dagster_home, ["--partition-range", f"{FIRST_DAY}...{last_day}"]
        )
    process_peak = largest_child_peak()
    largest = f"{process_peak / MB:,.0f} MB ({memory.largest_name})"
    run_id, steps = step_timelines(dagster_home, times)
    dlt_alone_seconds, phases = dlt_phases(data_dir, work)
    return Measured(
        scale,
        days,
        orders,
        generated_seconds,
        csv_rows(data_dir / "landing"),
        warehouse_rows(data_dir / "warehouse.duckdb"),
        times,
        steps,
        planned_events(dagster_home, run_id),
        memory.peak_bytes,
        f"<= {largest}" if process_peak == children_before else largest,
        dbt_run_results(run_id),
        duckdb_direct(data_dir, work),
        dlt_alone_seconds,
        phases,
    )


def print_volume(m: Measured) -> None:
    """What was generated, and that the raw tables hold exactly the CSV rows."""
    last_day = FIRST_DAY + timedelta(days=m.days - 1)
    print(
        f"{m.scale}x volume, {m.days} days ({FIRST_DAY}...{last_day}): {m.orders:,} orders, "
        f"{m.csv_rows['items']:,} items, {m.loaded_rows['customers']:,} customers; "
        f"{sum(m.csv_rows.values()):,} raw daily rows, generated in {m.generated_seconds:.1f} s"
    )
    for table, rows in m.csv_rows.items():
        same = "=" if m.loaded_rows[table] == rows else "!="
        print(f"  raw.{table}: {m.loaded_rows[table]:,} rows {same} {rows:,} CSV rows")


def print_goal(m: Measured) -> None:
    """The platform against DuckDB-direct: seconds, peak memory, and the goal's ratio."""
    data_seconds = sum(step.seconds for step in m.data_path)
    floor = m.floor
    ratio = data_seconds / floor.with_tests_seconds

    def row(label: str, seconds: float, tree: int | None = None, largest: str = "") -> None:
        memory = f"{tree / MB:>13,.0f} MB  {largest:>18}" if tree is not None else ""
        print(f"{label:<52}{seconds:>9.1f}  {memory}".rstrip())

    print(f"{'':<52}{'seconds':>9}  {'peak RSS: tree':>16}  {'largest process':>18}")
    row("platform: dg launch, the whole command", m.times.process, m.tree_peak_bytes,
        m.largest_process_peak)  # fmt: skip
    row("platform: the run (start to success)", m.times.run)
    row("platform: data path (the dlt and dbt steps)", data_seconds)
    row("DuckDB-direct: loads + compiled models + tests", floor.with_tests_seconds,
        floor.tree_peak_bytes, f"{floor.process_peak_bytes / MB:,.0f} MB (python)")  # fmt: skip
    row("DuckDB-direct: loads + compiled models", floor.models_seconds)
    print(
        f"{m.scale}x volume, {m.days} days: data path ÷ DuckDB-direct ≤ {GOAL:g}x: {ratio:.1f}x "
        f"({'met' if ratio <= GOAL else 'missed'}; models only: "
        f"{data_seconds / floor.models_seconds:.1f}x; peak memory, tree ÷ DuckDB-direct: "
        f"{m.tree_peak_bytes / floor.tree_peak_bytes:.1f}x)"
    )


def print_where_time_goes(m: Measured) -> None:
    """Each step: the tool's work, then recording its events; dbt's and dlt's own split."""
    print("where the data path's time goes (seconds)")
    print(
        f"{'step':<44}{'total':>8}{'tool work':>11}{'recording':>11}{'events':>8}{'ms/event':>10}"
    )
    for step in m.steps:
        work_seconds = step.first_output - step.started
        recording = step.seconds - work_seconds
        events = step.materializations + step.check_evaluations
        # A check step's time after its first result is more checking, not recording.
        per_event = f"{recording / events * 1000:>10.0f}" if step.in_data_path else ""
        label = f"{step.name} ({', '.join(sorted(step.layers)) or 'checks'})"
        print(
            f"{label:<44}{step.seconds:>8.1f}{work_seconds:>11.1f}{recording:>11.1f}"
            f"{events:>8}{per_event}"
        )
    outside = m.times.process - m.times.run
    print(f"{'outside the run: the command less the run':<44}{outside:>8.1f}{'':>22}"
          f"{m.planned_events:>8}  planned events, one per asset and day")  # fmt: skip
    if m.run_results is not None:
        dbt_step = next(step for step in m.data_path if {"staging", "marts"} & step.layers)
        nodes = m.run_results["results"]
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
    phases = ", ".join(f"{phase} {seconds:.1f}" for phase, seconds in m.dlt_phases.items())
    print(f"  the landing-zone load by plain dlt, no Dagster: {m.dlt_alone_seconds:.1f} ({phases})")
    floor = ", ".join(f"{phase} {seconds:.1f}" for phase, seconds in m.floor.phases.items())
    print(f"  DuckDB-direct: {floor}")


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=20, help="times the demo's daily volume")
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-volume-") as tmp:
        measured = measure(Path(tmp), args.scale, args.days)
    print_volume(measured)
    print()
    print_goal(measured)
    print()
    print_where_time_goes(measured)
    # Checked last, so that the figures are printed whatever the counts.
    loaded, generated = measured.loaded_rows, measured.csv_rows
    assert all(loaded[table] == rows for table, rows in generated.items()), "raw != CSV rows"
    data_seconds = sum(step.seconds for step in measured.data_path)
    goal = f"{args.scale}x volume, {args.days} days: data path / DuckDB-direct"
    return {goal: data_seconds / measured.floor.with_tests_seconds}


if __name__ == "__main__":
    main()
