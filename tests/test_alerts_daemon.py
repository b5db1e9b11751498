"""End to end: a bad day's run fails its blocking checks, and the real daemon sends one alert
for it, also after the daemon is restarted.

The alert sensor is on by default, so the daemon evaluates it without being told. The run loads a
good day and the bad one `make bad-day` delivers (every item lacks its `sku`, so
`quarantined_rows` blocks raw/items), started with `dg launch` as a user would. The alert goes
to the local channel, the file `$PLATFORM_DATA_DIR/alerts.log`; a token-shaped secret is in the
daemon's environment and must appear nowhere in it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from dagster import DagsterInstance

from landing_zone.storage import FolderStorage
from simulator.bad_day import deliver_bad_day
from tests.conftest import REPO_ROOT, Platform, launch_command

pytestmark = pytest.mark.slow

SENSOR = "alert_on_run_failure"
# A good day, then a bad one, in one run: the bad day's items all go to the quarantine.
FIRST_DAY, DAY = "2018-09-01", "2018-09-02"
FAKE_TOKEN = "xoxb-000000000000-daemon-test-do-not-leak"


def start_daemon(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("a") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster-daemon")), "run",
             "-m", "graduated_platform.definitions"],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def stop(daemon: subprocess.Popen[bytes]) -> None:
    os.killpg(daemon.pid, signal.SIGTERM)
    try:
        daemon.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.wait()


def last_tick(instance: DagsterInstance) -> float:
    """When the daemon last evaluated the alert sensor (0 before its first tick)."""
    for state in instance.all_instigator_state():
        if state.instigator_name == SENSOR and state.instigator_data is not None:
            return getattr(state.instigator_data, "last_tick_timestamp", None) or 0.0
    return 0.0


def wait_until(condition, what: str, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what} within {timeout} s; daemon log:\n{log.read_text()[-5000:]}"
            )
        time.sleep(1)


def alerts(platform: Platform) -> list[dict]:
    path = platform.data_dir / "alerts.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_failed_blocking_check_is_alerted_once_across_a_daemon_restart(
    platform: Platform, tmp_path: Path
):
    platform.generate(FIRST_DAY, DAY)
    deliver_bad_day(FolderStorage(platform.landing), date.fromisoformat(DAY), ["missing-column"])
    env = {**platform.env, "SLACK_BOT_TOKEN": FAKE_TOKEN}
    instance = DagsterInstance.from_config(str(platform.dagster_home))
    log = tmp_path / "daemon.log"

    daemon = start_daemon(env, log)
    try:
        # The sensor's first tick sets its cursor at "now": runs that failed before it are old news.
        wait_until(lambda: last_tick(instance) > 0, "the alert sensor's first tick", log)
        run = subprocess.run(
            launch_command("tag:daily and kind:dlt", f"{FIRST_DAY}...{DAY}"),
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert run.returncode != 0, run.stdout[-3000:]
        [failed] = instance.get_runs(limit=1)
        wait_until(lambda: len(alerts(platform)) >= 1, "an alert", log)

        stop(daemon)
        restarted = time.time()
        daemon = start_daemon(env, log)
        # Two ticks after the restart: a cursor lost or not stored would have sent it again.
        wait_until(lambda: last_tick(instance) > restarted, "a tick after the restart", log)
        first_after_restart = last_tick(instance)
        wait_until(lambda: last_tick(instance) > first_after_restart, "a second tick", log)
    finally:
        stop(daemon)

    [alert] = alerts(platform)
    assert alert["run_id"] == failed.run_id
    assert alert["url"] == f"http://127.0.0.1:3000/runs/{failed.run_id}"
    assert alert["days"] == f"{FIRST_DAY}...{DAY}"
    assert any(check.startswith("raw/items quarantined_rows: ") for check in alert["checks"])
    assert any("quarantined_rows" in step for step in alert["steps"])
    assert "blocking asset check failed" in alert["error"]
    assert FAKE_TOKEN not in (platform.data_dir / "alerts.log").read_text()
