"""What the benchmarks share: a throwaway platform on disk, and timing a real run of it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterInstance

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class RunTimes:
    process: float  # the whole `dg launch` command
    run: float  # the run itself, start to success, as Dagster recorded it
    steps: dict[str, float]


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
    return RunTimes(process, (record.end_time or 0) - (record.start_time or 0), steps)
