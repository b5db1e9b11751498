"""The dbt resource skips dagster-dbt's version probe and in-process adapter, and a run's dbt
parse result is kept for the next run (platform/graduated_platform/dbt_resource.py).

The first test guards the two private members the resource overrides: if a dagster-dbt upgrade
renames them or stops using them, it fails here with what to do, instead of the platform
silently paying the start-up costs again.
"""

from __future__ import annotations

import inspect
import json
import re
import shutil
import subprocess
from functools import cached_property
from pathlib import Path

import pytest
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.core import resource as dagster_dbt_resource

from graduated_platform.dbt_manifest import DBT_EXECUTABLE, DBT_PROJECT, dbt_cli
from graduated_platform.dbt_resource import keep_partial_parse

UPGRADE_HINT = (
    "dagster-dbt changed the private members platform/graduated_platform/dbt_resource.py "
    "overrides: read DbtCliResource.cli in the installed version, then update or remove DbtCli."
)


def test_dagster_dbt_still_has_the_members_the_resource_overrides():
    assert isinstance(inspect.getattr_static(DbtCliResource, "_cli_version"), cached_property), (
        UPGRADE_HINT
    )
    cli_source = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in cli_source, UPGRADE_HINT
    assert "self._initialize_dbt_core_adapter(" in cli_source, UPGRADE_HINT


def test_the_version_given_is_the_one_dbt_prints():
    printed = subprocess.run(
        [DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True
    ).stdout
    core = re.search(r"installed:\s*(\d+\.\d+\.\d+)", printed)
    assert core is not None, printed
    assert str(dbt_cli()._cli_version) == core.group(1)


def dbt_events(invocation) -> list[str]:
    return [event.raw_event["info"]["name"] for event in invocation.stream_raw_events()]


def files_parsed(invocation) -> int:
    """How many of the project's files dbt parsed (0: it reused its partial-parse file)."""
    dbt_events(invocation)
    perf_info = json.loads((invocation.target_path / "perf_info.json").read_text())
    return perf_info["parsed_path_count"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DbtProject:
    """A copy of the dbt project whose manifest was prepared for one warehouse path."""
    project_dir = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT.project_dir, project_dir, ignore=shutil.ignore_patterns("target"))
    copy = DbtProject(project_dir=project_dir, target=DBT_PROJECT.target)
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "prepared_with.duckdb"))
    dbt_cli(copy).cli(["parse", "--quiet"], target_path=copy.target_path).wait()
    assert (project_dir / "target" / "partial_parse.msgpack").exists()
    return copy


def test_a_run_probes_no_version_and_builds_no_adapter(project, monkeypatch):
    def no_probe(*args, **kwargs):
        raise AssertionError(f"dagster-dbt started {args[0]}. {UPGRADE_HINT}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_probe)
    invocation = dbt_cli(project).cli(["parse"])
    dbt_events(invocation)
    assert invocation.adapter is None, UPGRADE_HINT
    assert invocation.is_successful()


def test_after_one_run_on_another_warehouse_the_next_parses_only_what_changed(
    project, tmp_path, monkeypatch
):
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "runs_on.duckdb"))
    resource = dbt_cli(project)
    first = resource.cli(["parse"])
    assert files_parsed(first) > 0  # the profile changed since the manifest: a full parse
    keep_partial_parse(first, project)

    assert files_parsed(resource.cli(["parse"])) == 0
