"""The project as a `dg` user and a reviewer meet it: dg's commands work from the repository
root, and the import contracts hold and catch an import against them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from graduated_platform.definitions import defs
from tests.conftest import DAGSTER, DG, PROJECT, REPO_ROOT

LINT_IMPORTS = str(Path(DG).with_name("lint-imports"))


def run(command: list[str], cwd: Path, dagster_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)


@pytest.mark.slow
def test_dg_check_defs_passes_from_the_repository_root(tmp_path: Path):
    result = run([DG, "check", "defs"], REPO_ROOT, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "All definitions loaded successfully" in result.stdout + result.stderr


@pytest.mark.slow
def test_the_workspace_file_still_loads_for_dagster_commands(tmp_path: Path):
    # deploy/ and older habits use `-w workspace.yaml`; it names the same code location.
    result = run([DAGSTER, "definitions", "validate", "-w", "workspace.yaml"], REPO_ROOT, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "All code locations passed validation" in result.stdout + result.stderr


@pytest.mark.slow
def test_dg_list_defs_lists_every_definition_the_code_location_has(tmp_path: Path):
    result = run([DG, "list", "defs", "--target-path", str(PROJECT), "--json"], REPO_ROOT, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    listed = json.loads(result.stdout)
    repository = defs.get_repository_def()
    graph = repository.asset_graph
    assert {a["asset_key"] for a in listed["assets"]} == {
        key.to_user_string() for key in graph.get_all_asset_keys()
    }
    assert {(c["asset_key"], c["name"]) for c in listed["asset_checks"]} == {
        (key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys
    }
    assert {s["name"] for s in listed["sensors"]} == {s.name for s in repository.sensor_defs}
    assert {s["name"] for s in listed["schedules"]} == {s.name for s in repository.schedule_defs}
    assert {"landing_zone_sensor", "daily_refresh"} <= {
        item["name"] for item in listed["sensors"] + listed["schedules"]
    }


def names(repository, kind: str) -> set[str]:
    members = getattr(repository, kind)
    return {member.name for member in (members() if callable(members) else members)}


def test_the_defs_folder_loads_what_load_from_defs_folder_loads():
    # definitions.py builds the defs/ folder's tree without dg's component catalogue (its
    # docstring says why); what the code location holds must not differ from dg's own loader.
    full = dg.load_from_defs_folder(path_within_project=PROJECT / "graduated_platform")
    ours, theirs = defs.get_repository_def(), full.get_repository_def()
    assert ours.asset_graph.get_all_asset_keys() == theirs.asset_graph.get_all_asset_keys()
    assert ours.asset_graph.asset_check_keys == theirs.asset_graph.asset_check_keys
    for kind in ("sensor_defs", "schedule_defs", "get_all_jobs"):
        assert names(ours, kind) == names(theirs, kind)
    assert set(defs.resources or {}) == set(full.resources or {})
    assert defs.executor is full.executor


def test_the_import_contracts_hold():
    result = subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize(
    ("module", "wrong_import"),
    [
        ("ingestion/shop_db.py", "from graduated_platform import settings"),
        ("sensors/deliveries.py", "import ingestion.landing_zone"),
        ("landing_zone/files.py", "import sensors.deliveries"),
        ("simulator/deliver.py", "from graduated_platform import settings"),
        ("sensors/deliveries.py", "import simulator.shop"),
    ],
)
def test_an_import_against_the_architecture_fails_lint(
    tmp_path: Path, module: str, wrong_import: str
):
    copy = tmp_path / "repo"
    copy.mkdir()
    for name in ("pyproject.toml", "platform", "landing_zone", "ingestion", "sensors", "simulator"):
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, copy / name, ignore=shutil.ignore_patterns(".venv", "__pycache__")
            )
        else:
            shutil.copy(source, copy / name)
    for name in ("bench", "docs", "tests"):
        (copy / name).mkdir()
    target = copy / module
    target.write_text(f"{wrong_import}  # noqa\n{target.read_text()}")
    # The copy's folders come first on the path, so lint-imports reads the copy, not the repo.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(copy / "platform"), str(copy)])}
    result = subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=copy, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert (
        "BROKEN" in result.stdout and module.removesuffix(".py").replace("/", ".") in result.stdout
    )
