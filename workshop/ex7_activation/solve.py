"""Exercise 7's solution: a new day delivered and run (so the segments have changes to send), an
outage of the marketing service longer than the activation's retries, the customers' marts and
the sync materialized and failing at the sync, its alert read, the run re-executed from
failure, and the answers written."""

from __future__ import annotations

import time
from pathlib import Path

from graduated_platform.retry_policies import ACTIVATION
from workshop.ex7_activation.check import failed_syncs
from workshop.workbench import SolveError, Workbench

FOLDER = Path(__file__).parent
# The customers mart and everything it feeds: the segments and their sync.
CUSTOMERS_ONWARDS = 'key:"marts/customers"+'
ALERT_SENSOR = "alert_on_run_failure"
# The sync's first try and each of its retries: one request each, all answered 503.
OUTAGE_REQUESTS = ACTIVATION.max_retries + 1


def solve(bench: Workbench) -> None:
    with bench.daemon():
        # The alert sensor starts from its first tick: a run that failed before it is old news.
        bench.wait_for(f"{ALERT_SENSOR}'s first tick", lambda: bench.last_sensor_tick(ALERT_SENSOR))
        delivered_at = time.time()
        bench.make("deliver")
        bench.python("-m", "workshop.ex4_daily_table.deliver_refunds")
        day = bench.state().landing_days()[-1]
        bench.run_delivered_days("tag:daily", day, day, delivered_at)
        # A sensor tick between the two deliveries runs the day without its refunds, and
        # raw/refunds' volume check stops it; the next tick runs the day again, refunds and all.
        bench.wait_for(
            f"{day} in marts/orders (the sensor's runs)",
            lambda: day.isoformat() in bench.state().materialized_partitions("marts/orders"),
        )

        bench.make("marketing-outage", REQUESTS=str(OUTAGE_REQUESTS))
        # In the UI, as the page says: only a run the UI started can be re-executed from it.
        with bench.webserver() as ui:
            run_id, status = bench.materialize_in_ui(ui, CUSTOMERS_ONWARDS)
            sync = next((s for s in failed_syncs(bench.state()) if s.run_id == run_id), None)
            if sync is None:
                raise SolveError(f"run {run_id[:8]} ended {status}, not failed at the activation")
            print("waiting for the alert (the daemon's sensor, every 10 s)...", flush=True)
            alert = bench.wait_for(
                f"an alert for run {run_id[:8]} in alerts.log",
                lambda: next((a for a in bench.state().alerts() if a["run_id"] == run_id), None),
                timeout=300,
            )
            print(f"the alert: {alert['error']}")
            mended, status = bench.reexecute_from_failure(ui, run_id)
            if status != "SUCCESS":
                raise SolveError(f"the re-execution, run {mended[:8]}, ended {status}")
    bench.write_answers(FOLDER, {"alert_run": run_id[:8], "attempts": sync.attempts})
