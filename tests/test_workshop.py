"""The workshop (workshop/README.md): every exercise's checker, solution and order, on a fresh copy.

The walk-through does what a trainer does for an attendee who falls behind at every step: on a
fresh copy of the repository with two days of data, for each exercise in order, `make check`
must say "not done" with the exercise's own hint (its START_HINT), `make solve` must apply the
reference solution, and `make check` must then say "done". The last exercise is solved with
`make catch-up`, which first checks every earlier one. The solved platform must then pass the
quick test suite (`pytest -m "not slow"`; the whole suite takes about 32 minutes, see
workshop/TRAINER.md), and the walk-through prints its time for the trainer's page.

The copy shares the repository's environment (a link to .venv), as tests/test_add_a_table.py
does, with PYTHONPATH putting the copy's code first, and has its own marketing service, as
`make up` would start (exercise 7 makes it fail). The quick tests below hold the checkers to
"a hint, never a traceback" on a platform that is not set up at all.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from simulator.marketing_loopback import LoopbackMarketingService
from tests.conftest import REPO_ROOT
from workshop.__main__ import parse_numbers
from workshop.ex4_daily_table.check import new_daily_tables
from workshop.exercises import exercises

EXERCISES = exercises()
STATUS = re.compile(r"^Exercise (\d+) \(.*?\): (done|not done yet)", re.M)


def user_environment(copy: Path) -> dict[str, str]:
    """An attendee's shell in the copy: none of the suite's platform settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PLATFORM_", "DAGSTER_", "DBT_", "PYTEST", "VIRTUAL_ENV"))
        and name not in ("LANDING_ZONE_URL", "PRODUCT_CATALOG_URL", "S3_ENDPOINT_URL")
    }
    # The shared environment's editable install points at the repository: the copy's code first.
    env["PYTHONPATH"] = os.pathsep.join([str(copy / "platform"), str(copy)])
    return env


def working_copy(destination: Path) -> Path:
    """The repository's files as they are now (committed or not, ignored ones left out), with
    links to its environment and tools."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file() and not source.is_symlink():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    for link in (".venv", ".tools"):
        (destination / link).symlink_to(REPO_ROOT / link)
    (destination / "platform" / ".venv").symlink_to("../.venv")
    # The Makefile re-installs the environment when uv.lock or pyproject.toml is newer than it;
    # the copy shares the repository's environment, which must never be re-pointed at the copy.
    for name in ("uv.lock", "pyproject.toml"):
        os.utime(destination / name, (0, 0))
    return destination


class Copy:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = user_environment(root)

    def make(self, *arguments: str, expect: int | None = 0) -> str:
        done = subprocess.run(
            ["make", "--no-print-directory", *arguments],
            cwd=self.root, env=self.env, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        output = done.stdout + done.stderr
        assert "Traceback" not in output, output[-6000:]
        if expect is not None:
            assert done.returncode == expect, f"make {' '.join(arguments)}:\n{output[-6000:]}"
        return output

    def statuses(self, *numbers: int) -> dict[int, tuple[str, str]]:
        """`make check EX="..."`: each exercise's status and what it said."""
        output = self.make("check", f"EX={' '.join(map(str, numbers))}", expect=None)
        said = {}
        for block in re.split(r"(?m)^(?=Exercise \d+ )", output):
            if found := STATUS.match(block):
                said[int(found.group(1))] = (found.group(2), block)
        assert set(said) == set(numbers), output
        return said


@contextmanager
def production_services(copy: Copy) -> Iterator[None]:
    """`make production-services` in the background (exercise 8), without its UI."""
    log = (copy.root / "production-services.log").open("w")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "production-services", "NO_UI=1"],
        cwd=copy.root, env=copy.env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    env_file = copy.root / "data" / "production" / "env"
    try:
        deadline = time.monotonic() + 180
        while not env_file.exists():
            assert process.poll() is None, (copy.root / "production-services.log").read_text()
            assert time.monotonic() < deadline, "make production-services did not start"
            time.sleep(1)
        yield
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
        log.close()


@pytest.mark.slow
def test_each_exercise_starts_unfinished_and_its_solution_finishes_it():
    if new_daily_tables():
        # The code a room starts from is what the walk-through holds to; a tree that already
        # holds the solutions (a trainer's rehearsal, say) starts elsewhere.
        pytest.skip(
            "this working tree holds exercise 4's solution (daily table "
            f"{', '.join(new_daily_tables())}): the walk-through starts from the workshop's "
            "starting state; run it on a checkout without the solutions"
        )
    started, cpu_before = time.monotonic(), children_cpu()
    # Not in pytest's private folder: exercise 8's PostgreSQL runs as its own user when the
    # suite runs as root, and must reach the binaries through the copy's link to .venv.
    with tempfile.TemporaryDirectory(prefix="workshop-walk-through-") as temporary:
        Path(temporary).chmod(0o755)
        copy = Copy(working_copy(Path(temporary)))
        marketing = LoopbackMarketingService(copy.root / "data").start()
        copy.env.update(marketing.env)
        try:
            walk_through(copy, started, cpu_before)
        finally:
            marketing.stop()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def walk_through(copy: Copy, started: float, cpu_before: float) -> None:
    # What `make up` prepares before it starts the UI, on two days of data.
    copy.make("instance", "dbt-manifest", "data", "START=2018-09-01", "END=2018-09-02")
    numbers = list(EXERCISES)
    timings = {}
    said = copy.statuses(numbers[0])
    for number, following in zip(numbers, [*numbers[1:], None], strict=True):
        exercise = EXERCISES[number]
        status, text = said[number]
        assert status == "not done yet", text
        assert exercise.start_hint in text, text
        began = time.monotonic()
        if number == numbers[-1]:
            with production_services(copy):
                # Catching up checks every earlier exercise first: all done, so only this runs.
                solved = copy.make("catch-up", f"EX={number}")
                assert f"Solving exercise {number}:" in solved
                assert solved.count("== Solving exercise") == 1, solved
                # Where the whole room stands, while exercise 8's services still run.
                said = copy.statuses(*numbers)
        else:
            solved = copy.make("solve", f"EX={number}")
            said = copy.statuses(*([number, following] if following else [number]))
        timings[number] = time.monotonic() - began
        assert said[number][0] == "done", said[number][1]

    assert {n: status for n, (status, _) in said.items()} == dict.fromkeys(numbers, "done")
    walked, walked_cpu = time.monotonic() - started, children_cpu() - cpu_before
    print(
        f"\nworkshop walk-through: {walked:.0f} s ({walked_cpu:.0f} s of CPU), of which solving "
        + ", ".join(f"{n}: {t:.0f} s" for n, t in timings.items())
    )

    # The solved platform still passes the quick suite, all of it (the whole suite takes 32
    # minutes).
    quick = subprocess.run(
        ["make", "--no-print-directory", "test-quick"],
        cwd=copy.root, env=copy.env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert quick.returncode == 0, quick.stdout[-8000:] + quick.stderr[-3000:]
    print(
        f"quick suite on the solved platform: {time.monotonic() - started - walked:.0f} s "
        f"({children_cpu() - cpu_before - walked_cpu:.0f} s of CPU)"
    )


def test_a_checker_gives_hints_not_tracebacks_on_a_platform_not_set_up(tmp_path: Path):
    env = {
        **os.environ,
        "PLATFORM_DATA_DIR": str(tmp_path / "data"),
        "DAGSTER_HOME": str(tmp_path / "no_dagster_home"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "workshop", "check"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output, output
    statuses = {int(n): status for n, status in STATUS.findall(output)}
    assert statuses == dict.fromkeys(EXERCISES, "not done yet")
    # The first exercise points at the first thing to do.
    assert "make up" in output.split("Exercise 2")[0], output


def test_exercise_numbers_are_read_as_one_range_or_list():
    assert parse_numbers([], EXERCISES) == list(EXERCISES)
    assert parse_numbers(["3"], EXERCISES) == [3]
    assert parse_numbers(["2-4"], EXERCISES) == [2, 3, 4]
    assert parse_numbers(["1 5"], EXERCISES) == [1, 5]
    with pytest.raises(SystemExit, match="there is no exercise 99"):
        parse_numbers(["99"], EXERCISES)
    with pytest.raises(SystemExit, match="give exercise numbers"):
        parse_numbers(["three"], EXERCISES)


def test_every_exercise_has_a_page_a_checker_and_a_solution():
    assert len(EXERCISES) >= 8 and list(EXERCISES) == list(range(1, len(EXERCISES) + 1))
    index = (REPO_ROOT / "workshop" / "README.md").read_text()
    for number, exercise in EXERCISES.items():
        assert exercise.page.exists(), exercise.folder
        assert (exercise.folder / "check.py").exists() and (exercise.folder / "solve.py").exists()
        assert exercise.title and exercise.start_hint
        # The index links every page.
        assert f"{exercise.folder.name}/README.md" in index, number
