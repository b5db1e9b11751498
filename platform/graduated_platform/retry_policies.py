"""Each group's step retry policy, declared once: what may be retried, how often, and why.

- ingestion from a remote source (an S3 bucket, the shop's database server): `REMOTE_INGESTION`,
  transient errors only, exponential backoff with jitter;
- ingestion from a local folder or file: none, a local read has no bad moments to wait out;
- staging and marts (dbt): none, a failing SQL statement or dbt test fails the same way again;
- checks: none, a check that fails on the data fails on the same data again;
- activation: `ACTIVATION`, for a marketing system that answers 429, 5xx or not at all for
  reasons that pass, and says how long to wait (Retry-After). A 429 is waited out inside the
  request (activation/marketing_client.py); on a 5xx or a timeout the step asks Dagster for a
  retry after exactly the Retry-After (`RetryRequested`), so each retry shows in the run with the
  service's answer, and without one the policy's backoff with jitter decides. Any other 4xx is
  the request's own fault and fails at once with the service's message. A retry resumes the
  batches the attempt before did not send (activation/sync.py), so retrying resends nothing.

A step retry re-runs one step inside its run, after a wait; the production instance's run
retries (platform/dagster-production.yaml, `retry_on_asset_or_op_failure: false`) re-run a whole
run only when it failed around the code (a worker crashed, a pod was evicted). The two never
both fire for one failure. README, "Retries and alerts", has the table and the reasons.

The Dagster UI does not show a step's retry policy, so every asset also carries its policy in
words, as the metadata entry `retry_policy` (`described`).
"""

from __future__ import annotations

from dagster import Backoff, Jitter, MetadataValue, RetryPolicy

# Three more tries, about 10, 20 and 40 s after the failure (each +/- up to its own length, so
# that steps failing together do not all come back at the same moment): an outage of a minute
# or so passes unnoticed. botocore's and s3fs's own retries already cover a second's blip; a
# longer outage fails the step, and the run, and sends an alert.
REMOTE_INGESTION = RetryPolicy(
    max_retries=3, delay=10, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS
)

# dbt and the checks get none: a deterministic failure repeated only delays its alert. A dbt step
# that finds DuckDB's file still locked asks for its own retry instead (warehouse.py).
DBT_MODELS: RetryPolicy | None = None
CHECKS: RetryPolicy | None = None

# Five more tries, about 2, 4, 8, 16 and 32 s after the failure when the service gives no
# Retry-After: about a minute of outage.
ACTIVATION = RetryPolicy(
    max_retries=5, delay=2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS
)
# The longest Retry-After the activation waits for within a run; asked to wait longer, the run
# fails and the next one sends what is left.
ACTIVATION_LONGEST_RETRY_AFTER_SECONDS = 300
ACTIVATION_DESCRIBED = {
    "retry_policy": MetadataValue.text(
        "429: waited out inside the request, as Retry-After says; 5xx, timeouts, no connection: "
        f"up to {ACTIVATION.max_retries} step retries, after the service's Retry-After or "
        f"exponential backoff from {ACTIVATION.delay:g} s with jitter; any other 4xx fails at "
        "once with the service's message"
    )
}

WHY_NONE_LOCAL = "none: a local file or folder has no bad moments to wait out"
WHY_NONE_DBT = "none: a failing SQL statement or dbt test fails the same way again"


def ingestion_policy(remote: bool) -> RetryPolicy | None:
    """The policy of a load from a source across the network, or from a local file or folder."""
    return REMOTE_INGESTION if remote else None


def described(policy: RetryPolicy | None, why_none: str) -> dict[str, MetadataValue]:
    """The policy in words, as asset metadata (`retry_policy`), for the UI."""
    if policy is None:
        return {"retry_policy": MetadataValue.text(why_none)}
    backoff = policy.backoff.value.lower() if policy.backoff else "fixed"
    jitter = " with jitter" if policy.jitter else ""
    return {
        "retry_policy": MetadataValue.text(
            f"{policy.max_retries} retries of transient errors, {backoff} backoff from "
            f"{policy.delay:g} s{jitter}; other errors fail at once"
        )
    }
