"""Exercise 6's solution: the check `order_ids_delivered_once` (copied from solution/) listed in
defs/checks.py; the newest day sent again, spoiled with repeated order ids, run and stopped by
the check; then the good day sent again and run through."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path

from workshop.workbench import SolveError, Workbench

FOLDER = Path(__file__).parent
DEFS_CHECKS = "platform/graduated_platform/defs/checks.py"
IMPORT = "from graduated_platform.checks.order_ids import order_ids_delivered_once\n"


def solve(bench: Workbench) -> None:
    bench.copy_solution(FOLDER)
    bench.edit(DEFS_CHECKS, "import quarantined_rows\n", IMPORT)
    bench.edit(DEFS_CHECKS, "[volume_anomaly, quarantined_rows", ", order_ids_delivered_once")
    bench.reload_ui()
    newest = bench.state().landing_days()[-1]
    delivered_at = time.time()
    said = bench.make("bad-day", DAY=newest.isoformat(), DEFECTS="duplicate-ids")
    found = re.search(r"delivered a bad day, (\d{4}-\d{2}-\d{2})", said)
    if found is None:
        raise SolveError(f"`make bad-day` did not say which day it delivered:\n{said}")
    day = date.fromisoformat(found.group(1))
    # The daily chain is what a delivery changes (the sensor's runs select the same).
    bench.run_delivered_days("tag:daily", day, day, delivered_at, expect_failure=True)
    delivered_at = time.time()
    bench.make("deliver", DAY=day.isoformat())
    bench.run_delivered_days("tag:daily", day, day, delivered_at)
