"""What a checker can see of the attendee's platform: definitions, warehouse, runs, checks, files.

Everything is read the way the platform itself is set up by the Makefile: the data folder from
PLATFORM_DATA_DIR (graduated_platform.settings), the Dagster instance from DAGSTER_HOME. Each
accessor that can fail on an unfinished platform (no instance yet, a code location that does
not load, a warehouse busy with a run) raises `NotDone` with what to do, never a traceback.
The code location is loaded only by the checkers that need it: it takes seconds.
"""

from __future__ import annotations

import csv
import json
import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workshop.exercises import NotDone

if TYPE_CHECKING:
    from dagster import AssetKey, DagsterInstance, DagsterRun, Definitions
    from dagster._core.definitions.assets.graph.asset_graph import AssetGraph

REPO_ROOT = Path(__file__).resolve().parents[1]

# What the platform holds before the workshop starts: the exercises that add a table, a model or
# a check find the attendee's by what is not in these lists.
STARTING_DAILY_TABLES = ("orders", "items")
STARTING_MODELS = (
    "stg_customers", "stg_locations", "stg_order_items", "stg_orders", "stg_products",
    "stg_supplies", "customers", "locations", "order_items", "orders", "products", "supplies",
    "customer_segments",
)  # fmt: skip
STARTING_PYTHON_CHECKS = ("volume_anomaly", "quarantined_rows", "column_schema_change")


def one_line(error: BaseException) -> str:
    """An error as the last line a traceback would end with, without the traceback."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[-1] if text else ''}".rstrip(": ")


def require(condition: object, hint: str) -> None:
    if not condition:
        raise NotDone(hint)


class PlatformState:
    """The attendee's platform, read lazily; one instance per `python -m workshop` process."""

    def __init__(self, repo_root: Path = REPO_ROOT) -> None:
        self.repo_root = repo_root

    # --- files -----------------------------------------------------------------------------

    @cached_property
    def data_dir(self) -> Path:
        from graduated_platform import settings

        return settings.DATA_DIR

    @property
    def landing(self) -> Path:
        return self.data_dir / "landing"

    def landing_days(self, table: str = "orders") -> list[date]:
        """The days with a file of `table` in the local landing zone."""
        days = []
        for path in sorted((self.landing / table).glob("*.csv")):
            try:
                days.append(date.fromisoformat(path.stem))
            except ValueError:
                continue  # not a day's file
        return days

    def csv_rows(self, table: str, day: date) -> list[dict[str, str]]:
        """The rows of a landing file, read straight from the file (the checkers' ground truth)."""
        path = self.landing / table / f"{day.isoformat()}.csv"
        require(path.exists(), f"{path} does not exist: deliver that day first (`make deliver`)")
        with path.open(newline="") as stream:
            return list(csv.DictReader(stream))

    def answers(self, folder: Path) -> dict[str, Any]:
        """The attendee's answers, `answers.toml` in the exercise's folder."""
        path = folder / "answers.toml"
        require(path.exists(), f"{path} is missing: restore it with `git checkout {path}`")
        try:
            return tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as error:
            hint = f"{path} is not valid TOML ({error}): each line is `name = value`"
            raise NotDone(hint) from None

    def alerts(self) -> list[dict[str, Any]]:
        """The alerts written so far, oldest first: the JSON lines `make alerts` follows."""
        from graduated_platform import settings

        if not settings.ALERTS_FILE.exists():
            return []
        alerts = []
        for line in settings.ALERTS_FILE.read_text(encoding="utf-8").splitlines():
            try:
                alerts.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut short by a write in progress
        return alerts

    # --- the marketing service -----------------------------------------------------------------

    def marketing_contacts(self) -> dict[str, dict[str, Any]]:
        """What the marketing service holds, read through its API (as its users see it): the
        properties of each contact, by key."""
        from activation.marketing_client import MarketingClient, ServiceError
        from graduated_platform import settings

        token = os.environ.get(settings.MARKETING_TOKEN_VARIABLE) or settings.LOCAL_MARKETING_TOKEN
        try:
            with MarketingClient(settings.MARKETING_API_URL, token, timeout_seconds=30) as client:
                return {contact["key"]: contact["properties"] for contact in client.contacts()}
        except ServiceError as error:
            raise NotDone(
                f"the marketing service at {settings.MARKETING_API_URL} does not answer "
                f"({one_line(error)}): `make up` runs it beside the UI (or `make marketing`)."
            ) from None

    # --- the code location -------------------------------------------------------------------

    @cached_property
    def defs(self) -> Definitions:
        try:
            from graduated_platform.definitions import defs
        except Exception as error:
            raise NotDone(
                f"the code location does not load: {one_line(error)}. Run `dg check defs` for "
                "the whole message, fix what it names, then press Reload definitions in the UI."
            ) from None
        return defs

    @cached_property
    def graph(self) -> AssetGraph:
        return self.defs.resolve_asset_graph()

    def asset_key(self, user_string: str) -> AssetKey:
        from dagster import AssetKey

        return AssetKey.from_user_string(user_string)

    def has_asset(self, user_string: str) -> bool:
        return self.asset_key(user_string) in self.graph.get_all_asset_keys()

    def checks_on(self, user_string: str) -> dict[str, bool]:
        """The asset checks on an asset: name -> blocking."""
        key = self.asset_key(user_string)
        return {
            check.name: self.graph.get_check_spec(check).blocking
            for check in self.graph.asset_check_keys
            if check.asset_key == key
        }

    @cached_property
    def manifest(self) -> dict[str, Any]:
        path = self.repo_root / "dbt_project" / "target" / "manifest.json"
        require(path.exists(), "dbt's manifest is missing: run `make dbt-manifest`")
        return json.loads(path.read_text())

    # --- the Dagster instance ----------------------------------------------------------------

    @cached_property
    def instance(self) -> DagsterInstance:
        from dagster import DagsterInstance

        home = Path(os.environ.get("DAGSTER_HOME") or self.repo_root / ".dagster_home")
        require(
            (home / "dagster.yaml").exists(),
            f"there is no Dagster instance in {home} yet: run `make up` (it creates it) and "
            "materialize something",
        )
        try:
            return DagsterInstance.from_config(str(home))
        except Exception as error:
            hint = f"the Dagster instance in {home} does not open: {one_line(error)}"
            raise NotDone(hint) from None

    def latest_materialization_run(self, user_string: str) -> str | None:
        event = self.instance.get_latest_materialization_event(self.asset_key(user_string))
        return None if event is None else event.run_id

    def materialized_partitions(self, user_string: str) -> set[str]:
        return set(self.instance.get_materialized_partitions(self.asset_key(user_string)))

    def runs(self, *, succeeded: bool | None = None, tags: dict[str, str] | None = None,
             limit: int = 200) -> list[DagsterRun]:  # fmt: skip
        """The newest runs first."""
        from dagster import DagsterRunStatus, RunsFilter

        statuses = []
        if succeeded is True:
            statuses = [DagsterRunStatus.SUCCESS]
        elif succeeded is False:
            statuses = [DagsterRunStatus.FAILURE]
        runs_filter = RunsFilter(statuses=statuses, tags=tags or {})
        return list(self.instance.get_runs(filters=runs_filter, limit=limit))

    def materialized_in_run(self, run_id: str) -> set[str]:
        """The assets a run materialized, as `raw/orders` strings."""
        from dagster import DagsterEventType

        events = self.instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
        return {
            event.dagster_event.asset_key.to_user_string()
            for event in events
            if event.dagster_event is not None and event.dagster_event.asset_key is not None
        }

    def check_executions(self, user_string: str, check_name: str, limit: int = 20) -> list[Any]:
        """The check's executions, newest first (records with .status, .run_id, .event)."""
        from dagster import AssetCheckKey

        key = AssetCheckKey(self.asset_key(user_string), check_name)
        return list(
            self.instance.event_log_storage.get_asset_check_execution_history(key, limit=limit)
        )

    # --- the warehouse -----------------------------------------------------------------------

    @contextmanager
    def warehouse(self) -> Iterator[Any]:
        import duckdb

        path = self.data_dir / "warehouse.duckdb"
        require(path.exists(), f"there is no warehouse at {path} yet: materialize something")
        try:
            connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            raise NotDone(
                f"the warehouse cannot be read now ({one_line(error)}): a run is probably writing "
                "it. Check again when the run has finished."
            ) from None
        with connection:
            yield connection

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        import duckdb

        with self.warehouse() as connection:
            try:
                return connection.sql(sql).fetchall()
            except duckdb.CatalogException as error:
                raise NotDone(
                    f"the warehouse lacks a table: {one_line(error)}. Materialize it first."
                ) from None

    def has_table(self, schema: str, table: str) -> bool:
        rows = self.query(
            "select count(*) from information_schema.tables "
            f"where table_schema = '{schema}' and table_name = '{table}'"
        )
        return rows[0][0] > 0

    def columns(self, schema: str, table: str) -> list[str]:
        rows = self.query(
            "select column_name from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position"
        )
        return [name for (name,) in rows]
