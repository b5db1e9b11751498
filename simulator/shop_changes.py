"""A day of changes in the shop's operational database: renames, sign-ups, deletions.

    python -m simulator.shop_changes                   # the next day's changes
    python -m simulator.shop_changes --day 2018-11-01  # that day's (later than any before)

The shop's staff and customers edit the database every day: a few customers change their name,
new customers sign up, one customer closes their account, and now and then a store is renamed.
Each change stamps the row's `updated_at` with the time of day it was made; a deletion also sets
`deleted_at` and keeps the row (a soft delete), so a reader that asks for the rows changed since
its last read sees deletions too. The platform's change capture reads exactly that
(ingestion/shop_db.py).

A day's changes are drawn from the seed and the day alone, from the database as the days before
left it, so the same days applied in the same order give the same database. Days apply in order:
a day no later than the newest change already in the database is refused. Each change is
returned, in the order it was made, so a test can work out what the platform should hold without
reading the platform.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

from landing_zone.storage import LandingZoneUnavailable
from simulator.deliver import REPOSITORY, newest_day, watched_landing_zone
from simulator.generate import db_time, draw_uuid
from simulator.shop import RECORDS_AS_OF, draw_name

RENAMES_PER_DAY = 3
SIGNUPS_PER_DAY = 2
DELETIONS_PER_DAY = 1
# A store is renamed on about one day in four: stores change far less often than customers.
STORE_RENAME_CHANCE = 0.25
STORE_AREAS = ("Downtown", "Midtown", "Old Town", "Riverside", "Station", "Harbour")
# Changes are made in opening hours, each at its own second.
FIRST_CHANGE, LAST_CHANGE = 8 * 3600, 20 * 3600

Kind = Literal["rename", "signup", "delete"]


@dataclass(frozen=True)
class ShopChange:
    """One row changed: which, how, what its name became, and when (its new `updated_at`)."""

    table: Literal["customers", "stores"]
    id: str
    kind: Kind
    name: str
    at: datetime


class ShopChangesError(ValueError):
    """The changes cannot be applied; the message says why and what to do."""


def shop_database(data_dir: Path | None = None) -> Path:
    """The shop's database under PLATFORM_DATA_DIR (the repository's `data/` by default)."""
    data_dir = data_dir or Path(os.environ.get("PLATFORM_DATA_DIR") or REPOSITORY / "data")
    return data_dir / "shop" / "shop.db"


def newest_change(db: sqlite3.Connection) -> date | None:
    """The day of the newest change made after the database was written, if any."""
    stamps = [
        db.execute(f"select max(updated_at) from {t}").fetchone()[0]
        for t in ("customers", "stores")
    ]
    newest = max(filter(None, stamps), default=None)
    if newest is None or newest < db_time(RECORDS_AS_OF):
        return None
    return datetime.fromisoformat(newest).date()


def default_day(db: sqlite3.Connection, landing_newest: date | None) -> date:
    """The shop's "today": the newest day delivered to the landing zone, or the day after the
    newest change, whichever is later."""
    after_changes = (newest_change(db) or RECORDS_AS_OF.date() - timedelta(days=1)) + timedelta(1)
    return max(filter(None, (landing_newest, after_changes)))


def draw_changes(db: sqlite3.Connection, day: date, seed: int = 0) -> list[ShopChange]:
    """The day's changes, drawn from the seed, the day and the database as it is."""
    rng = random.Random(f"shop-changes:{seed}:{day.isoformat()}")
    live = list(db.execute("select id, name from customers where deleted_at is null order by id"))
    stores = list(db.execute("select id, name from stores where deleted_at is null order by id"))
    # Each customer changes at most once a day, so a day's changes never overwrite each other.
    touched = rng.sample(live, RENAMES_PER_DAY + DELETIONS_PER_DAY)
    store_renamed = rng.random() < STORE_RENAME_CHANCE
    count = len(touched) + SIGNUPS_PER_DAY + store_renamed
    midnight = datetime.combine(day, datetime.min.time())
    seconds = sorted(rng.sample(range(FIRST_CHANGE, LAST_CHANGE), count))
    times = [midnight + timedelta(seconds=second) for second in seconds]
    planned: list[tuple[Literal["customers", "stores"], str, Kind, str]] = []
    for customer_id, name in touched[:RENAMES_PER_DAY]:
        planned.append(("customers", customer_id, "rename", new_name(rng, name)))
    for customer_id, name in touched[RENAMES_PER_DAY:]:
        planned.append(("customers", customer_id, "delete", name))
    for _ in range(SIGNUPS_PER_DAY):
        planned.append(("customers", draw_uuid(rng), "signup", draw_name(rng)))
    if store_renamed:
        store_id, store_name = rng.choice(stores)
        city = store_name.split(" - ")[0]
        planned.append(("stores", store_id, "rename", f"{city} - {rng.choice(STORE_AREAS)}"))
    # The order of the day: shuffled, then given the day's times in turn.
    rng.shuffle(planned)
    return [ShopChange(*change, at=at) for change, at in zip(planned, times, strict=True)]


def new_name(rng: random.Random, old: str) -> str:
    while (name := draw_name(rng)) == old:
        pass
    return name


def write_changes(db: sqlite3.Connection, changes: list[ShopChange]) -> None:
    """Make the changes in one transaction, as the shop's application would."""
    with db:
        for change in changes:
            at = db_time(change.at)
            if change.kind == "signup":
                db.execute(
                    "insert into customers (id, name, updated_at) values (?, ?, ?)",
                    (change.id, change.name, at),
                )
            elif change.kind == "delete":
                db.execute(
                    f"update {change.table} set deleted_at = ?, updated_at = ? where id = ?",
                    (at, at, change.id),
                )
            else:
                db.execute(
                    f"update {change.table} set name = ?, updated_at = ? where id = ?",
                    (change.name, at, change.id),
                )


def apply_day(database: Path, day: date, seed: int = 0) -> list[ShopChange]:
    """Draw and make `day`'s changes in the shop database; returns them in the order made."""
    if not database.exists():
        raise ShopChangesError(
            f"There is no shop database at {database}: run `make data` (or `make up`) first."
        )
    with closing(sqlite3.connect(database)) as db:
        newest = newest_change(db)
        if day < RECORDS_AS_OF.date() or (newest is not None and day <= newest):
            since = newest.isoformat() if newest else "it was written"
            raise ShopChangesError(
                f"The shop database already holds changes up to {since}, and a day's changes "
                f"apply after those of the days before: pass a day after {since}, or leave "
                "--day out for the next one."
            )
        changes = draw_changes(db, day, seed)
        write_changes(db, changes)
    return changes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD; default: next day")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    database = shop_database()
    try:
        day = args.day
        if day is None and database.exists():
            try:
                landing_newest = newest_day(watched_landing_zone())
            except LandingZoneUnavailable:
                landing_newest = None
            with closing(sqlite3.connect(database)) as db:
                day = default_day(db, landing_newest)
        changes = apply_day(database, day or RECORDS_AS_OF.date(), args.seed)
    except ShopChangesError as error:
        parser.error(str(error))
    print(f"changed the shop database {database} on {changes[0].at.date()}:")
    for change in changes:
        print(
            f"  {change.at.time()}  {change.table:<9}  {change.kind:<6}  {change.id}  {change.name}"
        )


if __name__ == "__main__":
    main()
