"""The shop's operational database: customers and stores, read by change capture.

Every row of the shop's tables carries `updated_at`, set whenever it changes, and `deleted_at`,
set when the shop deletes it (the row stays: a soft delete). A load reads only the rows changed
since the newest `updated_at` it has loaded (dlt's incremental cursor, kept in the pipeline's
state in the warehouse, so it moves only when a load succeeds), and merges them into the raw
tables on the primary key: a changed row replaces its old self, a new one is added, and a row
with `deleted_at` set is deleted (dlt's `hard_delete` column hint). So the raw tables hold the
shop's current rows, and a load moves as many rows as changed, not the whole tables.

Why a soft delete: a cursor on `updated_at` can only see rows that are still there. A row the
shop deleted outright would leave no trace to read, and finding it would take comparing every
key on both sides (or reading the database's own log, as dlt's pg_replication source does on
PostgreSQL). A deletion that stamps `updated_at` and `deleted_at` reaches the raw tables the same
way an edit does.

The cursor's range is closed (`updated_at >= last value`): a row changed in the same instant as
the newest one loaded is still read, and dlt drops the rows it has already loaded in that instant.

Locally the database is a SQLite file, opened read-only (a missing file is an error, not a new
empty database); in production the same source reads any database SQLAlchemy can reach, by
changing only the connection URL, which dlt then takes from its secrets providers because it
carries a password. Tables are read with the pyarrow backend (column batches, not rows). New
columns land; a column whose type changes stops the load (contracts.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import dlt
import sqlalchemy as sa
from dlt.extract.items_transform import MapItem
from dlt.sources import DltResource
from dlt.sources.sql_database import sql_table

from ingestion import contracts

SHOP_TABLES = ("customers", "stores")
PRIMARY_KEY = "id"
CURSOR_COLUMN = "updated_at"
DELETED_COLUMN = "deleted_at"
CREDENTIALS_SECRET = "sources.shop_db.credentials"


@dataclass
class ChangeReport:
    """What a load read from each table: rows new or changed, and rows deleted."""

    changed: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)

    def counter(self, table: str):
        """A pass-through step for the table's resource that counts what goes by."""

        def count(batch: Any) -> Any:
            # A pyarrow table or record batch: the rows with no `deleted_at` are upserts.
            kept = batch.column(DELETED_COLUMN).null_count
            self.changed[table] += kept
            self.deleted[table] += batch.num_rows - kept
            return batch

        return count


class AfterCursor(MapItem):
    """A map step that runs after the incremental cursor's, so it sees only the rows the cursor
    let through. dlt keeps its incremental step behind every ordinary step (its placement
    affinity is 1, theirs 0); a step of higher affinity goes behind it, as dlt's own `add_limit`
    does (1.1). An ordinary map would also count the rows re-read at the cursor's value, which
    the cursor then drops as already loaded."""

    placement_affinity: ClassVar[float] = 1.05


@dlt.source(name="shop_db", schema_contract=contracts.SHOP_DB)
def shop_db(
    credentials: str = dlt.secrets.value, report: ChangeReport | None = None
) -> list[DltResource]:
    """The rows of the shop's tables changed since the last load, to merge into the raw tables.

    Without `credentials`, dlt resolves them from its secrets providers: the environment variable
    SOURCES__SHOP_DB__CREDENTIALS, or `credentials` under [sources.shop_db] in .dlt/secrets.toml.
    """
    resources = []
    for table in SHOP_TABLES:
        resource = sql_table(
            credentials=credentials,
            table=table,
            backend="pyarrow",
            # Reflect the table when the load runs, not when the code location loads: the
            # database may not exist yet, and loading definitions must not touch it.
            defer_table_reflect=True,
            incremental=dlt.sources.incremental(CURSOR_COLUMN),
            primary_key=PRIMARY_KEY,
            write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        )
        resource.apply_hints(
            columns={DELETED_COLUMN: {"name": DELETED_COLUMN, "hard_delete": True}}
        )
        if report is not None:
            resource.add_step(AfterCursor(report.counter(table)))
        resources.append(resource)
    return resources


def cursors(state: Mapping[str, Any]) -> dict[str, Any]:
    """Each table's cursor in a pipeline's state: the newest `updated_at` loaded, if any."""
    resources = state.get("sources", {}).get("shop_db", {}).get("resources", {})
    return {
        table: resources.get(table, {})
        .get("incremental", {})
        .get(CURSOR_COLUMN, {})
        .get("last_value")
        for table in SHOP_TABLES
    }


class ShopDatabaseUnavailable(RuntimeError):
    """The shop's database could not be read; the message says where, why and what to do."""


def describe_unavailable(url: str | None, error: BaseException) -> str:
    where = (
        sa.engine.make_url(url).render_as_string(hide_password=True)
        if url
        else "SOURCES__SHOP_DB__CREDENTIALS"
    )
    return (
        f"The shop database ({where}) could not be read: {type(error).__name__}: "
        f"{str(error).splitlines()[0]}. Check that the database is up and reachable from here, "
        "and that its URL (SOURCES__SHOP_DB__CREDENTIALS in production; locally the file "
        "data/shop/shop.db, which `make data` writes) points at it. Nothing was loaded and the "
        "change cursor did not move: the next load that reaches the database reads every change "
        "made since the last one that succeeded."
    )


def database_error(failure: BaseException) -> sa.exc.SQLAlchemyError | None:
    """The database error behind a failed load or observation, however it was wrapped."""
    seen: BaseException | None = failure
    while seen is not None:
        if isinstance(seen, sa.exc.SQLAlchemyError):
            return seen
        wrapped = getattr(seen, "exception", None)
        seen = wrapped if isinstance(wrapped, BaseException) else seen.__cause__ or seen.__context__
    return None


@contextmanager
def explained_unavailable(url: str | None) -> Iterator[None]:
    """Turn a failure to reach the shop database into one that says where and what to do."""
    try:
        yield
    except Exception as failure:
        error = database_error(failure)
        if error is None or isinstance(failure, ShopDatabaseUnavailable):
            raise
        raise ShopDatabaseUnavailable(describe_unavailable(url, error)) from failure


def resolve_url(url: str | None) -> str:
    """The database URL: `url`, or what dlt's secrets providers hold for the source."""
    return url or str(dlt.secrets[CREDENTIALS_SECRET])


def newest_changes(url: str | None) -> dict[str, str]:
    """Each table's newest `updated_at`: one indexed `max()` per table, cheap enough to ask
    every few minutes. The same value means no row changed, deletions included."""
    with explained_unavailable(url):
        engine = sa.create_engine(resolve_url(url))
        try:
            with engine.connect() as connection:
                return {
                    table: str(
                        connection.execute(
                            sa.select(sa.func.max(sa.column(CURSOR_COLUMN))).select_from(
                                sa.table(table)
                            )
                        ).scalar()
                    )
                    for table in SHOP_TABLES
                }
        finally:
            engine.dispose()
