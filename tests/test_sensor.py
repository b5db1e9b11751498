"""The landing-zone sensor, tick by tick, on both backends: a temp folder and a loopback S3.

Each test drives the real sensor through Dagster's `build_sensor_context`, carrying the cursor
from tick to tick as the daemon does, against real storage. What a tick should ask for is stated
from the files the test wrote, and S3 list calls are counted at the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from dagster import DagsterInstance, RunRequest, SensorResult, build_sensor_context

from graduated_platform.definitions import defs
from graduated_platform.defs.sensors import landing_zone_sensor
from graduated_platform.landing_zone_resource import LandingZone
from landing_zone.storage import LandingZoneUnavailable
from landing_zone.tables import DAILY_TABLES
from simulator.s3_server import LoopbackS3, loopback_s3

ROWS = b"id,customer,ordered_at,store_id,subtotal,tax_paid,order_total\n"


@dataclass
class Ticker:
    """A landing zone and the sensor watching it, with the cursor the daemon would keep."""

    zone: LandingZone
    s3: LoopbackS3 | None = None
    cursor: str | None = None
    instance: DagsterInstance = field(default_factory=DagsterInstance.ephemeral)

    def deliver(self, key: str, data: bytes = ROWS + b"1,c,2018-09-01 08:00:00,s,1,0,1\n") -> None:
        self.zone.open().write(key, data)

    def tick(self) -> SensorResult:
        """One evaluation; like the daemon, keep the new cursor only if the tick succeeded."""
        context = build_sensor_context(
            cursor=self.cursor,
            resources={"landing_zone": self.zone},
            definitions=defs,
            instance=self.instance,
        )
        result = landing_zone_sensor(context)
        assert isinstance(result, SensorResult)
        self.cursor = result.cursor
        return result


def requested_days(result: SensorResult) -> list[tuple[str, str]]:
    """Each run request's first and last day."""
    days = []
    for request in result.run_requests or []:
        assert isinstance(request, RunRequest)
        if request.partition_key is not None:
            days.append((request.partition_key, request.partition_key))
        else:
            assert request.partition_key_range is not None
            days.append((request.partition_key_range.start, request.partition_key_range.end))
    return days


@pytest.fixture(params=["folder", "s3"])
def ticker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ticker]:
    if request.param == "folder":
        yield Ticker(LandingZone(url=(tmp_path / "landing").as_uri()))
        return
    with loopback_s3() as s3:
        bucket = f"landing-{uuid.uuid4().hex[:12]}"
        s3.client().create_bucket(Bucket=bucket)
        yield Ticker(LandingZone(url=f"s3://{bucket}/shop", s3_endpoint_url=s3.endpoint_url), s3)


def test_a_new_file_requests_its_day_once(ticker: Ticker):
    ticker.deliver("orders/2018-09-01.csv")
    first = ticker.tick()
    assert requested_days(first) == [("2018-09-01", "2018-09-01")]
    [request] = first.run_requests or []
    assert request.asset_selection and "raw/orders" in {
        key.to_user_string() for key in request.asset_selection
    }

    # The same file, unchanged: the cursor has it, so nothing runs.
    second = ticker.tick()
    assert second.run_requests == [] and second.skip_reason is not None
    assert "0 new or re-delivered" in (second.skip_reason.skip_message or "")

    # The day's second file is new: its day runs again, under a new run key.
    ticker.deliver("items/2018-09-01.csv", b"id,order_id,sku\ni,1,JAF-001\n")
    third = ticker.tick()
    assert requested_days(third) == [("2018-09-01", "2018-09-01")]
    assert third.run_requests[0].run_key != request.run_key  # type: ignore[index]


def test_a_lost_cursor_repeats_the_same_run_keys_so_dagster_launches_once(ticker: Ticker):
    ticker.deliver("orders/2018-09-01.csv")
    ticker.deliver("orders/2018-09-02.csv")
    first = ticker.tick()
    ticker.cursor = None  # as if the daemon died before it stored the tick's cursor
    again = ticker.tick()
    assert [r.run_key for r in first.run_requests or []] == [
        r.run_key for r in again.run_requests or []
    ]


def test_a_redelivered_file_requests_its_day_again(ticker: Ticker):
    ticker.deliver("orders/2018-09-01.csv")
    ticker.deliver("orders/2018-09-02.csv")
    [first] = ticker.tick().run_requests or []
    ticker.deliver("orders/2018-09-01.csv", ROWS + b"2,c,2018-09-01 09:00:00,s,2,0,2\n")

    redelivered = ticker.tick()
    assert requested_days(redelivered) == [("2018-09-01", "2018-09-01")]
    assert redelivered.run_requests[0].run_key != first.run_key  # type: ignore[index]


def test_consecutive_days_run_as_one_range_and_gaps_split_it(ticker: Ticker):
    for day in ("2018-09-01", "2018-09-02", "2018-09-03", "2018-09-07"):
        ticker.deliver(f"orders/{day}.csv")
        ticker.deliver(f"items/{day}.csv")
    assert requested_days(ticker.tick()) == [
        ("2018-09-01", "2018-09-03"),
        ("2018-09-07", "2018-09-07"),
    ]


BAD_FILES = {
    "orders/2018-09-02.csv.tmp": "temporary or partial upload",
    "orders/2018-09-02.csv._COPYING_": "temporary or partial upload",
    "orders/2018-09-02.csv.part": "temporary or partial upload",
    "orders/latest.csv": "name matches no partition",
    "orders/2018-02-30.csv": "name matches no partition",
    "orders/20180902.csv": "name matches no partition",
    "orders/2018-08-31.csv": "before the first partition",
    "orders/archive/2018-09-02.csv": "in a subfolder",
    "orders/2018-09-03.csv": "empty file",
}


def test_bad_files_are_skipped_with_their_reasons_and_reported_once(ticker: Ticker):
    for key in BAD_FILES:
        ticker.deliver(key, b"" if "empty" in BAD_FILES[key] else ROWS)

    result = ticker.tick()
    assert result.run_requests == []
    message = result.skip_reason.skip_message if result.skip_reason else ""
    for key, reason in BAD_FILES.items():
        assert f"{key}: {reason}" in (message or ""), key

    # Reported once: the next tick finds nothing new.
    assert "0 skipped" in (ticker.tick().skip_reason.skip_message or "")  # type: ignore[union-attr]

    # The partial upload completes (renamed to its day) and the empty file is delivered whole.
    ticker.deliver("orders/2018-09-02.csv")
    ticker.deliver("orders/2018-09-03.csv")
    assert requested_days(ticker.tick()) == [("2018-09-02", "2018-09-03")]


def test_a_file_for_a_day_that_has_not_begun_waits_for_it(ticker: Ticker):
    tomorrow = date.today() + timedelta(days=2)
    ticker.deliver(f"orders/{tomorrow}.csv")
    result = ticker.tick()
    assert result.run_requests == []
    assert f"the partition {tomorrow} does not exist yet" in (
        result.skip_reason.skip_message or ""  # type: ignore[union-attr]
    )
    assert ticker.cursor is not None and str(tomorrow) not in ticker.cursor  # looked at again


def test_an_unreachable_landing_zone_fails_the_tick_and_the_next_tick_loses_nothing(
    ticker: Ticker, tmp_path: Path
):
    ticker.deliver("orders/2018-09-01.csv")
    ticker.tick()
    ticker.deliver("orders/2018-09-02.csv")
    cursor = ticker.cursor

    if ticker.s3 is not None:
        ticker.s3.stop()
        expected = rf"cannot list the landing zone s3://.*{ticker.s3.endpoint_url}.*S3_ENDPOINT_URL"
    else:
        landing = Path(ticker.zone.url.removeprefix("file://"))
        landing.rename(tmp_path / "away")
        expected = r"landing zone folder .* does not exist.*make data"
    with pytest.raises(LandingZoneUnavailable, match=expected):
        ticker.tick()
    assert ticker.cursor == cursor

    if ticker.s3 is not None:
        ticker.s3.start()
    else:
        (tmp_path / "away").rename(landing)
    assert requested_days(ticker.tick()) == [("2018-09-02", "2018-09-02")]


# The tables with a backlog in the bucket: the shop's two (a table added since has none).
BACKLOG_TABLES = ("orders", "items")


def test_a_tick_lists_the_recent_window_not_the_backlog(tmp_path: Path):
    """Thousands of keys in the bucket, ten new: a tick makes one list call per table."""
    with loopback_s3() as s3:
        client = s3.client()
        bucket = f"backlog-{uuid.uuid4().hex[:12]}"
        client.create_bucket(Bucket=bucket)
        first = date(2018, 9, 1)
        backlog_days = [first + timedelta(days=n) for n in range(1500)]
        s3.seed(
            bucket,
            [f"{table}/{d}.csv" for d in backlog_days for table in BACKLOG_TABLES],
            ROWS,
        )
        ticker = Ticker(LandingZone(url=f"s3://{bucket}", s3_endpoint_url=s3.endpoint_url), s3)

        # The first tick ever reads everything: 3,000 keys in pages of 1,000 per table.
        calls = s3.list_calls
        assert requested_days(ticker.tick()) == [(str(backlog_days[0]), str(backlog_days[-1]))]
        # 1,500 keys per table: two pages each; a table with no files yet takes one call.
        empty_tables = len(DAILY_TABLES) - len(BACKLOG_TABLES)
        assert s3.list_calls - calls == 2 * len(BACKLOG_TABLES) + empty_tables
        # The cursor keeps only what the next tick lists: each table's last 31 days.
        assert ticker.cursor is not None and ticker.cursor.count(".csv") == 2 * 31

        new_days = [backlog_days[-1] + timedelta(days=n) for n in range(1, 11)]
        for day in new_days:
            client.put_object(Bucket=bucket, Key=f"orders/{day}.csv", Body=ROWS)
        calls = s3.list_calls
        assert requested_days(ticker.tick()) == [(str(new_days[0]), str(new_days[-1]))]
        # One page per table: the window, not the backlog.
        assert s3.list_calls - calls == len(DAILY_TABLES)
        # The orders window moved on with the new days; each table still keeps 31 days.
        assert ticker.cursor is not None and ticker.cursor.count(".csv") == 2 * 31


def test_stray_files_do_not_move_the_window_past_days_still_to_come(ticker: Ticker):
    ticker.deliver("orders/2018-09-01.csv")
    ticker.deliver("orders/backup/2019-06-01.csv")  # a day's name, but no day of orders/
    ticker.deliver(f"orders/{date.today() + timedelta(days=5)}.csv", b"")  # empty, and early
    ticker.tick()
    ticker.deliver("orders/2018-09-02.csv")
    assert requested_days(ticker.tick()) == [("2018-09-02", "2018-09-02")]
