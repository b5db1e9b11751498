"""What an alert says, whatever channel carries it: which run failed, where, and why, in short.

One failed run is one alert: the run (its id, job, days and a link to it in the UI), the steps
that failed, the checks that failed with ERROR severity (a failed blocking check fails its step,
and so its run: the alert names the check, and no second alert follows), and the first line of
the error. Secrets never reach it: any value of a variable in `settings.SECRET_VARIABLES` that an
error message happens to quote is masked before the alert is built.

Built from the run's own events (`from_events`), so it can be tested on a real run executed in
process, without a daemon. defs/alerts.py sends it: a JSON line to a file, or a Slack message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from dagster import AssetCheckEvaluation, AssetCheckSeverity, DagsterEvent, DagsterRun
from dagster._utils.error import SerializableErrorInfo

# Dagster's wrappers around what the step raised: the error worth reading is inside them.
WRAPPERS = frozenset(
    {
        "DagsterExecutionStepExecutionError",
        "DagsterUserCodeExecutionError",
        "RetryRequestedFromPolicy",
        "RetryRequested",
    }
)
# Errors whose class name adds nothing to their message ("Failure: ..." says no more).
UNNAMED = frozenset({"Failure", "DagsterAssetCheckFailedError"})
# The UI's tags for a run's days: one partition, or a range run as one (single-run backfill).
PARTITION_TAG = "dagster/partition"
RANGE_TAGS = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")
# An error line longer than this is cut: an alert is read at a glance.
MAX_ERROR_CHARS = 300
MASK = "***"


@dataclass(frozen=True)
class Alert:
    """One failed run, as every channel shows it."""

    run_id: str
    job: str
    days: str | None
    url: str
    steps: tuple[str, ...]
    checks: tuple[str, ...]
    error: str
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def text(self) -> str:
        """Readable lines, for Slack and for people."""
        days = f", {self.days}" if self.days else ""
        lines = [f"Run failed: {self.job}{days}, run {self.run_id}", self.url]
        if self.steps:
            lines.append(f"Failed step: {', '.join(self.steps)}")
        if self.checks:
            lines.append(f"Failed check: {', '.join(self.checks)}")
        lines.append(f"Error: {self.error}")
        return "\n".join(lines)

    def json_line(self) -> str:
        """One line of JSON, for the alerts file."""
        return json.dumps(asdict(self), ensure_ascii=False)


def first_line(error: SerializableErrorInfo | None) -> str | None:
    """The first line of what the step raised, without Dagster's wrappers or module paths."""
    if error is None:
        return None
    while error.cls_name in WRAPPERS and error.cause is not None:
        error = error.cause
    lines = [line.strip() for line in error.message.splitlines() if line.strip()]
    line = lines[0] if lines else (error.cls_name or "unknown error")
    if line.endswith(":") and len(lines) > 1:
        line = f"{line} {lines[1]}"  # "1 blocking asset check failed ...:" names them next
    # Dagster writes "module.path.ClassName: message"; keep the class's short name, if any.
    if error.cls_name and f"{error.cls_name}: " in line:
        message = line.split(f"{error.cls_name}: ", 1)[1]
        line = message if error.cls_name in UNNAMED else f"{error.cls_name}: {message}"
    return line if len(line) <= MAX_ERROR_CHARS else line[: MAX_ERROR_CHARS - 3] + "..."


def run_days(run: DagsterRun) -> str | None:
    if partition := run.tags.get(PARTITION_TAG):
        return partition
    start, end = (run.tags.get(tag) for tag in RANGE_TAGS)
    return f"{start}...{end}" if start and end else None


def failed_checks(evaluations: Iterable[AssetCheckEvaluation]) -> tuple[str, ...]:
    """The checks that failed with ERROR severity (those that stop what is downstream), each with
    the first line of what it said: "raw/items quarantined_rows: 2018-09-02: 100% ..."."""
    named = []
    for evaluation in evaluations:
        if evaluation.passed or evaluation.severity != AssetCheckSeverity.ERROR:
            continue
        name = f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
        said = (evaluation.description or "").strip().splitlines()
        named.append(f"{name}: {said[0][:MAX_ERROR_CHARS]}" if said else name)
    return tuple(dict.fromkeys(named))


def masked(text: str, secrets: Iterable[str]) -> str:
    # Longest first, so a secret that contains another is masked whole.
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def from_events(
    run: DagsterRun,
    run_failure: DagsterEvent,
    step_failures: Sequence[DagsterEvent],
    check_evaluations: Iterable[AssetCheckEvaluation],
    webserver_url: str,
    secrets: Iterable[str] = (),
) -> Alert:
    """The alert for `run`, from its failure event, its step failures and its check results."""
    errors = [first_line(event.step_failure_data.error) for event in step_failures]
    run_error = first_line(getattr(run_failure.event_specific_data, "error", None))
    error = next((e for e in errors if e), None) or run_error or run_failure.message or "failed"
    secrets = list(secrets)

    def safe(text: str) -> str:
        return masked(text, secrets)

    days = run_days(run)
    return Alert(
        run_id=run.run_id,
        job=safe(run.job_name),
        days=safe(days) if days else None,
        url=f"{webserver_url.rstrip('/')}/runs/{run.run_id}",
        steps=tuple(dict.fromkeys(safe(event.step_key or "") for event in step_failures)),
        checks=tuple(safe(check) for check in failed_checks(check_evaluations)),
        error=safe(error),
    )
