"""Fault drill, runs started from the CLI and the UI: see tests/fault_drill.py.

18 cases; the sensor's 9 are in tests/test_fault_drill_sensor.py, so that `make test`'s two
workers can run the halves side by side.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from tests.fault_drill import CASES, Drill, drill_on_loopback, run_case

pytestmark = pytest.mark.slow

MY_CASES = [case for case in CASES if case[0] in {"cli", "ui"}]


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drill]:
    yield from drill_on_loopback(tmp_path_factory)


@pytest.mark.parametrize(
    "path, step, sig", MY_CASES, ids=[f"{p}-{s}-{g.name}" for p, s, g in MY_CASES]
)
def test_a_killed_run_leaves_the_platform_able_to_run(
    drill: Drill, path: str, step: str, sig: signal.Signals
):
    run_case(drill, path, step, sig)
