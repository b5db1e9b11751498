"""Bad deliveries the first hour meets: each gets a correct load or a warning that names the
file, what is wrong and what to do, and the warehouse never silently disagrees with the files.

The rules (README, "Data"; ingestion/landing_zone.py): a header-only file empties its day; a
file with no header at all (0 bytes, blank space) looks like a failed upload and leaves the day
as it was; a file whose rows all fail validation keeps the day's earlier rows and quarantines
its own; a repeated header line is dropped; a BOM, CRLF line ends and trailing blank lines load
as if they were not there.

The fast tests judge files from their bytes. The slow ones run the platform twice, as a user
would (`dg launch` over the landing-zone assets): a clean load of six days, then
one run over four days re-delivered with every kind of bad file, on different days and tables.
Expected rows are read from the files with Python's csv module, never from the warehouse.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluation

from ingestion.landing_zone import Outcome, read_landing_file
from landing_zone.tables import DAILY_TABLES
from tests.conftest import REPO_ROOT, Platform

ORDERS_HEADER = ",".join(DAILY_TABLES["orders"].names)
ITEMS_HEADER = ",".join(DAILY_TABLES["items"].names)
# The daily tables the shop's simulator writes files for (simulator/generate.py). A table the
# platform declares besides them (the workshop adds `refunds`) has no file in this story.
SENT_TABLES = ("orders", "items")
ORDER = "o1,c1,2018-09-06 10:00:00,s1,1100,66,1166"
DAY = date(2018, 9, 6)


def judged(table: str, data: bytes, kept: int = 135):
    landing_file = read_landing_file(f"{table}/{DAY}.csv", table, DAY, data)
    return landing_file.report(DAILY_TABLES[table], kept)


def test_a_0_byte_file_is_skipped_and_the_warning_says_the_day_keeps_its_rows():
    report = judged("orders", b"")
    assert report.outcome is Outcome.SKIPPED
    assert report.warning is not None
    for part in (
        "orders/2018-09-06.csv is empty (0 bytes, not even a header line)",
        "failed or interrupted upload",
        "2018-09-06 keeps its 135 rows in raw.orders",
        "Deliver the file again with its rows",
        "deliver the header line alone",
    ):
        assert part in report.warning


def test_blank_space_or_a_lone_byte_order_mark_is_no_header_either():
    for data in (b"\n", b"\r\n\r\n", codecs.BOM_UTF8):
        report = judged("items", data, kept=0)
        assert report.outcome is Outcome.SKIPPED
        assert f"is empty ({len(data)} bytes" in (report.warning or "")
        assert "raw.items has no rows for 2018-09-06 yet" in (report.warning or "")


def test_a_header_only_file_empties_its_day_and_says_so():
    for data in (f"{ORDERS_HEADER}\n", ORDERS_HEADER, f"\ufeff{ORDERS_HEADER}\r\n\r\n"):
        report = judged("orders", data.encode())
        assert report.outcome is Outcome.EMPTIED
        assert report.warning is not None
        for part in (
            "orders/2018-09-06.csv has a header and no rows",
            "its 135 rows in raw.orders were removed",
            "deliver the file again with them",
            "volume_anomaly",
        ):
            assert part in report.warning


def test_a_header_only_file_that_lacks_the_tables_columns_is_not_read_as_its_file():
    report = judged("items", b"id,order\n")
    assert report.outcome is Outcome.SKIPPED
    assert "its header lacks order_id, sku" in (report.warning or "")
    assert "keeps its 135 rows in raw.items" in (report.warning or "")
    assert f"with the header {ITEMS_HEADER}" in (report.warning or "")


def test_a_file_with_no_loadable_row_keeps_the_day_and_points_at_the_quarantine():
    report = judged("items", b"id,order_id\ni1,o1\ni2,o2\n")
    assert report.outcome is Outcome.KEPT
    assert report.warning is not None
    for part in (
        "items/2018-09-06.csv has 2 rows and none could be loaded (missing column sku (2))",
        "2018-09-06 keeps its 135 rows in raw.items",
        "raw.items_quarantine",
        "Fix the file and deliver it again",
    ):
        assert part in report.warning


def test_a_repeated_header_is_dropped_with_a_warning_and_the_rest_loads():
    report = judged("orders", f"{ORDERS_HEADER}\n{ORDERS_HEADER}\n{ORDER}\n".encode())
    assert report.outcome is Outcome.LOADED
    assert "orders/2018-09-06.csv repeats its header line as row 2: dropped" in (
        report.warning or ""
    )
    assert "writes the header once" in (report.warning or "")


def test_bom_crlf_and_trailing_blank_lines_load_without_a_warning():
    data = f"\ufeff{ORDERS_HEADER}\r\n{ORDER}\r\n\r\n".encode()
    report = judged("orders", data)
    assert (report.outcome, report.warning) == (Outcome.LOADED, None)


# --- End to end: two real runs over the landing-zone assets ----------------------------------

FIRST, LAST = "2018-09-01", "2018-09-06"
REDELIVERED = "2018-09-03...2018-09-06"
# The landing-zone assets and their checks; nothing downstream, to keep the runs short.
LANDING = "raw/orders,raw/items"


def parse(data: bytes) -> list[dict[str, str]]:
    """A file's rows as Python's csv module reads them (BOM and CRLF handled by Python)."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def to_csv(rows: list[dict[str, str]], line_end: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator=line_end)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@dataclass
class Run:
    returncode: int
    log: str
    warnings: list[str]  # the run's log messages at WARNING level and above
    materialized: dict[str, dict]
    checks: dict[str, AssetCheckEvaluation]


def run(platform: Platform, days: str) -> Run:
    process = platform.start_materialize(days, LANDING)
    log, _ = process.communicate(timeout=600)
    instance = DagsterInstance.from_config(str(platform.dagster_home))
    (latest,) = instance.get_runs(limit=1)
    entries = instance.all_logs(latest.run_id)
    warnings = [
        entry.user_message
        for entry in entries
        if not entry.is_dagster_event and entry.level >= logging.WARNING
    ]
    materialized, checks = {}, {}
    for entry in entries:
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = entry.asset_materialization
            assert materialization is not None
            materialized[materialization.asset_key.to_user_string()] = materialization.metadata
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            assert isinstance(evaluation, AssetCheckEvaluation)
            key = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            checks[key] = evaluation
    return Run(process.returncode, log, warnings, materialized, checks)


@dataclass
class Story:
    platform: Platform
    sent: dict[str, bytes]  # the bad files as delivered, by key
    before: dict[str, list[dict[str, str]]]  # the files the first run loaded, by key
    first: Run
    first_ids: dict[str, list[str]]  # what the first run left in the warehouse, by file key
    second: Run

    def rows(self, key: str) -> list[dict[str, str]]:
        return parse(self.sent[key]) if key in self.sent else self.before[key]

    def ids(self, table: str, day: str, where: str = "true") -> list[str]:
        return sorted(
            row[0]
            for row in self.platform.query(
                f"select id from raw.{table} where _landing_date = '{day}' and {where}"
            )
        )

    def warning(self, key: str) -> str:
        (message,) = (message for message in self.second.warnings if key in message)
        return message


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(REPO_ROOT / "platform" / "dagster.yaml", home / "dagster.yaml")
    platform = Platform(data_dir=tmp_path_factory.mktemp("deliveries") / "data", dagster_home=home)
    platform.generate(FIRST, LAST)
    landing = platform.landing

    def path(key: str) -> Path:
        return landing / key

    # 2018-09-05's orders hold one row without a customer: the day has a quarantine to keep.
    rows = parse(path("orders/2018-09-05.csv").read_bytes())
    rows[0]["customer"] = ""
    path("orders/2018-09-05.csv").write_text(to_csv(rows))
    before = {
        f"{table}/{day}.csv": parse(path(f"{table}/{day}.csv").read_bytes())
        for table in SENT_TABLES
        for day in ("2018-09-01", "2018-09-02", "2018-09-03", "2018-09-04", "2018-09-05", LAST)
    }
    first = run(platform, f"{FIRST}...{LAST}")
    first_ids = {
        key: sorted(
            row[0]
            for row in platform.query(
                f"select id from raw.{key.partition('/')[0]} "
                f"where _landing_date = '{key.partition('/')[2].removesuffix('.csv')}'"
            )
        )
        for key in before
    }

    orders_3, items_3 = before["orders/2018-09-03.csv"], before["items/2018-09-03.csv"]
    items_4 = before["items/2018-09-04.csv"]
    orders_6 = [
        {k: v for k, v in row.items() if k != "tax_paid"} for row in before[f"orders/{LAST}.csv"]
    ]
    half = len(items_4) // 2
    sent = {
        # Excel's "CSV UTF-8" from Windows: a BOM, CRLF, blank lines at the end. Fewer rows
        # than the first delivery, so a reload shows.
        "orders/2018-09-03.csv": ("\ufeff" + to_csv(orders_3[:20], "\r\n") + "\r\n\r\n").encode(),
        "items/2018-09-03.csv": (to_csv(items_3[:30], "\r\n") + "\r\n").encode(),
        # Two exports joined: the header again at row 2 and halfway down.
        "items/2018-09-04.csv": (
            f"{ITEMS_HEADER}\n" + to_csv(items_4[:half]) + to_csv(items_4[half:])
        ).encode(),
        # A failed upload: 0 bytes over a day that has rows and a quarantined row.
        "orders/2018-09-05.csv": b"",
        # The shop says the day had no items.
        "items/2018-09-05.csv": f"{ITEMS_HEADER}\n".encode(),
        # Every row unloadable: the tax column is missing.
        f"orders/{LAST}.csv": to_csv(orders_6).encode(),
        # Only blank lines: no header, as a cut-off upload.
        f"items/{LAST}.csv": b"\r\n\n",
    }
    for key, data in sent.items():
        path(key).write_bytes(data)
    second = run(platform, REDELIVERED)
    return Story(platform, sent, before, first, first_ids, second)


@pytest.mark.slow
def test_the_first_load_is_clean(story: Story):
    assert story.first.returncode == 0, story.first.log[-3000:]
    assert story.first.warnings == []
    for key, rows in story.before.items():
        no_customer = [
            row["id"] for row in rows if key.startswith("orders/") and not row["customer"]
        ]
        expected = sorted(row["id"] for row in rows if row["id"] not in no_customer)
        assert story.first_ids[key] == expected, key


@pytest.mark.slow
def test_each_bad_file_is_warned_about_in_the_run_log_with_the_problem_and_the_fix(story: Story):
    orders_5 = len(story.before["orders/2018-09-05.csv"]) - 1  # one was quarantined
    second_header = len(story.before["items/2018-09-04.csv"]) // 2 + 3  # after half the rows
    expected = {
        "items/2018-09-04.csv": [
            f"repeats its header line as row 2, {second_header}: dropped",
            "writes the header once",
        ],
        "orders/2018-09-05.csv": [
            "is empty (0 bytes, not even a header line)",
            f"2018-09-05 keeps its {orders_5} rows in raw.orders",
            "Deliver the file again with its rows",
        ],
        "items/2018-09-05.csv": [
            "has a header and no rows",
            f"its {len(story.before['items/2018-09-05.csv'])} rows in raw.items were removed",
            "deliver the file again with them",
        ],
        f"orders/{LAST}.csv": [
            "none could be loaded (missing column tax_paid",
            f"keeps its {len(story.before[f'orders/{LAST}.csv'])} rows in raw.orders",
            "Fix the file and deliver it again",
        ],
        f"items/{LAST}.csv": [
            "is empty (3 bytes, not even a header line)",
            f"keeps its {len(story.before[f'items/{LAST}.csv'])} rows in raw.items",
            "Deliver the file again with its rows",
        ],
    }
    for key, parts in expected.items():
        message = story.warning(key)
        for part in parts:
            assert part in message, (key, part, message)
    # BOM, CRLF and blank lines at the end are no problem: nothing to warn about.
    assert not [m for m in story.second.warnings if "2018-09-03.csv" in m]


@pytest.mark.slow
def test_the_materializations_record_what_happened_to_each_file(story: Story):
    orders = story.second.materialized["raw/orders"]
    items = story.second.materialized["raw/items"]
    assert orders["files_by_outcome"].value == {"loaded": 2, "emptied": 0, "kept": 1, "skipped": 1}
    assert items["files_by_outcome"].value == {"loaded": 2, "emptied": 1, "kept": 0, "skipped": 1}
    assert set(orders["file_warnings"].value) == {"orders/2018-09-05.csv", f"orders/{LAST}.csv"}
    assert set(items["file_warnings"].value) == {
        "items/2018-09-04.csv",
        "items/2018-09-05.csv",
        f"items/{LAST}.csv",
    }
    assert story.first.materialized["raw/orders"]["file_warnings"].value == {}


@pytest.mark.slow
def test_bom_crlf_and_trailing_blank_lines_load_exactly_the_files_rows(story: Story):
    for table in SENT_TABLES:
        expected = sorted(row["id"] for row in story.rows(f"{table}/2018-09-03.csv"))
        assert story.ids(table, "2018-09-03") == expected
        columns = [row[0] for row in story.platform.query(f"describe raw.{table}")]
        assert DAILY_TABLES[table].names == columns[: len(DAILY_TABLES[table])]
        assert not [name for name in columns if "\ufeff" in name or "\r" in name]
    cr = " or ".join(f"contains({c}, chr(13))" for c in ("id", "customer", "store_id"))
    assert story.ids("orders", "2018-09-03", cr) == []
    assert story.ids("items", "2018-09-03", "contains(sku, chr(13))") == []


@pytest.mark.slow
def test_a_repeated_header_loads_the_files_rows_and_nothing_else(story: Story):
    # Python's csv module reads the repeated header lines as rows: two of them.
    rows = story.rows("items/2018-09-04.csv")
    headers = [row for row in rows if list(row.values()) == list(row)]
    assert len(headers) == 2
    expected = sorted(row["id"] for row in rows if row not in headers)
    assert story.ids("items", "2018-09-04") == expected
    assert story.platform.query("select count(*) from raw.items_quarantine") == [(0,)]


@pytest.mark.slow
def test_a_0_byte_or_blank_file_changes_nothing_already_loaded(story: Story):
    rows = story.before["orders/2018-09-05.csv"]
    assert story.ids("orders", "2018-09-05") == sorted(row["id"] for row in rows[1:])
    # Its quarantine is kept too: the 0-byte file said nothing about the day.
    assert story.platform.query(
        "select id, _reason from raw.orders_quarantine where _landing_date = '2018-09-05'"
    ) == [(rows[0]["id"], "customer is empty")]
    assert story.ids("items", LAST) == sorted(r["id"] for r in story.before[f"items/{LAST}.csv"])


@pytest.mark.slow
def test_a_header_only_file_empties_its_day_and_volume_anomaly_holds_it_back(story: Story):
    assert story.rows("items/2018-09-05.csv") == []
    assert story.ids("items", "2018-09-05") == []
    volume = story.second.checks["raw/items:volume_anomaly"]
    assert (volume.passed, volume.severity) == (False, AssetCheckSeverity.ERROR)
    assert volume.metadata["anomalous_days"].value == ["2018-09-05"]
    assert story.second.returncode != 0  # a blocking check failed: the run says so


@pytest.mark.slow
def test_a_file_with_no_loadable_row_keeps_the_day_and_quarantines_its_rows(story: Story):
    before = story.before[f"orders/{LAST}.csv"]
    assert story.ids("orders", LAST) == sorted(row["id"] for row in before)
    sent = story.rows(f"orders/{LAST}.csv")
    assert sorted(
        story.platform.query(
            f"select id, _reason from raw.orders_quarantine where _landing_date = '{LAST}'"
        )
    ) == sorted((row["id"], "missing column tax_paid") for row in sent)
    quarantined = story.second.checks["raw/orders:quarantined_rows"]
    assert (quarantined.passed, quarantined.severity) == (False, AssetCheckSeverity.ERROR)


@pytest.mark.slow
def test_no_row_is_ever_doubled_and_untouched_days_stay_as_they_were(story: Story):
    for table in SENT_TABLES:
        ((rows, ids),) = story.platform.query(
            f"select count(*), count(distinct id) from raw.{table}"
        )
        assert rows == ids
        for day in ("2018-09-01", "2018-09-02"):
            expected = sorted(row["id"] for row in story.before[f"{table}/{day}.csv"])
            assert story.ids(table, day) == expected
