"""A workshop attendee's first hour, done the way they do it: fresh clone, `make up`, the UI.

On a fresh `git clone` of this repository's HEAD, the test runs the README's first command as
written, waits for the UI, and drives it in a real browser (Debian's Chromium, through
Playwright): Lineage, **Materialize all** over the demo's whole range, the landing-zone sensor
turned on, a delivery, a bad day. It checks the marts against figures computed from the raw files,
stops the server with Ctrl-C as a terminal does, checks every process it started has ended, and
starts it again to see the data kept and no setup step redone. Screenshots of each step are saved
under the test's temporary folder; their paths are printed when a step fails.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import REPO_ROOT
from tests.raw_figures import assert_marts_equal_raw_figures

pytestmark = pytest.mark.slow

UI = "http://127.0.0.1:3000"
# Chromium as the probe of this machine runs it: headless, as root, with nothing reaching out.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The first `make up` of a clone installs the environment and writes two months of data.
FIRST_START_TIMEOUT = 900
# What the Runs page shows as a run's status, as an XPath condition.
RUN_STATUSES = " or ".join(
    f"contains(., '{word}')"
    for word in ("Success", "Failure", "Canceled", "Queued", "Starting", "Started")
)
# The commands a second `make up` must not run again: its setup is already done.
SETUP_STEPS = ("uv sync", "simulator.generate", "graduated_platform.dbt_manifest")


def chromium() -> str:
    """Debian's Chromium; `make test` installs it where it can. In CI the journey must run."""
    found = shutil.which("chromium")
    if found:
        return found
    message = (
        "the newcomer journey needs a browser: install Debian's chromium "
        "(`apt-get install chromium`; `make test` does this when run as root)"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def user_environment() -> dict[str, str]:
    """A newcomer's shell: none of the test suite's own settings, no activated environment."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            ("PLATFORM_", "DAGSTER_", "DBT_", "PYTEST", "VIRTUAL_ENV", "MARKETING_")
        )
        and name not in ("LANDING_ZONE_URL", "PRODUCT_CATALOG_URL", "S3_ENDPOINT_URL")
    }
    venvs = (str(REPO_ROOT / ".venv"), str(REPO_ROOT / ".tools"))
    env["PATH"] = os.pathsep.join(
        folder for folder in env.get("PATH", "").split(os.pathsep) if not folder.startswith(venvs)
    )
    return env


class Server:
    """`make up` running in the clone, as started from a terminal (its own process group)."""

    def __init__(self, clone: Path, log: Path) -> None:
        self.log = log
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            ["make", "up"],
            cwd=clone,
            env=user_environment(),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_ready(self, timeout: float) -> float:
        """Seconds until the UI answers with the code location loaded."""
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"`make up` exited ({self.process.returncode}):\n{self.tail()}"
                )
            if code_location_loaded():
                return time.monotonic() - self.started
            time.sleep(1)
        raise AssertionError(f"the UI was not up after {timeout} s:\n{self.tail()}")

    def processes(self) -> list[psutil.Process]:
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def interrupt(self) -> None:
        """Ctrl-C: the terminal sends SIGINT to the foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def tail(self) -> str:
        return self.log.read_text()[-4000:]


def code_location_loaded() -> bool:
    query = b'{"query": "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"}'  # noqa: E501
    request = urllib.request.Request(
        f"{UI}/graphql", data=query, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read().decode()
    except OSError:
        return False
    return '"loadStatus":"LOADED"' in body.replace(" ", "")


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def landing_days(data_dir: Path) -> list[str]:
    return sorted(path.stem for path in (data_dir / "landing" / "orders").glob("*.csv"))


def csv_rows(path: Path) -> int:
    with path.open(newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


@contextmanager
def browser(shots: Path) -> Iterator[tuple[object, list[Path]]]:
    from playwright.sync_api import sync_playwright

    taken: list[Path] = []
    with sync_playwright() as playwright:
        chrome = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = chrome.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(30_000)
        try:
            yield page, taken
        except BaseException:
            failure = shots / f"{len(taken) + 1:02d}-failure.png"
            page.screenshot(path=failure)
            taken.append(failure)
            print("screenshots of the journey:\n" + "\n".join(f"  {path}" for path in taken))
            raise
        finally:
            chrome.close()


def test_a_newcomer_goes_from_a_fresh_clone_to_runs_in_the_ui(tmp_path: Path):
    chromium()
    if port_in_use(3000):
        pytest.fail("port 3000 is taken: stop the Dagster UI that uses it, then run this again")
    clone = tmp_path / "graduated-platform"
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(clone)], check=True)
    shots = tmp_path / "screenshots"
    shots.mkdir()

    server = Server(clone, tmp_path / "make-up-1.log")
    try:
        first_start = server.wait_until_ready(FIRST_START_TIMEOUT)
        days = landing_days(clone / "data")
        assert days, "make up wrote no landing files"
        with browser(shots) as (page, taken):

            def shot(name: str) -> None:
                taken.append(shots / f"{len(taken) + 1:02d}-{name}.png")
                page.screenshot(path=taken[-1])

            # 1. Lineage, with nothing in the way: no first-visit modal.
            page.goto(f"{UI}/asset-groups")
            page.get_by_text("ingestion", exact=True).first.wait_for()
            assert page.get_by_text("Join the Dagster community").count() == 0
            shot("lineage")

            # 2. Materialize all, over every day the demo delivered, as one backfill.
            page.get_by_role("button", name="Materialize all").first.click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_text("Show all partitions").click()
            partitions = dialog.locator("input").first
            partitions.fill(f"[{days[0]}...{days[-1]}]")
            partitions.press("Enter")
            dialog.get_by_text(f"{len(days)} partitions", exact=True).wait_for()
            shot("materialize-all")
            dialog.get_by_role("button", name="Launch backfill").click()
            toast = page.get_by_text(re.compile(r"Created backfill \w+"))
            backfill = re.search(r"Created backfill (\w+)", toast.inner_text())
            assert backfill, toast.inner_text()
            page.goto(f"{UI}/runs/b/{backfill[1]}")
            status = page.get_by_text("Status", exact=True).first.locator("xpath=..")
            status.get_by_text("Succeeded", exact=True).wait_for(timeout=900_000)
            shot("backfill-succeeded")

            # 3. The marts equal what the raw files imply, computed without the pipeline.
            expected = assert_marts_equal_raw_figures(
                clone / "data" / "warehouse.duckdb", clone / "data"
            )
            assert expected.order_count > 0

            # 4. The landing-zone sensor, turned on in the UI, runs a delivery.
            page.goto(f"{UI}/automation")
            page.get_by_role("link", name="landing_zone_sensor").click()
            switch = page.get_by_role("checkbox")
            switch.locator("xpath=..").click()
            assert switch.is_checked()
            shot("sensor-on")
            # Its first tick finds the demo's files, not yet seen by it, and loads them again
            # as one run; wait for it, so that the delivery below is a run of its own.
            wait_for_run(page, "ingest_landing_zone", "Success")
            delivered = run_make(clone, "deliver")
            day = re.search(r"delivered (\d{4}-\d{2}-\d{2})", delivered)
            assert day, delivered
            wait_for_run(page, f"partition: {day[1]}", "Success")
            shot("delivery-run-succeeded")

            # 5. A bad day: its run fails at the blocking checks, which the UI shows failed.
            spoiled = run_make(clone, "bad-day")
            bad_day = re.search(r"delivered a bad day, (\d{4}-\d{2}-\d{2})", spoiled)
            assert bad_day, spoiled
            wait_for_run(page, f"partition: {bad_day[1]}", "Failure")
            shot("bad-day-run-failed")
            items = csv_rows(clone / "data" / "landing" / "items" / f"{bad_day[1]}.csv")
            page.goto(f"{UI}/assets/raw/items?view=checks")
            page.get_by_text("quarantined_rows", exact=True).first.click()
            page.get_by_text("blocking", exact=True).first.wait_for()
            page.get_by_text(f"{items} of {items} rows quarantined", exact=False).first.wait_for()
            shot("blocked-checks")
            for check in ("quarantined_rows", "volume_anomaly"):
                assert check_status(page, check) == "Failed"
            assert check_status(page, "column_schema_change") == "Succeeded"

        # 6. Ctrl-C stops everything `make up` started, within 30 seconds.
        orders_before = orders_in_marts(clone)
        stop_and_check_everything_ended(server)
    finally:
        stop_quietly(server)

    # 7. The first command again: the data is kept, and no setup step runs a second time.
    again = Server(clone, tmp_path / "make-up-2.log")
    try:
        second_start = again.wait_until_ready(FIRST_START_TIMEOUT)
        print(f"make up: UI ready after {first_start:.1f} s, then {second_start:.1f} s")
        redone = [step for step in SETUP_STEPS if step in again.log.read_text()]
        assert not redone, f"the second `make up` ran its setup again: {redone}"
        assert landing_days(clone / "data")[-1] == bad_day[1]
        assert orders_in_marts(clone) == orders_before
        stop_and_check_everything_ended(again)
    finally:
        stop_quietly(again)


def run_make(clone: Path, target: str) -> str:
    done = subprocess.run(
        ["make", target], cwd=clone, env=user_environment(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def wait_for_run(page, tag: str, status: str) -> None:  # type: ignore[no-untyped-def]
    """Wait on the Runs page for the run tagged `tag` to show `status`."""
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        page.goto(f"{UI}/runs")
        # The newest run showing `tag`: the runs list is no table for a screen reader, so the
        # run's row is the nearest element around the tag that also shows a run status.
        found = page.get_by_text(tag).first
        with suppress(PlaywrightTimeout):  # not launched yet, or the list still loading
            found.wait_for(timeout=10_000)
            row = found.locator(f"xpath=ancestor::*[{RUN_STATUSES}][1]")
            if status in row.inner_text():
                return
        time.sleep(5)
    raise AssertionError(f"no run tagged {tag!r} reached {status} within 900 s")


def check_status(page, check: str) -> str:  # type: ignore[no-untyped-def]
    """A check's latest status, as the asset's Checks tab lists it beside its name."""
    entry = page.get_by_text(check, exact=True).first.locator(
        "xpath=ancestor::*[contains(., 'Failed') or contains(., 'Succeeded')][1]"
    )
    return entry.inner_text().split("\n")[-1]


def orders_in_marts(clone: Path) -> int:
    import duckdb

    with duckdb.connect(str(clone / "data" / "warehouse.duckdb"), read_only=True) as db:
        (count,) = db.sql("select count(*) from marts.orders").fetchone()
    return count


def stop_and_check_everything_ended(server: Server) -> None:
    started = server.processes()
    assert len(started) >= 3, "expected make, the webserver and the daemon"
    server.interrupt()
    _, alive = psutil.wait_procs(started, timeout=30)
    assert not alive, "still running 30 s after Ctrl-C: " + ", ".join(
        f"{p.pid} {' '.join(p.cmdline()[:4])}" for p in alive if p.is_running()
    )


def stop_quietly(server: Server) -> None:
    """Whatever happened above, leave nothing running."""
    with suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait()
