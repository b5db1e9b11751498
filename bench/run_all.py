"""Every benchmark, one after the other, then the goals they measure in one table.

    make bench        # or: .venv/bin/python bench/run_all.py

Each benchmark also runs alone (`python bench/<name>.py`) and prints its own figures; its
`main()` returns the ratios it measures against a goal, collected here. Nothing else should run
on the machine meanwhile: every ratio divides two times taken in the same run.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import (
    activation,
    automation,
    backfill,
    definitions_load,
    incremental_strategy,
    large_dbt_project,
    one_day,
    sensor,
    volume,
)

# (measure, goal) in the order of README.md, "Performance".
GOALS = [
    ("1 day: platform command / embedded script", 1.5),
    ("1 day: platform run / embedded script", 1.2),
    ("365 days: platform command / embedded script", 1.5),
    ("definitions load / bare import", 1.3),
    ("1,000 models: definitions load / 12 models'", 2.0),
    ("20x volume, 365 days: data path / DuckDB-direct", 2.0),
]

BENCHMARKS: list[tuple[str, Callable[[], dict[str, float] | None]]] = [
    ("definitions_load", definitions_load.main),
    ("one_day", one_day.main),
    ("backfill", backfill.main),
    ("large_dbt_project", large_dbt_project.main),
    ("volume", volume.main),
    ("sensor", sensor.main),
    ("incremental_strategy", incremental_strategy.main),
    ("automation", automation.main),
    ("activation", activation.main),
]


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {memory:.0f} GB, {platform.platform()}"


def main() -> None:
    ratios: dict[str, float] = {}
    for name, run in BENCHMARKS:
        print(f"\n=== bench/{name}.py ===", flush=True)
        ratios.update(run() or {})
    print(f"\n=== goals (machine: {machine()}) ===")
    print(f"| {'measure':<50} | {'measured':>8} | {'goal':>6} | met |")
    print(f"|{'-' * 52}|{'-' * 10}|{'-' * 8}|-----|")
    for measure, goal in GOALS:
        value = ratios.get(measure)
        shown = f"{value:.2f}x" if value is not None else "missing"
        met = "yes" if value is not None and value <= goal else "no"
        print(f"| {measure:<50} | {shown:>8} | {goal:>5.1f}x | {met:<3} |")


if __name__ == "__main__":
    main()
