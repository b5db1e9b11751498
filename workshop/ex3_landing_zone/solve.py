"""Exercise 3's solution: deliver the next day, turn the sensor on from the CLI (what the
toggle under Automation does), and let the daemon tick it: the run for the backlog and the new
day, then a tick that finds nothing new."""

from __future__ import annotations

import time

from dagster._core.scheduler.instigation import TickStatus

from workshop.ex3_landing_zone.check import sensor_state
from workshop.workbench import BIN, SENSOR, Workbench


def solve(bench: Workbench) -> None:
    bench.make("deliver")
    started = time.time()
    if not bench.sensor_running():
        bench.run(str(BIN / "dagster"), "sensor", "start", SENSOR, "-w", "workspace.yaml")
    with bench.daemon():
        bench.wait_for_sensor_runs(since=started - 1)
        ran = time.time()

        def quiet_tick() -> bool:
            state = sensor_state(bench.state())
            ticks = bench.state().instance.get_ticks(
                state.instigator_origin_id, state.selector_id, limit=5
            )
            return any(t.status == TickStatus.SKIPPED and t.timestamp > ran for t in ticks)

        print("waiting for the next tick, which finds nothing new...", flush=True)
        bench.wait_for("a tick after the run", quiet_tick, timeout=180)
