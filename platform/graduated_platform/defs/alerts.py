"""Alerts: every failed run, once, to where someone watches.

`alert_on_run_failure` is Dagster's run-failure sensor: the daemon evaluates it every 10 s, and
its cursor (the last run-failure event it handled, stored by the instance after each tick) is
what keeps a daemon restart from sending an alert twice. A failed blocking check fails its step
and so its run, so it is alerted through the run, once, with the check named
(alert_message.py); there is no second sensor for checks. A run that the production instance
will retry (run retries, platform/dagster-production.yaml) is not alerted: its retry is, if it
fails too.

Where the alert goes is `settings.ALERT_CHANNEL`: `file` (the default) appends a JSON line to
`settings.ALERTS_FILE`, which `make alerts` follows; `slack` posts it with dagster-slack
(slack_alerts.py). The sensor is on by default: a workshop watches its alerts, and production
wants them from the first failure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, cast

from dagster import (
    AssetCheckEvaluation,
    ConfigurableResource,
    DagsterEventType,
    DefaultSensorStatus,
    Definitions,
    EnvVar,
    ResourceParam,
    RunFailureSensorContext,
    run_failure_sensor,
)
from dagster._core.storage.tags import WILL_RETRY_TAG

from graduated_platform import alert_message, settings
from graduated_platform.alert_message import Alert


class AlertChannel(Protocol):
    def send(self, alert: Alert) -> None: ...


class FileAlerts(ConfigurableResource):
    """One JSON line per alert, appended to a file (`make alerts` follows it)."""

    path: str

    def send(self, alert: Alert) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as alerts:
            alerts.write(alert.json_line() + "\n")


def alert_channel() -> ConfigurableResource:
    if settings.ALERT_CHANNEL == "slack":
        # Imported here, not at the top: only a Slack setup pays for importing slack_sdk.
        from graduated_platform.slack_alerts import SlackAlerts

        return SlackAlerts(
            token=EnvVar(settings.SLACK_TOKEN_VARIABLE),
            channel=settings.SLACK_CHANNEL,
            api_url=settings.SLACK_API_URL,
        )
    return FileAlerts(path=str(settings.ALERTS_FILE))


def secret_values() -> list[str]:
    """The values of the secret variables, read through Dagster when the alert is built, so an
    alert can mask them (settings.py only holds their names)."""
    return [value for name in settings.SECRET_VARIABLES if (value := EnvVar(name).get_value(None))]


def alert_for(context: RunFailureSensorContext) -> Alert:
    records = context.instance.get_records_for_run(
        run_id=context.dagster_run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    evaluations = [
        cast(AssetCheckEvaluation, record.event_log_entry.dagster_event.event_specific_data)
        for record in records
        if record.event_log_entry.dagster_event is not None
    ]
    return alert_message.from_events(
        run=context.dagster_run,
        run_failure=context.failure_event,
        step_failures=context.get_step_failure_events(),
        check_evaluations=evaluations,
        webserver_url=settings.WEBSERVER_URL,
        secrets=secret_values(),
    )


@run_failure_sensor(
    minimum_interval_seconds=10,
    # Every run on the instance, whatever code location name started it: `dg launch` names the
    # location after platform/dg.toml, `dagster-daemon -m ...` after the module. The platform is
    # one code location; a second one with this sensor would alert each failure twice.
    monitor_all_code_locations=True,
    default_status=DefaultSensorStatus.RUNNING,
    description="Sends one alert per failed run: the run and its link, the failed step or "
    "check, the first line of the error (README, 'Retries and alerts').",
)
def alert_on_run_failure(
    context: RunFailureSensorContext, alerts: ResourceParam[AlertChannel]
) -> None:
    run = context.dagster_run
    if run.tags.get(WILL_RETRY_TAG) == "true":
        context.log.info(f"Run {run.run_id} failed and will be retried: no alert yet.")
        return
    alert = alert_for(context)
    alerts.send(alert)
    context.log.info(f"Alert sent for run {run.run_id} ({settings.ALERT_CHANNEL}).")


defs = Definitions(sensors=[alert_on_run_failure], resources={"alerts": alert_channel()})
