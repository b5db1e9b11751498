"""Incremental strategy benchmark: the project's `replace_window` against dbt's `microbatch`.

    make dbt-manifest; .venv/bin/python bench/incremental_strategy.py [--backfills N] [--one-days N]

The daily facts `orders` and `order_items` use `replace_window` (macros/partition_window.sql):
one delete and one insert per model for the whole range. dbt-duckdb 1.11 ships `microbatch`:
one delete+insert per model per day, refs filtered by `event_time`. This times both (a copy of
the dbt project rewritten to microbatch, also with `--threads 2`) as `dbt build` processes over
one year of simulator data loaded by the platform: a 365-day backfill into a fresh warehouse and
a one-day re-run over the full one. Every run's marts must equal raw day by day, and a one-day
run must leave its neighbouring days untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FIRST_DAY = date(2018, 9, 1)
MODELS = ("orders", "order_items")
SELECT = ["--select", *(f"+{model}" for model in MODELS)]
MARKER = "bench: untouched"


@dataclass(frozen=True)
class Strategy:
    label: str
    microbatch: bool
    threads: int = 1  # the local profile's; dbt runs microbatch batches concurrently above 1


STRATEGIES = (
    Strategy("replace_window", microbatch=False),
    Strategy("microbatch", microbatch=True),
    Strategy("microbatch, --threads 2", microbatch=True, threads=2),
)


@dataclass
class Build:
    """One `dbt build`, as timed and as its log tells it."""

    seconds: float  # the whole dbt process
    model_seconds: float = 0.0  # the two models' own execution, as dbt reports it
    sql_calls: int = 0  # SQL calls dbt made for the two models
    batches: int = 0  # microbatch batches (0 for replace_window)
    concurrent: int = 0  # batches dbt ran concurrently
    reparsed: bool = False  # dbt could not parse partially (would add seconds to both)


def load_raw(work: Path, last: date) -> Path:
    """Generate the shop's data and load it with the platform; return the raw warehouse."""
    data_dir, home = work / "data", work / "home"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator.generate",
            "--start",
            str(FIRST_DAY),
            "--end",
            str(last),
            "--data-dir",
            str(data_dir),
        ],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    home.mkdir()
    shutil.copy(REPO_ROOT / "platform" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "PLATFORM_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(home)}
    subprocess.run(
        [
            BIN / "dg",
            "launch",
            "--target-path",
            REPO_ROOT / "platform",
            "--assets",
            "group:ingestion",
            "--partition-range",
            f"{FIRST_DAY}...{last}",
        ],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    raw = work / "raw.duckdb"
    shutil.copy(data_dir / "warehouse.duckdb", raw)
    return raw


def project_copy(strategy: Strategy, work: Path) -> Path:
    """The dbt project, as is or with the two facts switched to microbatch."""
    project = work / strategy.label.replace(" ", "").replace(",", "-")
    shutil.copytree(
        REPO_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs")
    )
    if strategy.microbatch:
        for model in MODELS:
            path = project / "models" / "marts" / f"{model}.sql"
            sql = path.read_text()
            rewritten = sql.replace(
                "incremental_strategy='replace_window',",
                f"incremental_strategy='microbatch',\n        begin='{FIRST_DAY}',\n"
                "        batch_size='day',",
            ).replace("\n    where {{ in_partition_window('landed_on') }}\n", "\n")
            # microbatch filters every ref to a model with event_time (the staging models and
            # order_items have it) by the batch; the window filter must be gone, the config set.
            if "replace_window" in rewritten or "in_partition_window" in rewritten:
                raise SystemExit(f"{path}: the model changed; update the microbatch rewrite")
            path.write_text(rewritten)
    return project


def dbt_build(
    project: Path, warehouse: Path, strategy: Strategy, start: date, end: date, log_dir: Path
) -> Build:
    """One `dbt build` of the two models and what they need over [start, end), timed."""
    env = {**os.environ, "WAREHOUSE_PATH": str(warehouse)}
    command = [
        BIN / "dbt", "build", *SELECT, "--threads", str(strategy.threads),
        "--event-time-start", str(start), "--event-time-end", str(end),
        "--log-path", str(log_dir), "--log-format-file", "json",
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
    build = Build(time.perf_counter() - started)
    model_ids = {f"model.jaffle_shop.{model}" for model in MODELS}
    lines = [line for log in log_dir.glob("dbt.log*") for line in log.read_text().splitlines()]
    for line in lines:  # dbt rotates its log file at 10 MB: dbt.log, dbt.log.1, ...
        event = json.loads(line)
        name, data = event["info"]["name"], event["data"]
        node = data.get("node_info", {}).get("unique_id")
        if name == "SQLQuery" and data.get("conn_name") in model_ids:
            build.sql_calls += 1
        elif name == "LogModelResult" and node in model_ids:
            build.model_seconds += data["execution_time"]
        elif name == "LogBatchResult":
            build.batches += 1
        elif name == "MicrobatchExecutionDebug" and "concurrently" in data["msg"]:
            build.concurrent += 1
        elif name == "UnableToPartialParse":
            build.reparsed = True
    shutil.rmtree(log_dir)
    return build


MISMATCHED_DAYS = """
with raw_days as (
    select _landing_date as day, count(*) as orders, sum(order_total) as revenue
    from raw.orders group by 1
), raw_items as (
    select _landing_date as day, count(*) as items from raw.items group by 1
), mart_days as (
    select landed_on as day, count(*) as orders, count(distinct order_id) as distinct_orders,
        sum(order_total_cents) as revenue, sum(count_order_items) as items_of_orders
    from marts.orders group by 1
), mart_items as (
    select landed_on as day, count(*) as items from marts.order_items group by 1
)
select count(*) from raw_days
full join raw_items using (day)
full join mart_days using (day)
full join mart_items using (day)
where raw_days.orders is distinct from mart_days.orders
    or mart_days.distinct_orders is distinct from mart_days.orders
    or raw_days.revenue is distinct from mart_days.revenue
    or raw_items.items is distinct from mart_items.items
    or raw_items.items is distinct from mart_days.items_of_orders
"""


def check(warehouse: Path) -> None:
    """Every day's orders, revenue and items in the marts equal the raw tables'."""
    with duckdb.connect(str(warehouse), read_only=True) as db:
        (bad_days,) = db.sql(MISMATCHED_DAYS).fetchone() or (None,)
    if bad_days != 0:
        raise SystemExit(f"{warehouse.name}: {bad_days} days differ from raw")


def mark_days_around(warehouse: Path, day: date) -> None:
    """Mark the day and its neighbours, to see afterwards which rows a one-day run replaced."""
    days = ", ".join(f"'{day + timedelta(days=d)}'" for d in (-1, 0, 1))
    with duckdb.connect(str(warehouse)) as db:
        db.execute(
            f"update marts.orders set location_name = '{MARKER}' where landed_on in ({days})"
        )
        db.execute(
            f"update marts.order_items set product_name = '{MARKER}' where landed_on in ({days})"
        )


def only_day_replaced(warehouse: Path, day: date) -> bool:
    """The day's rows are new, its neighbours' still carry the mark."""
    with duckdb.connect(str(warehouse), read_only=True) as db:
        marked = dict(
            db.sql(f"""
            select landed_on, count(*) filter (where location_name = '{MARKER}')
                / count(*) from marts.orders
            where landed_on between '{day - timedelta(days=1)}' and '{day + timedelta(days=1)}'
            group by 1
        """).fetchall()
        )
    return marked == {day - timedelta(days=1): 1, day: 0, day + timedelta(days=1): 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backfills", type=int, default=3, help="repetitions of the backfill")
    parser.add_argument("--one-days", type=int, default=5, help="repetitions of the one-day run")
    parser.add_argument("--days", type=int, default=365, help="length of the backfill")
    args = parser.parse_args()
    end = FIRST_DAY + timedelta(days=args.days)  # exclusive, as dbt's --event-time-end
    one_day = FIRST_DAY + timedelta(days=args.days // 2)

    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
        work = Path(tmp)
        raw = load_raw(work, end - timedelta(days=1))
        projects = {s: project_copy(s, work) for s in STRATEGIES}
        warehouses = {s: work / f"{projects[s].name}.duckdb" for s in STRATEGIES}
        for s in STRATEGIES:  # a first parse, so that every timed run parses partially
            env = {**os.environ, "WAREHOUSE_PATH": str(warehouses[s])}
            subprocess.run(
                [BIN / "dbt", "parse"], cwd=projects[s], env=env, check=True, capture_output=True
            )
        backfills: dict[Strategy, list[Build]] = {s: [] for s in STRATEGIES}
        one_days: dict[Strategy, list[Build]] = {s: [] for s in STRATEGIES}
        only_its_day = dict.fromkeys(STRATEGIES, True)
        logs = work / "logs"
        for _ in range(args.backfills):  # strategies take turns, so drift hits all alike
            for s in STRATEGIES:
                shutil.copy(raw, warehouses[s])
                backfills[s].append(dbt_build(projects[s], warehouses[s], s, FIRST_DAY, end, logs))
                check(warehouses[s])
        for _ in range(args.one_days):
            for s in STRATEGIES:
                mark_days_around(warehouses[s], one_day)
                after = one_day + timedelta(days=1)
                one_days[s].append(dbt_build(projects[s], warehouses[s], s, one_day, after, logs))
                only_its_day[s] &= only_day_replaced(warehouses[s], one_day)
                check(warehouses[s])

    print(
        f"backfill: {args.days} days from {FIRST_DAY} into a fresh warehouse, {args.backfills}x; "
        f"one day: {one_day} over the full warehouse, {args.one_days}x"
    )
    print(f"dbt build {' '.join(SELECT)}; {os.cpu_count()} cores; seconds: median (min-max)")
    header = ("strategy", "backfill s", "its models s", "one day s", "its models s")
    print("{:<24} {:>18} {:>13} {:>17} {:>13} {:>10} {:>8} {:>10}".format(
        *header, "SQL calls", "batches", "concurrent"))  # fmt: skip

    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} ({min(values):.1f}-{max(values):.1f})"

    def median(builds: list[Build], seconds: str = "seconds") -> float:
        return statistics.median(getattr(b, seconds) for b in builds)

    for s in STRATEGIES:
        year, day = backfills[s][-1], one_days[s][-1]
        print(
            f"{s.label:<24} {spread([b.seconds for b in backfills[s]]):>18} "
            f"{median(backfills[s], 'model_seconds'):>13.2f} "
            f"{spread([b.seconds for b in one_days[s]]):>17} "
            f"{median(one_days[s], 'model_seconds'):>13.2f} "
            f"{f'{year.sql_calls}/{day.sql_calls}':>10} {f'{year.batches}/{day.batches}':>8} "
            f"{f'{year.concurrent}/{day.concurrent}':>10}"
        )
    print("(its models: orders + order_items as dbt times them; SQL calls of those two models,")
    print(" batches and concurrent batches: backfill/one day)")
    base = STRATEGIES[0]

    def ratio(runs: dict[Strategy, list[Build]], s: Strategy, seconds: str) -> str:
        return f"{median(runs[s], seconds) / median(runs[base], seconds):.2f}x"

    for s in STRATEGIES[1:]:
        print(
            f"ratio {s.label} / {base.label}: backfill {ratio(backfills, s, 'seconds')} "
            f"(models {ratio(backfills, s, 'model_seconds')}), "
            f"one day {ratio(one_days, s, 'seconds')} "
            f"(models {ratio(one_days, s, 'model_seconds')})"
        )
    reparsed = [s.label for s in STRATEGIES if any(b.reparsed for b in backfills[s] + one_days[s])]
    print(f"runs that re-parsed the project: {', '.join(reparsed) or 'none'}")
    print("every run's marts equal raw, day by day (orders, revenue, items): yes")
    for s in STRATEGIES:
        print(f"one-day run replaced its day and left its neighbours ({s.label}): "
              f"{'yes' if only_its_day[s] else 'NO'}")  # fmt: skip


if __name__ == "__main__":
    main()
