"""A 1,000-model dbt project against the platform's 12: definitions load and one run's fixed cost.

    .venv/bin/python bench/large_dbt_project.py [--loads 5] [--runs 3] [--whole-graph]

Large dbt projects load slowly in Dagster when the project is parsed at load (dagster-io/dagster
#22709: 2,500 models, about 1.5 minutes). The platform loads the manifest prepared at setup
(graduated_platform/dbt_manifest.py) and never parses; this measures what still grows with the
project. Two copies of the code in a temporary folder, each run with its own `platform/` first on
the path: one as it is (12 models), one grown to 1,000 models by bench/dbt_models_generator.py.
For each, after preparing its manifest (`dbt parse`, timed once):

- definitions load: `python -c "import graduated_platform.definitions"` in a fresh interpreter,
  against a floor of a bare `import dagster, dagster_dbt, dagster_dlt`;
- one run's fixed cost: `dg launch` of one small model (`staging/stg_orders`) for one day, over
  raw tables the platform loaded beforehand; with `--whole-graph`, also every asset for that day
  (about 10 minutes for the large project on the reference machine).

Loads and runs alternate between the two projects, and each figure is the median of its repeats.
Every process gets a bytecode cache in the temporary folder: an environment with
PYTHONDONTWRITEBYTECODE set would otherwise compile every module of Dagster, dbt and dlt at each
start (about 15 s here), the same for both projects, and hide what differs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO_ROOT, RunTimes, materialize
from bench.dbt_models_generator import write_units
from simulator.generate import generate

CODE_FOLDERS = ("landing_zone", "ingestion", "sensors", "platform", "dbt_project")
GOAL_RATIO = 2.0
ONE_MODEL = "staging/stg_orders"
DBT_STEP = "jaffle_shop_models"

# Printed by the copy itself, once: what its loaded definitions hold.
COUNT_DEFINITIONS = """
import json
from graduated_platform.definitions import defs
graph = defs.resolve_asset_graph()
dbt = [key for key in graph.get_all_asset_keys() if "dbt" in graph.get(key).kinds]
daily = [key for key in dbt if graph.get(key).partitions_def is not None]
print(json.dumps({"dbt_assets": len(dbt), "daily": len(daily),
                  "checks": len(graph.asset_check_keys)}))
"""


@dataclass
class Timing:
    wall: float
    cpu: float  # user + system, of the process and the children it waited for


@dataclass
class Project:
    """One copy of the code, with its own data folder and Dagster instance."""

    label: str
    code: Path
    data: Path
    home: Path
    env: dict[str, str]
    counts: dict[str, int] = field(default_factory=dict)
    manifest_mb: float = 0.0
    parse: Timing | None = None
    loads: list[Timing] = field(default_factory=list)
    one_model: list[RunTimes] = field(default_factory=list)
    whole_graph: RunTimes | None = None


def run(command: list[str | Path], env: dict[str, str], cwd: Path) -> Timing:
    """Run a command to completion; its wall and CPU time. Fails with the command's stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed:\n{result.stderr[-4000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Timing(wall, cpu)


def copy_code(work: Path, label: str, bytecode_cache: Path) -> Project:
    """A copy of the platform's code, runnable with `dg` and with its own `platform/` first."""
    code = work / label / "code"
    for folder in CODE_FOLDERS:
        shutil.copytree(
            REPO_ROOT / folder,
            code / folder,
            ignore=shutil.ignore_patterns("target", "logs", ".venv", "__pycache__"),
        )
    # dg finds the workspace in pyproject.toml and the project's environment at platform/.venv,
    # which `make setup` links to ../.venv.
    shutil.copy(REPO_ROOT / "pyproject.toml", code / "pyproject.toml")
    (code / ".venv").symlink_to(REPO_ROOT / ".venv")
    (code / "platform" / ".venv").symlink_to("../.venv")
    data, home = work / label / "data", work / label / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "platform" / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        # The copy's code comes first: the installed project points at the repository's.
        "PYTHONPATH": os.pathsep.join([str(code / "platform"), str(code)]),
        "PLATFORM_DATA_DIR": str(data),
        "DAGSTER_HOME": str(home),
        "PYTHONPYCACHEPREFIX": str(bytecode_cache),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return Project(label, code, data, home, env)


def prepare_manifest(project: Project) -> None:
    command = [sys.executable, "-m", "graduated_platform.dbt_manifest"]
    project.parse = run(command, project.env, project.code)
    manifest = project.code / "dbt_project" / "target" / "manifest.json"
    project.manifest_mb = manifest.stat().st_size / 1e6
    counts = subprocess.run(
        [sys.executable, "-c", COUNT_DEFINITIONS],
        env=project.env,
        cwd=project.code,
        capture_output=True,
        text=True,
        check=True,
    )
    project.counts = json.loads(counts.stdout.strip().splitlines()[-1])


def load_definitions(project: Project) -> Timing:
    command = [sys.executable, "-c", "import graduated_platform.definitions"]
    return run(command, project.env, project.code)


def import_floor(project: Project) -> Timing:
    command = [sys.executable, "-c", "import dagster, dagster_dbt, dagster_dlt"]
    return run(command, project.env, project.code)


def load_raw(project: Project, day: date) -> None:
    """One day of the shop's data, loaded by the platform's own ingestion assets."""
    generate(project.data, day, day)
    materialize(
        project.data,
        project.home,
        ["--partition", day.isoformat()],
        assets="group:ingestion",
        code=project.code,
        env=project.env,
    )


def launch(project: Project, assets: str, day: date) -> RunTimes:
    return materialize(
        project.data,
        project.home,
        ["--partition", day.isoformat()],
        assets=assets,
        code=project.code,
        env=project.env,
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


def print_table(small: Project, large: Project, floor: list[Timing], args: argparse.Namespace):
    def row(label: str, a: float, b: float, unit: str = "s", goal: str = "") -> None:
        print(f"{label:<52}{a:>10.2f} {unit:<3}{b:>10.2f} {unit:<3}{b / a:>8.2f}x  {goal}")

    def counts(label: str, key: str) -> None:
        print(f"{label:<52}{small.counts[key]:>14}{large.counts[key]:>14}")

    small_models, large_models = small.counts["dbt_assets"], large.counts["dbt_assets"]
    print(
        f"large dbt project, one day ({args.day}): medians of {args.loads} loads "
        f"and {args.runs} one-model runs"
    )
    print(f"{'':<52}{f'{small_models} models':>14}{f'{large_models} models':>14}{'ratio':>9}")
    counts("dbt assets in the loaded definitions", "dbt_assets")
    counts("    of them partitioned by day", "daily")
    counts("asset checks (dbt tests and the platform's)", "checks")
    row("manifest.json", small.manifest_mb, large.manifest_mb, "MB")
    assert small.parse and large.parse
    row("dbt parse (prepare the manifest), once", small.parse.wall, large.parse.wall)

    small_load = median([t.wall for t in small.loads])
    large_load = median([t.wall for t in large.loads])
    verdict = "met" if large_load / small_load <= GOAL_RATIO else "NOT met"
    row(
        "definitions load, wall", small_load, large_load, goal=f"goal <= {GOAL_RATIO:g}x: {verdict}"
    )
    row(
        "definitions load, CPU",
        median([t.cpu for t in small.loads]),
        median([t.cpu for t in large.loads]),
    )
    floor_wall = median([t.wall for t in floor])
    print(f"{'    floor: import dagster, dagster_dbt, dagster_dlt':<52}{floor_wall:>10.2f} s")
    row("    definitions load above the floor", small_load - floor_wall, large_load - floor_wall)

    for title, pick in (
        (f"one-model run ({ONE_MODEL}): dg launch command", lambda t: t.process),
        ("    the run, start to success", lambda t: t.run),
        (f"    step {DBT_STEP}", lambda t: t.steps.get(DBT_STEP, 0.0)),
    ):
        row(
            title,
            median([pick(t) for t in small.one_model]),
            median([pick(t) for t in large.one_model]),
        )
    if small.whole_graph and large.whole_graph:
        row(
            "whole graph, one run: dg launch command",
            small.whole_graph.process,
            large.whole_graph.process,
        )
        row("    the run, start to success", small.whole_graph.run, large.whole_graph.run)
        row(
            f"    step {DBT_STEP}",
            small.whole_graph.steps.get(DBT_STEP, 0.0),
            large.whole_graph.steps.get(DBT_STEP, 0.0),
        )
    print(
        f"goal: {large_models:,} models' definitions load / {small_models} models' "
        f"<= {GOAL_RATIO:g}x: {large_load / small_load:.2f}x, {verdict}"
    )


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=52, help="19 models each; 52 make 1,000")
    parser.add_argument("--loads", type=int, default=5, help="definitions loads per project")
    parser.add_argument("--runs", type=int, default=3, help="one-model runs per project")
    parser.add_argument("--whole-graph", action="store_true", help="also run every asset once")
    parser.add_argument("--day", type=date.fromisoformat, default=date(2018, 9, 1))
    args = parser.parse_args(argv or [])

    with tempfile.TemporaryDirectory(prefix="bench-large-dbt-") as tmp:
        work = Path(tmp)
        small = copy_code(work, "small", work / "bytecode")
        large = copy_code(work, "large", work / "bytecode")
        write_units(large.code / "dbt_project", args.units)
        # The first processes write the bytecode cache, which would add its time to theirs.
        prepare_manifest(small)
        load_definitions(small)
        for project in (small, large):
            # From scratch, as at setup: no partial-parse cache in target/.
            shutil.rmtree(project.code / "dbt_project" / "target", ignore_errors=True)
            prepare_manifest(project)

        floor = []
        for _ in range(args.loads):
            floor.append(import_floor(small))
            for project in (small, large):
                project.loads.append(load_definitions(project))

        load_raw(small, args.day)
        # Loading the definitions already made the data folder (dlt's pipelines folder).
        shutil.copytree(small.data, large.data, dirs_exist_ok=True)
        for _ in range(args.runs):
            for project in (small, large):
                project.one_model.append(launch(project, ONE_MODEL, args.day))
        if args.whole_graph:
            for project in (small, large):
                project.whole_graph = launch(project, "*", args.day)

    print_table(small, large, floor, args)
    load_ratio = median([t.wall for t in large.loads]) / median([t.wall for t in small.loads])
    return {"1,000 models: definitions load / 12 models'": load_ratio}


if __name__ == "__main__":
    main(sys.argv[1:])
