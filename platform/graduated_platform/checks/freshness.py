"""Freshness: how recently each asset people rely on must have been updated.

Dagster evaluates freshness policies itself (its freshness daemon runs under `dg dev` and
in production), shows each asset's state (pass, warn, fail) in the UI and can alert on it; no
check needs scheduling. `FreshnessPolicy.time_window` and `.cron` are the current API: the old
`FreshnessPolicy(maximum_lag_minutes=...)` and the freshness checks built by
`build_last_update_freshness_checks` are superseded.

- The raw daily tables are loaded when the shop's files arrive, once a day: they warn after 24
  hours without a load and fail after 30.
- The marts people read each morning (orders, customers) must have been rebuilt in the 24 hours
  before 08:00 UTC each day.

A policy judges when an asset was last materialized, not which partition: backfilling an old
day makes `raw/orders` look fresh. The volume check and the sensors watch the days themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from dagster import AssetKey, AssetsDefinition, AssetSpec, FreshnessPolicy, map_asset_specs

from graduated_platform.translators import raw_table_asset_key
from landing_zone.tables import DAILY_TABLES

LANDED_DAILY = FreshnessPolicy.time_window(
    fail_window=timedelta(hours=30), warn_window=timedelta(hours=24)
)
READY_EACH_MORNING = FreshnessPolicy.cron(
    deadline_cron="0 8 * * *", lower_bound_delta=timedelta(hours=24), timezone="UTC"
)

FRESHNESS_POLICIES: dict[AssetKey, FreshnessPolicy] = {
    **{raw_table_asset_key(table): LANDED_DAILY for table in DAILY_TABLES},
    AssetKey(["marts", "orders"]): READY_EACH_MORNING,
    AssetKey(["marts", "customers"]): READY_EACH_MORNING,
}


def with_freshness_policy(spec: AssetSpec) -> AssetSpec:
    policy = FRESHNESS_POLICIES.get(spec.key)
    return spec if policy is None else spec.replace_attributes(freshness_policy=policy)


def with_freshness_policies(assets: Iterable[AssetsDefinition]) -> Sequence[AssetsDefinition]:
    """The assets, each with its freshness policy from `FRESHNESS_POLICIES`, if it has one."""
    return map_asset_specs(with_freshness_policy, list(assets))
