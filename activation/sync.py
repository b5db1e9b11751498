"""One sync of the segments to the marketing system: finish what an interrupted sync left, work
out what changed, send it in batches, and say what was sent.

The sending side is a dlt custom destination (`@dlt.destination`): dlt writes the changes to a
load package on disk, calls the destination with one batch at a time, and records each batch it
finished in the package. A sync that fails half-way leaves the package pending; the next attempt
(a retry of the step, or the next run) loads it from the batch that failed. The destination
records every batch the service accepted in the warehouse (sent_state.py) before dlt moves on, so
the changes are worked out afresh against what was really sent: a contact is never sent twice
for the same change, and none is lost.

dlt's own retry of a failed job (5 immediate attempts) is turned off for this pipeline: the
caller decides when to try again, after the service's Retry-After (defs/activation.py).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.destination.exceptions import DestinationTerminalException
from dlt.common.schema import TTableSchema
from dlt.common.typing import TDataItems
from dlt.pipeline.exceptions import PipelineStepFailed

from activation.changes import INSERT, UPDATE, Changes, Contact, plan_changes
from activation.marketing_client import MAX_BATCH, MarketingClient, RejectedRequest, ServiceError
from activation.sent_state import SentState

PIPELINE_NAME = "marketing_sync"
# dlt's loader retries a job that raised up to this many times before it gives up; 1 hands the
# first failure straight back to the caller.
dlt.config[f"{PIPELINE_NAME}.load.raise_on_max_retries"] = 1


class RejectedBatch(DestinationTerminalException):
    """The service refused a batch (a 4xx): dlt fails the job instead of retrying it."""


@dataclass
class SyncReport:
    """What one sync sent: contacts by action, batches, and the requests that took."""

    inserted: int
    updated: int
    deleted: int
    unchanged: int
    batches: int
    requests: int
    rate_limit_waits: int
    resumed_interrupted_sync: bool


def marketing_destination(client: MarketingClient, state: SentState, run_id: str) -> Any:
    """A dlt destination that sends `upserts` and `deletes` rows to `client`, batch by batch,
    and records each accepted batch in `state` under `run_id`."""
    # dlt calls the destination from its loader's worker thread; one batch at a time.
    one_at_a_time = threading.Lock()

    def send(batch: TDataItems, table: TTableSchema) -> None:
        batch_id = uuid.uuid4().hex
        # Parquet load files come as pyarrow RecordBatches of at most MAX_BATCH rows.
        items = batch.to_pylist() if isinstance(batch, pa.RecordBatch) else batch
        with one_at_a_time:
            try:
                if table["name"] == "deletes":
                    keys = [item["customer_id"] for item in items]
                    client.delete(keys)
                    state.record_deletes(keys, run_id, batch_id)
                else:
                    contacts = [
                        (
                            Contact(
                                item["customer_id"],
                                json.loads(item["properties"]),
                                item["properties_hash"],
                            ),
                            item["action"],
                        )
                        for item in items
                    ]
                    client.upsert([{"key": c.key, "properties": c.properties} for c, _ in contacts])
                    state.record_upserts(contacts, run_id, batch_id)
            except RejectedRequest as exc:
                raise RejectedBatch(str(exc)) from exc

    return dlt.destination(
        send,
        name="marketing",
        batch_size=MAX_BATCH,
        loader_file_format="parquet",
        naming_convention="direct",
        # One job at a time, so batches arrive in order and the state's writes never overlap.
        max_parallel_load_jobs=1,
    )()


@dlt.source(name="marketing_changes", max_table_nesting=0)
def changes_source(changes: Changes) -> Iterable[Any]:
    """The changes as Arrow tables: dlt writes them to parquet untouched, where row-wise dicts
    would go through its JSON normaliser (6 of the 8 s a 10,000-contact sync spent in dlt)."""
    upserts = [
        (contact.key, action, json.dumps(contact.properties, sort_keys=True), contact.hash)
        for action, contacts in ((INSERT, changes.inserts), (UPDATE, changes.updates))
        for contact in contacts
    ]
    if upserts:
        columns = ["customer_id", "action", "properties", "properties_hash"]
        table = pa.table(dict(zip(columns, map(list, zip(*upserts, strict=True)), strict=True)))
        yield dlt.resource(table, name="upserts", write_disposition="append")
    if changes.deletes:
        table = pa.table({"customer_id": changes.deletes})
        yield dlt.resource(table, name="deletes", write_disposition="append")


def service_error(exc: BaseException) -> ServiceError | None:
    """The marketing service's error behind a dlt failure, if that is what it was."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ServiceError):
            return current
        pending += [current.__cause__, current.__context__, getattr(current, "exception", None)]
        pending.append(getattr(current, "job_exception", None))
    return None


def sync_contacts(
    members: Iterable[Contact],
    client: MarketingClient,
    state: SentState,
    run_id: str,
    pipelines_dir: Path,
) -> SyncReport:
    """Bring the marketing system in line with `members`; raise the service's error (a
    `ServiceError`) when it refuses or fails, after recording every batch it accepted."""
    members = list(members)
    state.ensure_table()
    pipeline = dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        pipelines_dir=str(pipelines_dir),
        destination=marketing_destination(client, state, run_id),
        dataset_name="marketing",
    )
    resumed = pipeline.has_pending_data
    try:
        if resumed:
            pipeline.load()
        changes = plan_changes(members, state.sent())
        if changes.count:
            pipeline.run(changes_source(changes))
    except PipelineStepFailed as exc:
        error = service_error(exc)
        if isinstance(error, RejectedRequest):
            # The batch would be refused again: drop the package, so the next sync starts from
            # the state (which has every batch sent before this one) and the data as it is then.
            pipeline.abort_packages()
        if error is not None:
            raise error from None
        raise
    counts = state.run_counts(run_id)
    return SyncReport(
        inserted=counts.get(INSERT, 0),
        updated=counts.get(UPDATE, 0),
        deleted=counts.get("delete", 0),
        # Members this run did not have to send: a retry's plan no longer sees what an earlier
        # attempt of the same run sent, so count from the members, not from the last plan.
        unchanged=len(members) - counts.get(INSERT, 0) - counts.get(UPDATE, 0),
        batches=counts["batches"],
        requests=client.requests_sent,
        rate_limit_waits=client.rate_limit_waits,
        resumed_interrupted_sync=resumed,
    )
