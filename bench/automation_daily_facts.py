"""The platform with its daily facts moved by declarative automation instead of the sensor's runs.

A code location for bench/automation.py only: the platform's definitions, with the landing-zone
sensor loading the raw daily tables alone, and every dbt model tagged `daily` given the
platform's automation condition (graduated_platform/automation.py), so the daily facts follow
the raw tables the way the dimensions follow theirs. The platform itself does not do this: the
benchmark measures why (README, "What moves each asset").
"""

from __future__ import annotations

from dagster import AssetSelection, AssetSpec

import graduated_platform.defs.sensors as landing_sensor
from graduated_platform import definitions as platform_location
from graduated_platform.automation import ON_UPSTREAM_UPDATE
from graduated_platform.partitions import DAILY_TAG
from graduated_platform.translators import raw_table_asset_key
from landing_zone.tables import DAILY_TABLES

RAW_DAILY = AssetSelection.assets(*map(raw_table_asset_key, DAILY_TABLES))

# The sensor reads its selection when it ticks: from now on its runs load the raw tables only.
landing_sensor.DELIVERED = RAW_DAILY


def follow_upstream(spec: AssetSpec) -> AssetSpec:
    return spec.replace_attributes(automation_condition=ON_UPSTREAM_UPDATE)


# One Definitions object at module scope: Dagster refuses a module with two.
defs = platform_location.defs.map_resolved_asset_specs(
    func=follow_upstream, selection=AssetSelection.tag(DAILY_TAG, "") - RAW_DAILY
)
