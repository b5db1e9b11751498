"""Deliver the next day's files into the landing zone, as the shop's systems do each night.

    python -m simulator.deliver                  # the day after the newest day delivered
    python -m simulator.deliver --day 2018-11-05 # that day (again, if it was delivered)

The files go wherever the platform watches (LANDING_ZONE_URL: the local folder by default, or
an S3 bucket), so with the landing-zone sensor on, the delivery starts a run for that day: watch
it under Automation in the UI. Items are written before orders, so a tick that falls between the
two writes sees neither day's orders without its items.
"""

from __future__ import annotations

import argparse
import os
from datetime import date, timedelta
from pathlib import Path

from landing_zone.files import LandingFileError, landing_date
from landing_zone.storage import LandingZoneStorage, LandingZoneUnavailable, open_storage
from simulator.generate import daily_drop, drop_files
from simulator.shop import customers

# simulator/deliver.py -> the repository root
REPOSITORY = Path(__file__).resolve().parents[1]


def watched_landing_zone() -> LandingZoneStorage:
    """The landing zone the platform watches, told by the variables the platform is given:
    LANDING_ZONE_URL, else the `landing` folder of PLATFORM_DATA_DIR (the repository's `data/`
    by default); S3_ENDPOINT_URL for a bucket outside AWS."""
    data_dir = Path(os.environ.get("PLATFORM_DATA_DIR") or REPOSITORY / "data")
    url = os.environ.get("LANDING_ZONE_URL") or str(data_dir / "landing")
    return open_storage(url, os.environ.get("S3_ENDPOINT_URL") or None)


def newest_day(storage: LandingZoneStorage) -> date | None:
    """The newest day with an orders file in the landing zone."""
    days = []
    for obj in storage.list_after("orders/", None):
        try:
            days.append(landing_date(obj.key.removeprefix("orders/")))
        except LandingFileError:
            continue  # not a day's file; the sensor reports those
    return max(days, default=None)


def next_day(storage: LandingZoneStorage) -> date:
    """The day after the newest one delivered."""
    newest = newest_day(storage)
    if newest is None:
        raise LookupError(f"{storage.url} holds no day yet: run `make data` first, or pass --day")
    return newest + timedelta(days=1)


def write_day(storage: LandingZoneStorage, files: dict[str, bytes]) -> list[str]:
    """Write a day's files, items before orders; returns their keys."""
    keys = sorted(files, key=lambda key: key.startswith("orders/"))
    for key in keys:
        storage.write(key, files[key])
    return keys


def deliver(storage: LandingZoneStorage, day: date, seed: int = 0) -> list[str]:
    """Write one day's files; returns their keys."""
    return write_day(storage, drop_files(daily_drop(day, customers(seed), seed)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD; default: next day")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    storage = watched_landing_zone()
    try:
        day = args.day or next_day(storage)
        keys = deliver(storage, day, args.seed)
    except (LandingZoneUnavailable, LookupError) as error:
        parser.error(str(error))
    print(f"delivered {day}: {', '.join(keys)} into {storage.url}")


if __name__ == "__main__":
    main()
