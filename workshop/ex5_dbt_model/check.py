"""Exercise 5 is done when the dbt project has a model of the attendee's own, with at least one
data test and one unit test in the manifest, and the model has been materialized with its
checks passing and its unit test passing in the same dbt build."""

from __future__ import annotations

import json
from typing import Any

from workshop.ex4_daily_table.check import new_daily_tables
from workshop.platform_state import STARTING_MODELS, PlatformState, require


def own_models(platform: PlatformState) -> list[dict[str, Any]]:
    """Models that are neither the platform's nor a staging model of a new daily table."""
    scaffolded = {f"stg_{table}" for table in new_daily_tables()}
    return [
        node
        for node in platform.manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["name"] not in STARTING_MODELS
        and node["name"] not in scaffolded
    ]


def unit_test_results(platform: PlatformState, unit_test_id: str) -> list[tuple[float, str]]:
    """(when, status) of every dbt invocation whose run_results.json has the unit test."""
    found = []
    for results in (platform.repo_root / "dbt_project" / "target").glob("*/run_results.json"):
        try:
            data = json.loads(results.read_text())
        except (OSError, ValueError):
            continue
        for result in data.get("results", []):
            if result.get("unique_id") == unit_test_id:
                found.append((results.stat().st_mtime, result.get("status", "")))
    return sorted(found)


def check(platform: PlatformState) -> None:
    from dagster._core.storage.asset_check_execution_record import (
        AssetCheckExecutionRecordStatus,
    )

    models_folder = platform.repo_root / "dbt_project" / "models"
    known = {node["original_file_path"] for node in platform.manifest["nodes"].values()}
    unparsed = [
        path.relative_to(platform.repo_root / "dbt_project").as_posix()
        for path in models_folder.rglob("*.sql")
        if path.relative_to(platform.repo_root / "dbt_project").as_posix() not in known
    ]
    require(
        not unparsed,
        f"dbt's manifest does not know {', '.join(unparsed)} yet: run `make dbt-manifest`, "
        "then press Reload definitions in the UI.",
    )
    models = own_models(platform)
    require(
        models,
        "there is no dbt model of your own yet: write dbt_project/models/marts/daily_revenue.sql "
        "(revenue per day from ref('orders')), describe it in models/marts/_marts.yml, and run "
        "`make dbt-manifest`.",
    )
    model = models[0]
    name, unique_id = model["name"], model["unique_id"]
    tests = [
        node
        for node in platform.manifest["nodes"].values()
        if node["resource_type"] == "test" and node.get("attached_node") == unique_id
    ]
    require(
        tests,
        f"{name} has no data test: give its key column `data_tests: [unique, not_null]` in "
        "the folder's YAML, then `make dbt-manifest`.",
    )
    unit_tests = [
        test for test in platform.manifest.get("unit_tests", {}).values() if test["model"] == name
    ]
    require(
        unit_tests,
        f"{name} has no unit test: add a `unit_tests:` entry with `model: {name}`, `given` rows "
        "for its inputs and the rows to `expect`, then `make dbt-manifest`.",
    )
    asset = "/".join(model["fqn"][1:])
    require(
        platform.latest_materialization_run(asset) is not None,
        f"{asset} has not been materialized yet: materialize it in the UI (Reload definitions "
        "first if you do not see it).",
    )
    for test in tests:
        executions = platform.check_executions(asset, test["name"], limit=1)
        require(executions, f"the check {test['name']} on {asset} has not run: materialize it.")
        require(
            executions[0].status == AssetCheckExecutionRecordStatus.SUCCEEDED,
            f"the check {test['name']} on {asset} failed: open the asset's Checks tab, read the "
            "failing rows, fix the model or the test, and materialize it again.",
        )
    results = unit_test_results(platform, unit_tests[0]["unique_id"])
    require(
        results,
        f"the unit test {unit_tests[0]['name']} has not run yet: materialize {asset}; dbt build "
        "runs a model's unit tests before it builds the model.",
    )
    require(
        results[-1][1] == "pass",
        f"the unit test {unit_tests[0]['name']} failed in the last build: read its diff in the "
        "run's log (the dbt step), fix the model or the expected rows, and materialize again.",
    )
