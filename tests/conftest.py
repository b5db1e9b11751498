"""Shared fixtures: a throwaway platform (data folder, warehouse, DAGSTER_HOME) per test.

The platform reads every path from `PLATFORM_DATA_DIR` (see graduated_platform/settings.py), so
each test points a real `dagster` process at its own temporary folder and nothing touches the
repository's `data/`. The test process itself is pointed at a temporary folder before any
platform module is imported, for the tests that load the definitions in-process.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from simulator.marketing_loopback import LoopbackMarketingService

# Each test process (each worker of `pytest -n`) has its own: two workers sharing one warehouse
# file would wait on each other's DuckDB lock.
os.environ["PLATFORM_DATA_DIR"] = tempfile.mkdtemp(prefix="platform-tests-")
# The suite runs the local setup even from a shell configured for production; the production
# tests give each process they start its production environment (tests/production_env.py).
for variable in (
    "PLATFORM_ENV",
    "LANDING_ZONE_URL",
    "S3_ENDPOINT_URL",
    "PRODUCT_CATALOG_URL",
    "DBT_TARGET_PATH",
    "MARKETING_API_URL",
    "MARKETING_API_TOKEN",
):
    os.environ.pop(variable, None)

# A shell starts a background job with SIGINT ignored, and every process started from it inherits
# that: Ctrl-C would reach none of the processes the tests start (CI may run the suite so). A
# handler, unlike an ignored signal, is not inherited: the tests' processes get the default, as a
# command typed at a terminal has.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

REPO_ROOT = Path(__file__).resolve().parents[1]
DAGSTER = str(Path(sys.executable).with_name("dagster"))
DG = str(Path(sys.executable).with_name("dg"))
# The dg project (platform/dg.toml); the repository root is its workspace.
PROJECT = REPO_ROOT / "platform"


def launch_command(select: str, days: str) -> list[str]:
    """`dg launch` of `select` for one day (`2018-09-01`) or a range (`2018-09-01...2018-09-03`),
    which runs as one run, in this process: what a user types to materialize from a terminal."""
    partition = ["--partition-range" if "..." in days else "--partition", days]
    return [DG, "launch", "--target-path", str(PROJECT), "--assets", select, *partition]


@dataclass
class Platform:
    """A platform instance on disk: its data folder, its Dagster home, and how to run it."""

    data_dir: Path
    dagster_home: Path

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def landing(self) -> Path:
        return self.data_dir / "landing"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PLATFORM_DATA_DIR": str(self.data_dir),
            "DAGSTER_HOME": str(self.dagster_home),
        }

    def generate(self, start: str, end: str) -> None:
        from simulator.generate import generate

        generate(self.data_dir, date.fromisoformat(start), date.fromisoformat(end))

    def start_materialize(self, days: str, select: str = "*") -> subprocess.Popen[str]:
        """Start `dg launch` for one day or a range of days (see `launch_command`)."""
        return subprocess.Popen(
            launch_command(select, days),
            cwd=REPO_ROOT,
            env=self.env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def materialize(self, days: str, select: str = "*") -> str:
        """Run `dg launch` as a user would; return its log, fail with it."""
        process = self.start_materialize(days, select)
        log, _ = process.communicate(timeout=600)
        assert process.returncode == 0, log[-5000:]
        return log

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as db:
            return db.sql(sql).fetchall()


@pytest.fixture(scope="session", autouse=True)
def marketing_service_for_every_platform(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LoopbackMarketingService]:
    """The shop's marketing system, which every platform a test runs syncs its segments to (the
    activation group): one service per session, found through the environment every platform
    process inherits. Started without waiting for it, as nothing reaches it before the marts are
    built. Tests about activation start their own (tests/test_activation.py)."""
    service = LoopbackMarketingService(tmp_path_factory.mktemp("marketing")).start(wait=False)
    os.environ.update(service.env)
    yield service
    service.stop()


@pytest.fixture
def platform(tmp_path: Path) -> Platform:
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPO_ROOT / "platform" / "dagster.yaml", dagster_home / "dagster.yaml")
    return Platform(data_dir=tmp_path / "data", dagster_home=dagster_home)
