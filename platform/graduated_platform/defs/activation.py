"""Activation: the customer segments sent to the shop's marketing system, downstream of the marts.

One asset, `activation/marketing_contacts`: the contacts the marketing system holds. It reads the
dbt model `customer_segments`, and sends only what changed since the last sync, in batches,
through a dlt custom destination (activation/sync.py); what was sent is the warehouse table
`activation.marketing_contacts`. It runs in the same runs as the models it reads, after them,
or, with the automation sensor on, after each update of the segments: when a blocking check
upstream fails, Dagster skips this step (or automation waits), so a bad day never reaches the
marketing system. Its retry policy is declared in retry_policies.py.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dlt
from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    DagsterExecutionInterruptedError,
    Definitions,
    Failure,
    MaterializeResult,
    MetadataValue,
    RetryRequested,
    asset,
)
from dagster_dbt import get_asset_key_for_model
from dlt.destinations.sql_client import SqlClientBase

from activation.changes import SEGMENT_COLUMNS, Contact, contact_properties
from activation.marketing_client import RejectedRequest, TransientServiceError
from activation.sent_state import DATASET, TABLE, SentState
from activation.sync import sync_contacts
from graduated_platform import settings
from graduated_platform.automation import ON_UPSTREAM_UPDATE
from graduated_platform.defs.dbt import MANIFEST, jaffle_shop_models
from graduated_platform.marketing_resource import MarketingService
from graduated_platform.retry_policies import (
    ACTIVATION,
    ACTIVATION_DESCRIBED,
    ACTIVATION_LONGEST_RETRY_AFTER_SECONDS,
)
from graduated_platform.warehouse import Warehouse

ACTIVATION_GROUP = "activation"
SEGMENTS_MODEL = "customer_segments"
SEGMENTS_KEY = get_asset_key_for_model([jaffle_shop_models], SEGMENTS_MODEL)
SEGMENTS_RELATION = MANIFEST["nodes"][f"model.jaffle_shop.{SEGMENTS_MODEL}"]["relation_name"]


def segment_members(warehouse: Warehouse) -> list[Contact]:
    """Every row of the segments model, as the contact it should be."""
    columns, rows = warehouse.query_with_columns(
        f"select {', '.join(SEGMENT_COLUMNS)} from {SEGMENTS_RELATION}"
    )
    records = [dict(zip((c.lower() for c in columns), row, strict=True)) for row in rows]
    return [Contact.of(str(r["customer_id"]), contact_properties(r)) for r in records]


@contextmanager
def sent_state(warehouse: Warehouse) -> Iterator[SentState]:
    """The table of what was sent, through dlt's SQL client for the warehouse: DuckDB's or
    Snowflake's, whichever the warehouse resource is."""
    pipeline = dlt.pipeline(
        pipeline_name="marketing_sync_state",
        pipelines_dir=str(settings.DLT_PIPELINES_DIR),
        destination=warehouse.dlt_destination(),
        dataset_name=DATASET,
    )
    client: SqlClientBase[Any]
    with pipeline.sql_client() as client:
        yield SentState(client)


def retry_after_failure(context: AssetExecutionContext, error: TransientServiceError) -> Exception:
    """What to raise for a failure that may pass: a retry after the service's Retry-After, or,
    without one, the error itself, which the asset's retry policy backs off from."""
    attempt = f"attempt {context.retry_number + 1} of {ACTIVATION.max_retries + 1}"
    wait = error.retry_after
    if wait is not None and wait <= ACTIVATION_LONGEST_RETRY_AFTER_SECONDS:
        context.log.warning(f"{error} ({attempt}); retrying after its Retry-After, {wait:g} s")
        retry = RetryRequested(max_retries=ACTIVATION.max_retries, seconds_to_wait=wait)
        retry.__cause__ = error
        return retry
    context.log.warning(f"{error} ({attempt}); retrying with the activation retry policy")
    return error


@asset(
    key=AssetKey([ACTIVATION_GROUP, "marketing_contacts"]),
    deps=[SEGMENTS_KEY],
    group_name=ACTIVATION_GROUP,
    kinds={"dlt", "api"},
    # It writes what it sent to the warehouse, so it queues for the warehouse like every writer.
    pool=settings.ACTIVATION_POOL,
    retry_policy=ACTIVATION,
    metadata=ACTIVATION_DESCRIBED,
    # With the automation sensor on, a sync follows each update of the segments that passed its
    # blocking checks (README, "What moves each asset").
    automation_condition=ON_UPSTREAM_UPDATE,
    # Unpartitioned; a single-run policy lets a partition range that includes it run as one run.
    backfill_policy=BackfillPolicy.single_run(),
    description=(
        "The customer segments as contacts in the shop's marketing system: only what changed "
        "since the last sync, in batches. What was sent: activation.marketing_contacts."
    ),
)
def marketing_contacts(
    context: AssetExecutionContext, marketing: MarketingService, warehouse: Warehouse
) -> MaterializeResult:
    warehouse.retry_later_if_locked()
    members = segment_members(warehouse)
    try:
        with sent_state(warehouse) as state, marketing.client() as client:
            report = sync_contacts(
                members, client, state, context.run_id, settings.DLT_PIPELINES_DIR
            )
    except TransientServiceError as error:
        raise retry_after_failure(context, error) from error
    except RejectedRequest as error:
        raise Failure(
            description=(
                f"The marketing service refused a batch, so the sync stopped: {error}. Sending "
                "it again would be refused again; the batches before it are recorded as sent."
            ),
            allow_retries=False,
        ) from error
    except (KeyboardInterrupt, DagsterExecutionInterruptedError) as interrupt:
        # Dagster would turn an interrupt in a step with a retry policy into a retry
        # (step_failures.py): a stopped run stays stopped.
        raise Failure(
            "The step was interrupted (Ctrl-C, kill or terminate), so it is not retried.",
            allow_retries=False,
        ) from interrupt
    except Exception as error:
        # Neither the service's answer nor its silence: the same error would come again.
        raise Failure(
            f"The sync to the marketing system failed: {error}", allow_retries=False
        ) from error
    context.log.info(
        f"{report.inserted} inserted, {report.updated} updated, {report.deleted} deleted, "
        f"{report.unchanged} unchanged, in {report.batches} batches "
        f"(retries: {context.retry_number})"
    )
    return MaterializeResult(
        metadata={
            "contacts_inserted": MetadataValue.int(report.inserted),
            "contacts_updated": MetadataValue.int(report.updated),
            "contacts_deleted": MetadataValue.int(report.deleted),
            "contacts_unchanged": MetadataValue.int(report.unchanged),
            "segment_members": MetadataValue.int(len(members)),
            "batches": MetadataValue.int(report.batches),
            "retries": MetadataValue.int(context.retry_number),
            "requests_this_attempt": MetadataValue.int(report.requests),
            "rate_limit_waits": MetadataValue.int(report.rate_limit_waits),
            "resumed_interrupted_sync": MetadataValue.bool(report.resumed_interrupted_sync),
            "sent_state_table": MetadataValue.text(f"{DATASET}.{TABLE}"),
            "marketing_api": MetadataValue.url(marketing.url),
        }
    )


defs = Definitions(assets=[marketing_contacts])
