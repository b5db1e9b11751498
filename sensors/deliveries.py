"""What a sensor tick finds in the landing zone: new deliveries, skipped files, the next cursor.

Plain functions and data, no Dagster, so each rule can be read and tested on its own.

The layout is `<table>/<YYYY-MM-DD>.csv`: S3 returns keys in order, so one table's keys are in
day order and a listing can start at a day (`StartAfter`) instead of at the first file ever.
A tick lists, per table, only the *window*: the last `window_days` days before the newest day
seen, and everything after it. The cursor remembers the version of every key in that window.
So a tick costs one list request per 1,000 keys in the window, whatever the backlog, and:

- a new file is a key the cursor has not seen;
- a file re-delivered with new content is a key whose version (ETag, mtime) changed;
- a file already handled has the version the cursor holds, and is left alone.

A file for a day older than the window is not listed: re-load such a day with a backfill from
the UI, or widen the window (README, "The landing zone").
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from landing_zone.files import LandingFileError, landing_date
from landing_zone.storage import LandingObject, LandingZoneStorage
from landing_zone.tables import DAILY_TABLES

LANDING_TABLES = tuple(DAILY_TABLES)

# How many days back from the newest day a tick still notices new or re-delivered files.
DEFAULT_WINDOW_DAYS = 30

# Names that uploaders give a file before it is complete: `x.tmp` then rename, Hadoop's
# `x._COPYING_`, curl's and browsers' `x.part`, rsync's hidden `.x.AbC123`.
PARTIAL_UPLOAD = re.compile(r"(\.tmp|\.part|\._COPYING_|\.crdownload)$|(^|/)\.|_COPYING_")


@dataclass(frozen=True)
class Delivery:
    """A file to load: its key, version and the day (partition) it belongs to."""

    key: str
    version: str
    day: date


@dataclass(frozen=True)
class Skipped:
    """A file not loaded, and why. `retry`: look at it again next tick instead of recording it."""

    key: str
    reason: str
    retry: bool = False


def classify(obj: LandingObject, first_day: date, last_day: date | None) -> Delivery | Skipped:
    """Decide what one listed file is: a delivery for a partition, or skipped with a reason."""
    table, _, name = obj.key.partition("/")
    if PARTIAL_UPLOAD.search(name):
        return Skipped(obj.key, "temporary or partial upload; it is loaded once renamed to its day")
    if "/" in name:
        return Skipped(obj.key, f"in a subfolder; files go directly in {table}/")
    try:
        day = landing_date(name)
    except LandingFileError:
        return Skipped(obj.key, "name matches no partition; expected YYYY-MM-DD.csv")
    # Before the size test: a file for a future day must never enter the cursor, where it
    # would move the listing window past the days still to come.
    if last_day is None or day > last_day:
        return Skipped(obj.key, f"the partition {day} does not exist yet", retry=True)
    if obj.size == 0:
        # Not even a header: what a failed upload leaves, not a day without rows (README,
        # "Data"). A load that meets one (a backfill) also leaves the day as it was, and warns.
        return Skipped(
            obj.key,
            "empty file (0 bytes), as a failed upload leaves; deliver it again with its rows, "
            "or with the header line alone for a day without rows",
        )
    if day < first_day:
        return Skipped(obj.key, f"before the first partition, {first_day}")
    return Delivery(obj.key, obj.version, day)


@dataclass
class LandingCursor:
    """The versions of the files in the last listed window, by key; stored as the sensor cursor."""

    seen: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> LandingCursor:
        return cls(seen=json.loads(text)["seen"]) if text else cls()

    def serialize(self) -> str:
        return json.dumps({"seen": self.seen}, sort_keys=True, separators=(",", ":"))

    def newest_day(self, table: str) -> date | None:
        days = []
        for key in self.seen:
            prefix, _, name = key.partition("/")
            # Only a table's own day files: `orders/backup/2019-06-01.csv` is no day of it.
            if prefix == table and "/" not in name:
                # Skipped names are in the cursor too (so they are reported once); no day there.
                with contextlib.suppress(LandingFileError):
                    days.append(landing_date(name))
        return max(days, default=None)

    def start_after(self, table: str, window_days: int) -> str | None:
        """The key a listing of `table` starts after; None lists from the first file."""
        newest = self.newest_day(table)
        if newest is None:
            return None
        # "orders/2018-09-01" sorts just before "orders/2018-09-01.csv": that day is included.
        return f"{table}/{newest - timedelta(days=window_days)}"

    def within_window(self, window_days: int) -> LandingCursor:
        """Only the keys the next tick will list: after a backlog, the cursor stays small."""
        starts = {table: self.start_after(table, window_days) for table in LANDING_TABLES}
        return LandingCursor(
            {
                key: version
                for key, version in self.seen.items()
                if (start := starts.get(key.partition("/")[0])) is None or key > start
            }
        )


@dataclass
class Scan:
    """The outcome of one tick's listing."""

    deliveries: list[Delivery]
    skipped: list[Skipped]
    cursor: LandingCursor
    list_calls: int


def scan(
    storage: LandingZoneStorage,
    cursor: LandingCursor,
    first_day: date,
    last_day: date | None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> Scan:
    """List each table's window, and sort what changed since `cursor` into loads and skips."""
    calls_before = storage.list_calls
    deliveries: list[Delivery] = []
    skipped: list[Skipped] = []
    listed: dict[str, str] = {}
    for table in LANDING_TABLES:
        for obj in storage.list_after(f"{table}/", cursor.start_after(table, window_days)):
            if cursor.seen.get(obj.key) == obj.version:
                listed[obj.key] = obj.version
                continue
            found = classify(obj, first_day, last_day)
            if isinstance(found, Delivery):
                deliveries.append(found)
            else:
                skipped.append(found)
            if not (isinstance(found, Skipped) and found.retry):
                listed[obj.key] = obj.version
    calls = storage.list_calls - calls_before
    return Scan(deliveries, skipped, LandingCursor(listed).within_window(window_days), calls)


@dataclass(frozen=True)
class DayRange:
    """Consecutive days to load in one run, and the files that asked for them."""

    first: date
    last: date
    files: tuple[Delivery, ...]

    @property
    def run_key(self) -> str:
        """The same files at the same versions give the same key, so Dagster launches them once."""
        versions = "\n".join(sorted(f"{d.key}@{d.version}" for d in self.files))
        return f"{self.first}...{self.last}:{hashlib.sha256(versions.encode()).hexdigest()[:16]}"


def day_ranges(deliveries: Iterable[Delivery]) -> list[DayRange]:
    """Group deliveries into runs of consecutive days: a backlog of 60 days is one run."""
    by_day: dict[date, list[Delivery]] = {}
    for delivery in deliveries:
        by_day.setdefault(delivery.day, []).append(delivery)
    ranges: list[DayRange] = []
    for day in sorted(by_day):
        if ranges and ranges[-1].last + timedelta(days=1) == day:
            previous = ranges.pop()
            ranges.append(DayRange(previous.first, day, (*previous.files, *by_day[day])))
        else:
            ranges.append(DayRange(day, day, tuple(by_day[day])))
    return ranges
