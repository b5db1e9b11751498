"""Declarative automation: the one condition under which an asset follows its upstream.

`ON_UPSTREAM_UPDATE` is given to every asset that should update because something it reads
updated (dimensions, `customers`, the catalogue's load; README, "What moves each asset"), and
`automation_sensor` evaluates it. Any other asset can take the same condition:
`AssetSpec(..., automation_condition=ON_UPSTREAM_UPDATE)`.

Why not `AutomationCondition.eager()`: eager does not wait for checks, and it never fires for an
unpartitioned asset with a daily-partitioned parent. `customers` reads `marts/orders`, whose
partitions run up to today, most of them never built, and eager's `~any_deps_missing()` sees
those as missing parents. So the condition is eager's, with two changes: a missing parent
counts only when it is unpartitioned (a day nobody delivered is no reason to wait), and every
parent's blocking checks must have passed on what it last built. A day whose blocking checks
failed holds its dependents back until it is fixed: `customers` adds up every day, so it waits
rather than count a day the checks refused. `tests/test_automation.py` holds the platform to
this; the sensor is off until someone turns it on, like every sensor here.
"""

from __future__ import annotations

from dagster import (
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
)

from graduated_platform.partitions import DAILY_TAG

ON_UPSTREAM_UPDATE = (
    # A parent updated (or is requested in this tick), and this asset has not been
    # requested or built since: once per upstream change, however many ticks it waits.
    AutomationCondition.any_deps_updated().since_last_handled()
    & AutomationCondition.all_deps_blocking_checks_passed()
    & ~AutomationCondition.any_deps_missing().ignore(AssetSelection.tag(DAILY_TAG, ""))
    & ~AutomationCondition.any_deps_in_progress()
    & ~AutomationCondition.in_progress()
).with_label("on_upstream_update")

# The run tag each automation run carries, so its runs can be told from the sensor's.
AUTOMATION_RUN_TAG = "graduated_platform/moved_by"

automation_sensor = AutomationConditionSensorDefinition(
    "automation_sensor",
    target=AssetSelection.all(),
    # Off until someone turns it on in the UI: a fresh clone should not start work by itself.
    default_status=DefaultSensorStatus.STOPPED,
    minimum_interval_seconds=30,
    run_tags={AUTOMATION_RUN_TAG: "automation"},
    description=(
        "Updates the assets whose automation condition says so: dimensions, customers and the "
        "catalogue's load, each once its upstream updated and passed its blocking checks."
    ),
)
