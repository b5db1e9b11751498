"""Alerts, in process: real failed runs on an ephemeral instance, the real run-failure sensor,
the file channel, and the Slack channel against a server on loopback that speaks Slack's
`chat.postMessage` over HTTP.

The daemon, its cursor and a restart are in tests/test_alerts_daemon.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import dagster as dg
import pytest
from slack_sdk.errors import SlackApiError

from graduated_platform import settings
from graduated_platform.defs.alerts import FileAlerts, alert_on_run_failure
from graduated_platform.slack_alerts import SlackAlerts
from tests.conftest import REPO_ROOT

# Token-shaped, so a leak would be found by its value.
FAKE_TOKEN = "xoxb-000000000000-alerts-test-do-not-leak"


def failed_run(
    instance: dg.DagsterInstance, definitions: list[Any]
) -> tuple[dg.DagsterRun, dg.DagsterEvent]:
    result = dg.materialize(definitions, instance=instance, raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE]
    run = instance.get_run_by_id(result.run_id)
    assert run is not None
    return run, failure


def send_alert(instance: dg.DagsterInstance, run: dg.DagsterRun, event, alerts) -> None:
    """What the daemon does on a tick that finds this run's failure."""
    context = dg.build_run_status_sensor_context(
        sensor_name=alert_on_run_failure.name,
        dagster_event=event,
        dagster_instance=instance,
        dagster_run=run,
        resources={"alerts": alerts},
    ).for_run_failure()
    alert_on_run_failure(context)


def alert_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@dg.asset
def landing_load() -> None:
    raise ValueError(
        f"landing file orders/2018-09-02.csv is not a UTF-8 CSV file (token {FAKE_TOKEN})\n"
        "Fix or remove the file, then run the load again."
    )


@dg.asset
def orders() -> int:
    return 1


@dg.asset_check(asset=orders, blocking=True)
def volume_anomaly() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="2018-09-02 has 0.1x the median rows")


@dg.asset(deps=[orders])
def downstream() -> int:
    return 2


def test_a_failed_run_is_one_alert_with_its_link_step_and_first_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(settings.SLACK_TOKEN_VARIABLE, FAKE_TOKEN)
    instance = dg.DagsterInstance.ephemeral()
    run, failure = failed_run(instance, [landing_load])
    path = tmp_path / "alerts.log"
    send_alert(instance, run, failure, FileAlerts(path=str(path)))

    [alert] = alert_lines(path)
    assert alert["run_id"] == run.run_id
    assert alert["url"] == f"{settings.WEBSERVER_URL}/runs/{run.run_id}"
    assert alert["steps"] == ["landing_load"] and alert["checks"] == []
    # The first line of what the step raised, not Dagster's wrapper, and not the second line.
    assert alert["error"] == (
        "ValueError: landing file orders/2018-09-02.csv is not a UTF-8 CSV file (token ***)"
    )
    assert FAKE_TOKEN not in path.read_text()


def test_a_failed_blocking_check_is_one_alert_naming_the_check(tmp_path: Path):
    instance = dg.DagsterInstance.ephemeral()
    run, failure = failed_run(instance, [orders, volume_anomaly, downstream])
    path = tmp_path / "alerts.log"
    send_alert(instance, run, failure, FileAlerts(path=str(path)))

    [alert] = alert_lines(path)
    assert alert["run_id"] == run.run_id
    assert alert["checks"] == ["orders volume_anomaly: 2018-09-02 has 0.1x the median rows"]
    assert alert["steps"] == ["orders_volume_anomaly"]
    assert (
        alert["error"]
        == "1 blocking asset check failed with ERROR severity: orders: volume_anomaly"
    )


def test_a_run_the_instance_will_retry_is_not_alerted_yet(tmp_path: Path):
    instance = dg.DagsterInstance.ephemeral()
    run, failure = failed_run(instance, [landing_load])
    retried = run.with_tags({**run.tags, "dagster/will_retry": "true"})
    path = tmp_path / "alerts.log"
    send_alert(instance, retried, failure, FileAlerts(path=str(path)))
    assert not path.exists()


class SlackOnLoopback(BaseHTTPRequestHandler):
    """Slack's Web API, as far as `chat.postMessage` goes: bearer token, form or JSON body,
    `{"ok": true, ...}` or `{"ok": false, "error": ...}` with HTTP 200, as Slack answers."""

    received: list[dict[str, Any]]
    answer_error: str | None = None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            fields = json.loads(body)
        else:
            fields = {key: values[0] for key, values in parse_qs(body).items()}
        self.received.append(
            {"path": self.path, "authorization": self.headers.get("Authorization"), **fields}
        )
        if self.path != "/api/chat.postMessage":
            answer = {"ok": False, "error": "unknown_method"}
        elif self.headers.get("Authorization") != f"Bearer {FAKE_TOKEN}":
            answer = {"ok": False, "error": "invalid_auth"}
        elif self.answer_error:
            answer = {"ok": False, "error": self.answer_error}
        else:
            answer = {"ok": True, "channel": "C0ALERTS", "ts": "1700000000.000100"}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def slack() -> Iterator[tuple[str, type[SlackOnLoopback]]]:
    handler = type("Handler", (SlackOnLoopback,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/", handler
    finally:
        server.shutdown()
        server.server_close()


def test_slack_gets_the_alert_through_chat_post_message(slack, monkeypatch: pytest.MonkeyPatch):
    api_url, handler = slack
    monkeypatch.setenv(settings.SLACK_TOKEN_VARIABLE, FAKE_TOKEN)
    channel = SlackAlerts(
        token=dg.EnvVar(settings.SLACK_TOKEN_VARIABLE), channel="#data-alerts", api_url=api_url
    )
    instance = dg.DagsterInstance.ephemeral()
    run, failure = failed_run(instance, [orders, volume_anomaly, downstream])
    send_alert(instance, run, failure, channel)

    [message] = handler.received
    assert message["path"] == "/api/chat.postMessage"
    assert message["authorization"] == f"Bearer {FAKE_TOKEN}"
    assert message["channel"] == "#data-alerts"
    text = message["text"]
    assert f"run {run.run_id}" in text and f"/runs/{run.run_id}" in text
    assert "Failed check: orders volume_anomaly: 2018-09-02 has 0.1x the median rows" in text
    assert FAKE_TOKEN not in text


def test_a_message_slack_refuses_fails_the_tick_so_it_is_sent_again(
    slack, monkeypatch: pytest.MonkeyPatch
):
    api_url, handler = slack
    handler.answer_error = "channel_not_found"
    monkeypatch.setenv(settings.SLACK_TOKEN_VARIABLE, FAKE_TOKEN)
    channel = SlackAlerts(
        token=dg.EnvVar(settings.SLACK_TOKEN_VARIABLE), channel="#nowhere", api_url=api_url
    )
    instance = dg.DagsterInstance.ephemeral()
    run, failure = failed_run(instance, [landing_load])
    with pytest.raises(SlackApiError, match="channel_not_found"):
        send_alert(instance, run, failure, channel)
    assert len(handler.received) == 1


def test_slack_is_chosen_by_variables_and_a_missing_one_is_named(tmp_path: Path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SLACK_BOT_TOKEN", "SLACK_CHANNEL", "DAGSTER_WEBSERVER_URL")
    }
    result = subprocess.run(
        [sys.executable, "-c", "import graduated_platform.settings"],
        cwd=REPO_ROOT,
        env={**env, "ALERT_CHANNEL": "slack", "SLACK_CHANNEL": "#data-alerts"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert (
        "ALERT_CHANNEL=slack needs 2 environment variable(s) that are not set: "
        "SLACK_BOT_TOKEN, DAGSTER_WEBSERVER_URL" in result.stderr
    )
    chosen = subprocess.run(
        [sys.executable, "-c", "from graduated_platform.defs.alerts import alert_channel as a; "
         "c = a(); print(type(c).__name__, c.channel, c.api_url)"],
        cwd=REPO_ROOT,
        env={**env, "ALERT_CHANNEL": "slack", "SLACK_CHANNEL": "#data-alerts",
             "SLACK_BOT_TOKEN": FAKE_TOKEN, "DAGSTER_WEBSERVER_URL": "https://dagster.example"},
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert chosen.stdout.split() == ["SlackAlerts", "#data-alerts", "https://slack.com/api/"], (
        chosen.stderr[-2000:]
    )
