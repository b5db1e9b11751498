"""Exercise 6 is done when the code location has a blocking Python asset check of the
attendee's own, it has failed on a bad day in a run that then built nothing downstream of the
checked asset, and it has passed since (the good day delivered again)."""

from __future__ import annotations

from workshop.platform_state import STARTING_PYTHON_CHECKS, PlatformState, require


def own_checks(platform: PlatformState) -> list[tuple[str, str, bool]]:
    """(asset, check name, blocking) of the checks that are neither dbt tests nor the platform's."""
    dbt_tests = {
        node["name"]
        for node in platform.manifest["nodes"].values()
        if node["resource_type"] == "test"
    }
    return sorted(
        (key.asset_key.to_user_string(), key.name, platform.graph.get_check_spec(key).blocking)
        for key in platform.graph.asset_check_keys
        if key.name not in dbt_tests and key.name not in STARTING_PYTHON_CHECKS
    )


def descendants(platform: PlatformState, user_string: str) -> set[str]:
    seen, todo = set(), [platform.asset_key(user_string)]
    while todo:
        for child in platform.graph.get(todo.pop()).child_keys:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return {key.to_user_string() for key in seen}


def check(platform: PlatformState) -> None:
    from dagster._core.storage.asset_check_execution_record import (
        AssetCheckExecutionRecordStatus as Status,
    )

    checks = own_checks(platform)
    require(
        checks,
        "there is no Python asset check of your own yet: write one in "
        "platform/graduated_platform/checks/ (an @asset_check on raw/orders, say), add it to "
        "the list in platform/graduated_platform/defs/checks.py, and press Reload definitions.",
    )
    blocking = [(asset, name) for asset, name, is_blocking in checks if is_blocking]
    require(
        blocking,
        f"{checks[0][1]} on {checks[0][0]} is not blocking: give its decorator blocking=True, "
        "so that a failure stops what is downstream, and reload.",
    )
    asset, name = blocking[0]
    executions = platform.check_executions(asset, name, limit=50)
    failed = [e for e in executions if e.status == Status.FAILED]
    require(
        failed,
        f"{name} has not failed yet: deliver a bad day it catches (`make bad-day "
        "DEFECTS=duplicate-ids` for repeated order ids) and, with the sensor on, watch its run "
        "(or materialize the day yourself).",
    )
    downstream = descendants(platform, asset)
    built = downstream & platform.materialized_in_run(failed[0].run_id)
    require(
        not built,
        f"{name} failed in run {failed[0].run_id[:8]}, but that run still built "
        f"{', '.join(sorted(built))}: is it blocking (blocking=True) and did the run select it?",
    )
    newest_failure = max(e.create_timestamp for e in failed)
    passed_since = [
        e
        for e in executions
        if e.status == Status.SUCCEEDED and e.create_timestamp > newest_failure
    ]
    require(
        passed_since,
        f"{name} stopped the bad day; now deliver the good day again (`make deliver DAY=...`, "
        "the day `make bad-day` printed) and see it pass and the day reach the marts.",
    )
