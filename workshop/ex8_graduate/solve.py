"""Exercise 8's solution: with `make production-services` running, the first day materialized
against the production setup (what Materialize all does in its UI, as `dg launch`), then the
answers, read from the production instance config and the code location's resources."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from workshop.ex8_graduate.check import production_config
from workshop.ex8_graduate.environment import read_env, with_env
from workshop.exercises import NotDone
from workshop.workbench import SolveError, Workbench

FIRST_DAY = date(2018, 9, 1)
FOLDER = Path(__file__).parent


def solve(bench: Workbench) -> None:
    state = bench.state()
    try:
        env = read_env(state.data_dir)
    except NotDone as hint:
        raise SolveError(str(hint)) from None
    bench.launch("*", FIRST_DAY, env=with_env(env))
    config = production_config(state)
    bench.write_answers(
        FOLDER,
        {
            "instance_storage": next(iter(config["storage"])),
            "warehouse_pool_limit": config["concurrency"]["pools"]["default_limit"],
            "landing_zone_url": env["LANDING_ZONE_URL"],
        },
    )
