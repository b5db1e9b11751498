"""The landing zone as a dlt source: each daily table's CSV files, read and validated with pyarrow.

The same code reads a folder (`file://...`) or a bucket (`s3://...`). Rows go to dlt as Arrow
tables, which it writes straight to parquet: dlt's default row-by-row JSON normalisation took
7-8 s for a 72k-row, 10 MB file that the Arrow path loads in 0.3-0.7 s. A load replaces exactly
the days it reads (delete-insert on `_landing_date`), so a day loaded twice is never doubled.

A file is the shop's whole statement about its day: `Outcome` names what a load makes of each
file (README, "Data", has the table of every kind of file), `LandingReport` collects the outcomes
and warnings for the run's metadata and log.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.configuration.specs import AwsCredentials
from dlt.sources import DltResource
from dlt.sources.filesystem import filesystem

from ingestion import contracts
from ingestion.quarantine import (
    DAY_MARKER,
    SUFFIX,
    day_marker,
    no_quarantined_rows,
    quarantine_item,
)
from ingestion.validation import REASON, Validated, read_csv_as_text, validate
from landing_zone.files import LandingFileError, landing_date
from landing_zone.tables import DAILY_TABLES

log = logging.getLogger(__name__)


class Outcome(Enum):
    """What a load did with one landing file."""

    LOADED = "loaded"  # its rows replaced the day's
    EMPTIED = "emptied"  # a header and no rows: the day now has none
    KEPT = "kept"  # no loadable row: its rows are quarantined, the day keeps its earlier rows
    SKIPPED = "skipped"  # not read as a day's file at all: the day is left as it was


@dataclass(frozen=True)
class FileReport:
    """One file's outcome, and the warning it gave (None when the file loaded cleanly)."""

    file: str
    outcome: Outcome
    warning: str | None = None


@dataclass
class LandingReport:
    """What a load made of each landing file, by table. Given to `landing_zone`, it is filled in
    as the files are read. `landed` (rows per table and day in the warehouse before the load)
    only words the warnings: "keeps its 135 rows"."""

    landed: Mapping[str, Mapping[date, int]] = field(default_factory=dict)
    files: dict[str, list[FileReport]] = field(default_factory=dict)

    def add(self, table: str, report: FileReport) -> None:
        if report.warning:
            log.warning(report.warning)
        self.files.setdefault(table, []).append(report)


@dataclass(frozen=True)
class LandingFile:
    """One landing file, read and validated, and what the load does with it."""

    path: str
    table: str
    day: date
    size: int
    header: tuple[str, ...]  # empty: the file has no header line
    validated: Validated

    def report(self, schema: pa.Schema, kept: int) -> FileReport:
        """The outcome and its warning; `kept` is the day's rows in the warehouse before."""
        outcome, problem = self._judge(schema, kept)
        repeated = self.validated.repeated_headers
        if repeated and outcome is not Outcome.SKIPPED:
            rows = ", ".join(map(str, repeated))
            note = (
                f"{self.path} repeats its header line as row {rows}: dropped, as it holds no "
                "data. Nothing is lost, but check the export that wrote the file (two files "
                "joined into one?) so that it writes the header once."
            )
            problem = f"{problem} {note}" if problem else note
        return FileReport(self.path, outcome, problem)

    def _judge(self, schema: pa.Schema, kept: int) -> tuple[Outcome, str | None]:
        rows, rejected = self.validated.rows.num_rows, self.validated.rejected.num_rows
        path, day, table = self.path, self.day, f"raw.{self.table}"
        earlier = (
            f"{day} keeps its {kept} rows in {table}"
            if kept
            else f"{table} has no rows for {day} yet"
        )
        if not self.header:
            return Outcome.SKIPPED, (
                f"{path} is empty ({self.size} bytes, not even a header line), which is what a "
                f"failed or interrupted upload leaves: it was not loaded, and {earlier}. Deliver "
                f"the file again with its rows; if {day} really had no {self.table}, deliver "
                "the header line alone."
            )
        missing = [name for name in schema.names if name not in self.header]
        if rows == rejected == 0 and missing:
            return Outcome.SKIPPED, (
                f"{path} has no rows, and its header lacks {', '.join(missing)}, so it is not "
                f"read as a {self.table} file: it was not loaded, and {earlier}. Deliver it "
                f"again with the header {','.join(schema.names)} and the day's rows (the "
                f"header alone if {day} had no {self.table})."
            )
        if rows == rejected == 0:
            removed = f"its {kept} rows in {table} were removed" if kept else "it has none"
            return Outcome.EMPTIED, (
                f"{path} has a header and no rows: it says {day} had no {self.table}, so "
                f"{removed}. If the day did have {self.table}, deliver the file again with "
                f"them. Until then the blocking volume_anomaly check on raw/{self.table} holds "
                "the day back from the models (when the days before it had rows)."
            )
        if rows == 0:
            reasons = Counter(self.validated.rejected[REASON].to_pylist()).most_common(2)
            why = "; ".join(f"{reason} ({count})" for reason, count in reasons)
            return Outcome.KEPT, (
                f"{path} has {rejected} rows and none could be loaded ({why}): {earlier}, and "
                f"the file's rows wait in {table}{SUFFIX} with their reasons. Fix the file and "
                "deliver it again."
            )
        return Outcome.LOADED, None


def read_landing_file(path: str, table: str, day: date, data: bytes) -> LandingFile:
    """One landing file's bytes, read and validated, each row with the file's day and name."""
    try:
        text, misshapen = read_csv_as_text(data)
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        # Rows that do not fit are quarantined one by one; this is a file that is not
        # readable CSV text at all.
        raise LandingFileError(
            f"landing file {path} is not a UTF-8 CSV file: {error}. "
            "Fix or remove the file, then run the load again."
        ) from error
    validated = validate(text, DAILY_TABLES[table], misshapen)
    rows, rejected = (
        table_.append_column(
            # Not nullable, as dlt declares a merge key: otherwise dlt warns on every file.
            pa.field("_landing_date", pa.date32(), nullable=False),
            pa.array([day] * table_.num_rows, pa.date32()),
        ).append_column("_source_file", pa.array([path] * table_.num_rows, pa.string()))
        for table_ in (validated.rows, validated.rejected)
    )
    return LandingFile(
        path,
        table,
        day,
        len(data),
        tuple(text.column_names),
        Validated(rows, rejected, validated.repeated_headers),
    )


def no_rows(table: str) -> Iterator[Any]:
    """The table's raw rows and quarantine as a header-only file reads, without its day marker."""
    header = ",".join(DAILY_TABLES[table].names).encode() + b"\n"
    empty = read_landing_file("", table, date.min, header).validated
    yield empty.rows
    yield no_quarantined_rows(empty.rejected.schema, table)


def daily_table(
    bucket_url: str,
    table: str,
    days: Container[date] | None,
    credentials: AwsCredentials | None,
    report: LandingReport,
) -> DltResource:
    """A resource that loads `<table>/<day>.csv` files into `raw.<table>`: all, or `days`."""
    schema = DAILY_TABLES[table]

    glob = f"{table}/*.csv"
    # Only a bucket takes credentials: an explicit None stops dlt configuring a local folder.
    if credentials is None:
        files = filesystem(bucket_url=bucket_url, file_glob=glob)
    else:
        files = filesystem(bucket_url=bucket_url, credentials=credentials, file_glob=glob)

    # A resource that walks dlt's file listing itself, not a transformer piped from it: a
    # transformer is never called when no file matches, and could not create the tables then.
    def read_files() -> Iterator[Any]:
        read_any = False
        for file in files:
            path = file["relative_path"]
            try:
                day = landing_date(file["file_name"])
            except LandingFileError as error:
                # No day's file, so no partition's: the days named right load without it.
                report.add(table, FileReport(path, Outcome.SKIPPED, f"Skipped {path}: {error}"))
                continue
            if days is not None and day not in days:
                continue
            with file.open() as stream:
                landing_file = read_landing_file(path, table, day, stream.read())
            outcome = landing_file.report(schema, report.landed.get(table, {}).get(day, 0))
            report.add(table, outcome)
            validated = landing_file.validated
            if outcome.outcome is Outcome.LOADED:
                yield validated.rows
            elif outcome.outcome is Outcome.EMPTIED:
                yield day_marker(validated.rows.schema, day, path)
            if outcome.outcome is not Outcome.SKIPPED:
                yield quarantine_item(validated.rejected, table, day, path)
                read_any = True
        if not read_any:
            # A table no file of these days reached (one just declared, say) still gets its
            # raw table and quarantine, with no rows: the checks and models downstream then
            # read "no rows" where they would fail on a missing table. Deletes nothing.
            yield from no_rows(table)

    return dlt.resource(read_files, name=table).apply_hints(
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key="_landing_date",
        columns={
            # The shop writes local times without a zone; keep them naive rather than let dlt
            # declare them UTC, which would shift days in a session with another time zone.
            **{f.name: {"timezone": False} for f in schema if pa.types.is_timestamp(f.type)},
            # Declared up front, so the column is there (always null) from the first load on,
            # and never appears as a schema change when a header-only file first arrives.
            DAY_MARKER: {"data_type": "bool", "nullable": True, "hard_delete": True},
        },
    )


@dlt.source(name="landing_zone", schema_contract=contracts.LANDING_ZONE)
def landing_zone(
    bucket_url: str,
    days: Container[date] | None = None,
    credentials: AwsCredentials | None = None,
    report: LandingReport | None = None,
) -> list[DltResource]:
    """Every table of `landing_zone.tables`, delivered as one CSV file per day; `days` picks which.

    `credentials` reach a bucket (the endpoint, for S3-compatible stores); the keys themselves
    come from boto3's chain (environment, profile, role), which dlt falls back to. `report`, if
    given, is filled in with what the load made of each file (the warnings are logged anyway).
    """
    report = LandingReport() if report is None else report
    return [daily_table(bucket_url, table, days, credentials, report) for table in DAILY_TABLES]
