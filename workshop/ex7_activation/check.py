"""Exercise 7 is done when a run's sync to the marketing service failed after its retries ran
out, the alert for that run was written and read (answers.toml names the run and its attempts),
and the run was re-executed from failure (only the failed step) with success.

Only the platform's history is read, not what the marketing service holds now: exercise 8 syncs
the production setup's segments to the same service."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workshop.platform_state import PlatformState, require

FOLDER = Path(__file__).parent
ACTIVATION = "activation/marketing_contacts"
# What Dagster tags a re-execution with: its parent, and "from failure" (only what failed).
PARENT_TAG = "dagster/parent_run_id"
FROM_FAILURE_TAG = "dagster/is_resume_retry"


@dataclass(frozen=True)
class FailedSync:
    run_id: str
    attempts: int


def failed_syncs(platform: PlatformState) -> list[FailedSync]:
    """The failed runs, newest first, whose activation step failed after at least one retry."""
    from dagster import DagsterEventType

    step = platform.defs.get_assets_def(platform.asset_key(ACTIVATION)).op.name
    found = []
    for run in platform.runs(succeeded=False, limit=50):
        events = platform.instance.all_logs(
            run.run_id, of_type={DagsterEventType.STEP_FAILURE, DagsterEventType.STEP_UP_FOR_RETRY}
        )
        ours = [e for e in events if e.step_key == step]
        retries = sum(e.dagster_event_type == DagsterEventType.STEP_UP_FOR_RETRY for e in ours)
        if retries and any(e.dagster_event_type == DagsterEventType.STEP_FAILURE for e in ours):
            found.append(FailedSync(run.run_id, attempts=retries + 1))
    return found


def check(platform: PlatformState) -> None:
    failed = failed_syncs(platform)
    require(
        failed,
        f"{ACTIVATION} has not failed at the marketing service yet: deliver a new day and run "
        "it (changes to send), `make marketing-outage REQUESTS=6` (longer than its retries "
        'last), then materialize `key:"marts/customers"+` and watch the activation step retry '
        "and give up.",
    )
    alerts = {alert.get("run_id"): alert for alert in platform.alerts()}
    alerted = [sync for sync in failed if sync.run_id in alerts]
    require(
        alerted,
        f"run {failed[0].run_id[:8]} failed at the activation, but no alert names it: the "
        "daemon's alert_on_run_failure sensor writes them (keep `make up` running, and check "
        "that the sensor is on under Automation), then fail a sync again.",
    )
    answers = platform.answers(FOLDER)
    answered = str(answers.get("alert_run", "")).strip()
    matches = [s for s in alerted if len(answered) >= 8 and s.run_id.startswith(answered)]
    require(
        matches,
        "alert_run in workshop/ex7_activation/answers.toml is not the run of an alert for the "
        "failed sync: read `make alerts` (or data/alerts.log) and copy its run_id (at least its "
        "first 8 characters).",
    )
    sync = matches[0]
    require(
        answers.get("attempts") == sync.attempts,
        f"attempts in answers.toml is not how many times the activation step ran in run "
        f"{sync.run_id[:8]}: open the run, filter its log by the step and count the tries (each "
        "retry says which attempt it was).",
    )
    children = [
        run
        for run in platform.runs(succeeded=True, tags={PARENT_TAG: sync.run_id})
        if ACTIVATION in platform.materialized_in_run(run.run_id)
    ]
    require(
        children,
        f"run {sync.run_id[:8]} has not been re-executed with success: the outage is over once "
        "its requests are used up; open the run, press the arrow beside Re-execute all and "
        "choose From failure.",
    )
    require(
        any(run.tags.get(FROM_FAILURE_TAG) == "true" for run in children),
        f"run {sync.run_id[:8]} was re-executed whole (Re-execute all built the models again): "
        "the point is to run only what failed. Fail a sync again (a new day, the outage, "
        "Materialize) and use the arrow beside Re-execute all > From failure.",
    )
