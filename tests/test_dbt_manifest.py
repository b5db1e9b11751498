"""Loading the code location reads a prepared manifest; it never runs dbt."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dagster_dbt import DbtProject

from graduated_platform.dbt_manifest import DBT_PROJECT, MissingManifestError, require_manifest
from tests.conftest import REPO_ROOT

# Records every subprocess started while the definitions load, as `dagster dev` loads them.
PROBE = """
import subprocess, sys
started = []
real_popen_init = subprocess.Popen.__init__
def recording_init(self, args, *rest, **kwargs):
    started.append(args)
    real_popen_init(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = recording_init
from graduated_platform.definitions import defs
defs.resolve_asset_graph()
print(repr(started))
"""


@pytest.mark.slow
def test_loading_the_definitions_starts_no_dbt_process(platform):
    env = {**platform.env, "DAGSTER_IS_DEV_CLI": "1"}  # what `dagster dev` sets
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    started = result.stdout.strip().splitlines()[-1]
    assert "dbt" not in started, started


def test_a_missing_manifest_names_the_command_that_prepares_it(tmp_path: Path):
    project_dir = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT.project_dir, project_dir, ignore=shutil.ignore_patterns("target"))
    with pytest.raises(MissingManifestError, match="make dbt-manifest"):
        require_manifest(DbtProject(project_dir=project_dir))


def test_the_prepared_manifest_is_the_one_the_definitions_use():
    require_manifest()
    assert DBT_PROJECT.manifest_path == REPO_ROOT / "dbt_project" / "target" / "manifest.json"
