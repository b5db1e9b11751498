"""A landing-zone sensor tick against a bucket of 1,000, 10,000 and 100,000 existing keys.

    make bench        # or: .venv/bin/python bench/sensor.py

For each backlog size, a bucket on a loopback S3 server (moto) holds that many day files, half
orders and half items; the sensor has seen them all (its cursor comes from a first, untimed
tick); then 10 new days are delivered and one tick is timed. List calls are counted at the
server.

The floor, measured in the same run on the same bucket: one ListObjectsV2 request for one key,
the least any tick can do. moto answers a list by filtering every key it holds, so its requests
grow slower with the bucket (real S3's do not); the ratio to the floor is the figure to read.
Beside the tick, a naive sensor's full listing of the same bucket shows what the window saves.

The tick's work is `sensors.deliveries.scan`. 100,000 day files reach back to 1889, before the
platform's first partition, so the bench calls it with a first day of its own.
"""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from landing_zone.storage import S3Storage
from sensors.deliveries import LANDING_TABLES, LandingCursor, scan
from simulator.s3_server import LoopbackS3, loopback_s3

SIZES = (1_000, 10_000, 100_000)
NEW_DAYS = 10
BODY = b"id,customer,ordered_at,store_id,subtotal,tax_paid,order_total\n1,c,x,s,1,0,1\n"


def best_of(repeats: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(s3: LoopbackS3, existing_keys: int) -> dict[str, float]:
    bucket = f"bench-{uuid.uuid4().hex[:12]}"
    client = s3.client()
    client.create_bucket(Bucket=bucket)
    days_per_table = existing_keys // len(LANDING_TABLES)
    newest = date.today() - timedelta(days=NEW_DAYS + 1)
    backlog = [newest - timedelta(days=n) for n in range(days_per_table)]
    s3.seed(bucket, [f"{t}/{d}.csv" for d in backlog for t in LANDING_TABLES], BODY)
    first_day, last_day = backlog[-1], date.today()

    storage = S3Storage(bucket, "", s3.endpoint_url)
    cursor = scan(storage, LandingCursor(), first_day, last_day).cursor  # sees the backlog

    floor = best_of(5, lambda: client.list_objects_v2(Bucket=bucket, MaxKeys=1))
    calls = s3.list_calls
    full = best_of(1, lambda: sum(1 for _ in storage.list_after("", None)))
    full_calls = s3.list_calls - calls

    for n in range(1, NEW_DAYS + 1):
        client.put_object(Bucket=bucket, Key=f"orders/{newest + timedelta(days=n)}.csv", Body=BODY)
    calls = s3.list_calls
    result = None

    def tick() -> None:
        nonlocal result
        result = scan(storage, cursor, first_day, last_day)

    # The same tick three times from the same cursor: each finds the same 10 new files.
    tick_seconds = best_of(3, tick)
    assert result is not None and len(result.deliveries) == NEW_DAYS
    return {
        "keys": existing_keys,
        "tick_calls": (s3.list_calls - calls) / 3,
        "tick": tick_seconds,
        "full_calls": full_calls,
        "full": full,
        "floor": floor,
        "cursor_bytes": len(result.cursor.serialize()),
    }


def main() -> None:
    rows = []
    with loopback_s3() as s3:
        for size in SIZES:
            rows.append(measure(s3, size))
            print(f"measured {size:,} keys", file=sys.stderr)
    print(
        f"\nOne sensor tick, {NEW_DAYS} new files (loopback S3, best of 3; "
        "floor: one 1-key ListObjectsV2)\n"
    )
    header = (
        "| existing keys | tick list calls | tick | floor | tick / floor "
        "| full listing calls | full listing | cursor |"
    )
    print(header)
    print("|" + "---|" * header.count(" | ") + "---|")
    for row in rows:
        print(
            f"| {row['keys']:,} | {row['tick_calls']:.0f} | {row['tick'] * 1000:.1f} ms "
            f"| {row['floor'] * 1000:.1f} ms | {row['tick'] / row['floor']:.1f}x "
            f"| {row['full_calls']:.0f} | {row['full'] * 1000:.0f} ms "
            f"| {row['cursor_bytes']:,} B |"
        )
    ticks = [row["tick"] for row in rows]
    print(f"\ntick time, 100,000 keys / 1,000 keys: {ticks[-1] / ticks[0]:.2f}")
    print(f"median floor: {statistics.median(row['floor'] for row in rows) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
