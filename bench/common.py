"""What the benchmarks share: a throwaway platform on disk, timing a real run of it, and timing
the embedded baseline (bench/embedded.py) over the same input files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from dagster import DagsterInstance

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# The line bench/embedded.py prints its step timings under. Not imported from it: that would
# import dbt and dlt into every bench process for one string.
EMBEDDED_TIMINGS = "embedded timings"


@dataclass
class RunTimes:
    process: float  # the whole `dg launch` command
    run: float  # the run itself, start to success, as Dagster recorded it
    steps: dict[str, float]
    events: int  # what Dagster wrote to its event log for the run, planned events included


def fresh_instance(dagster_home: Path) -> None:
    """An empty DAGSTER_HOME with the platform's instance config."""
    shutil.rmtree(dagster_home, ignore_errors=True)
    dagster_home.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "platform" / "dagster.yaml", dagster_home / "dagster.yaml")


def materialize(
    data_dir: Path,
    dagster_home: Path,
    partitions: list[str],
    *,
    assets: str = "*",
    code: Path = REPO_ROOT,
    env: Mapping[str, str] | None = None,
) -> RunTimes:
    """Time `dg launch --assets ASSETS` over the given partition arguments.

    `code` is the repository to run (a copy of it, for benches that change the code), `env`
    the environment to run it in (this process's by default).
    """
    env = {
        **(os.environ if env is None else env),
        "PLATFORM_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(dagster_home),
    }
    command = [BIN / "dg", "launch", "--target-path", code / "platform", "--assets", assets]
    started = time.perf_counter()
    subprocess.run(
        [*command, *partitions],
        cwd=code,
        env=env,
        check=True,
        capture_output=True,
    )
    process = time.perf_counter() - started
    instance = DagsterInstance.from_config(str(dagster_home))
    record = instance.get_run_records(limit=1)[0]
    steps = {
        stat.step_key: (stat.end_time or 0) - (stat.start_time or 0)
        for stat in instance.get_run_step_stats(record.dagster_run.run_id)
    }
    events = len(instance.all_logs(record.dagster_run.run_id))
    return RunTimes(process, (record.end_time or 0) - (record.start_time or 0), steps, events)


@dataclass
class EmbeddedTimes:
    process: float  # the whole script, in a fresh interpreter: imports included
    steps: dict[str, float]  # as the script printed them


def embedded_data_dir(inputs: Path, data_dir: Path) -> None:
    """Ready `data_dir` for a run of the embedded script into a fresh warehouse: `inputs`'
    landing files, shop database and product catalogue (hard links: the very same files), and
    no warehouse or dlt state. dbt's artifacts stay, as the platform keeps dbt's partial-parse
    file from one run to the next (graduated_platform/dbt_resource.py)."""
    for folder in ("landing", "shop"):
        if not (data_dir / folder).exists():
            shutil.copytree(inputs / folder, data_dir / folder, copy_function=os.link)
    (data_dir / "warehouse.duckdb").unlink(missing_ok=True)
    shutil.rmtree(data_dir / "dlt", ignore_errors=True)


def run_embedded(inputs: Path, data_dir: Path, start: date, end: date) -> EmbeddedTimes:
    """Time bench/embedded.py over days start..end (both included) as a command, like
    `materialize` times the platform's, into a fresh warehouse in a data folder of its own."""
    embedded_data_dir(inputs, data_dir)
    command = [
        sys.executable,
        str(REPO_ROOT / "bench" / "embedded.py"),
        "--data-dir",
        str(data_dir),
    ]
    started = time.perf_counter()
    result = subprocess.run(
        [*command, "--start", start.isoformat(), "--end", end.isoformat()],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    process = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"bench/embedded.py failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    timings = result.stdout.rsplit(EMBEDDED_TIMINGS, 1)[1].splitlines()[1:]
    steps = {
        step.strip(): float(seconds)
        for step, seconds in (line.rsplit(maxsplit=2)[:2] for line in timings)
        if step.strip() != "total"
    }
    return EmbeddedTimes(process, steps)


def row_counts(warehouse: Path) -> dict[str, int]:
    """Rows in every table and view of the raw, staging and marts schemas."""
    with duckdb.connect(str(warehouse), read_only=True) as db:
        relations = db.sql(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'staging', 'marts') order by all"
        ).fetchall()
        return {
            f"{schema}.{name}": db.sql(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
            for schema, name in relations
        }


class BaselineMismatch(AssertionError):
    """The embedded baseline and the platform did not build the same warehouse."""


def same_row_counts(platform: Path, embedded: Path) -> int:
    """Fail unless both warehouses hold the same tables with the same rows; a baseline that did
    other work than the platform's would misstate what the orchestrator costs. Returns how many
    tables were compared."""
    ours, theirs = row_counts(platform), row_counts(embedded)
    differences = [
        f"{table}: platform {ours.get(table, 'missing')}, embedded {theirs.get(table, 'missing')}"
        for table in sorted(ours.keys() | theirs.keys())
        if ours.get(table) != theirs.get(table)
    ]
    if differences or not ours:
        raise BaselineMismatch(
            f"the platform's warehouse {platform} and the embedded baseline's {embedded} differ:\n"
            + "\n".join(differences or ["no tables at all"])
        )
    return len(ours)
