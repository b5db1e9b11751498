"""Time loading the code location against importing the three libraries it is built on.

    make bench        # or: .venv/bin/python bench/definitions_load.py

Every process that runs the platform loads its definitions first: `dg dev`'s code server, each
`dg launch`, each run worker. The floor is a bare `import dagster, dagster_dbt, dagster_dlt` in
the same interpreter, which no Dagster platform built on dbt and dlt can avoid; the difference is
what this project adds (its dlt sources, the dbt manifest's assets, checks, sensors, resources).
Each figure is the median of fresh interpreters, so nothing is warm but the disk cache.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO_ROOT

BARE_IMPORT = "import dagster, dagster_dbt, dagster_dlt"
DEFINITIONS = "import graduated_platform.definitions"
REPEATS = 5


def median_seconds(code: str, env: dict[str, str] | None = None, cwd: Path = REPO_ROOT) -> float:
    """Median wall time of `python -c code` in fresh interpreters."""
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure() -> tuple[float, float]:
    """(bare import s, definitions load s), each in a fresh interpreter."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return median_seconds(BARE_IMPORT, env), median_seconds(DEFINITIONS, env)


def main() -> dict[str, float]:
    bare, definitions = measure()
    print(f"{'bare ' + BARE_IMPORT:<58}{bare:>8.2f} s")
    print(f"{'the code location: ' + DEFINITIONS:<58}{definitions:>8.2f} s")
    print(f"ratio, definitions load / bare import: {definitions / bare:.2f}x   (goal: <= 1.3x)")
    return {"definitions load / bare import": definitions / bare}


if __name__ == "__main__":
    main()
