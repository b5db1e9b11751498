"""Schema changes on the raw tables: a column appeared, disappeared or changed type.

dlt's schema contracts (ingestion/contracts.py) decide which changes may land at all; the ones
they let through (a new column in the landing zone's files or the shop's database) land without
an error. This check makes them visible: it compares the column schema that dagster-dlt records
on each materialization (`dagster/column_schema`) with the one before, using Dagster's own
`build_column_schema_change_checks`. It warns and does not block: an added column changes no
model (staging selects its columns by name), but someone should decide whether to use it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from dagster import (
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetsDefinition,
    BetaWarning,
    build_column_schema_change_checks,
)


def schema_change_checks(assets: Sequence[AssetsDefinition]) -> Sequence[AssetChecksDefinition]:
    """A `column_schema_change` check on every asset of `assets`."""
    # Dagster marks this factory beta, which warns on every load of the code location. Dagster
    # is pinned to 1.13.* (pyproject.toml), and tests/test_quality.py runs the check for real.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)
        return build_column_schema_change_checks(assets=assets, severity=AssetCheckSeverity.WARN)
