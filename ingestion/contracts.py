"""Schema contracts: which changes in a source's shape dlt lets into the raw tables.

dlt checks every load against the schema it has stored for the dataset. A contract says, for
each kind of change (a new table, a new column, a value of another type in a column), whether it
`evolve`s (the change lands) or `freeze`s (the load fails, nothing lands, and the error says
what changed). Each source gets the contract its producer calls for; the reasons are beside
each one below.

New tables evolve everywhere: dlt applies the table contract to the very first load too, and
every raw table is declared by this package's own resources anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dlt.common.schema.exceptions import DataValidationError
from dlt.common.schema.typing import TSchemaContractDict
from dlt.pipeline.exceptions import PipelineStepFailed

# The shop's point-of-sale export, a machine: a new column is additive, so it lands, and the
# `column_schema_change` check warns. A value that does not read as its column's type never
# reaches dlt (the row is quarantined, validation.py); `freeze` keeps the typed columns fixed.
LANDING_ZONE: TSchemaContractDict = {"tables": "evolve", "columns": "evolve", "data_type": "freeze"}

# Another team's operational database: added columns are routine and land. A column whose
# declared type changes breaks whatever reads it, so the load stops for a person to look.
SHOP_DB: TSchemaContractDict = {"tables": "evolve", "columns": "evolve", "data_type": "freeze"}

# A document people edit by hand: a misspelt key would land as a new column and leave the real
# one empty, and a price typed as "11.00" would land as a second, text column. Both stop the load.
PRODUCT_CATALOG: TSchemaContractDict = {
    "tables": "evolve",
    "columns": "freeze",
    "data_type": "freeze",
}


class SchemaContractViolation(RuntimeError):
    """A load stopped because the source's data changed shape in a way its contract freezes."""


def describe_violation(source: str, error: DataValidationError) -> str:
    column = error.column_name or ""
    if error.schema_entity == "data_type" and "__v_" in column:
        # dlt names a value of another type after its column: price__v_text
        name, _, type_name = column.partition("__v_")
        change = f"a {type_name} value in column {name!r}"
    elif error.schema_entity == "columns":
        change = f"a new column {column!r}"
    elif error.schema_entity == "data_type" and column:
        # The source declares the column with another type (a database table's reflected
        # columns); dlt's own words below say which type was there and which came.
        change = f"column {column!r} with a new type"
    else:
        change = f"a change to {error.schema_entity}"
    return (
        f"The {source} source sent {change} for raw.{error.table_name}, and its schema "
        f"contract freezes {error.schema_entity} (ingestion/contracts.py), so nothing was "
        "loaded. If the source is wrong, fix it and load again. If the change is intended, "
        "let it in: declare the column or its type in the source, or loosen the contract. "
        f"dlt said: {error}"
    )


def contract_violation(failure: BaseException) -> DataValidationError | None:
    """The contract error behind a failed pipeline step, however dlt wrapped it."""
    seen: BaseException | None = failure
    while seen is not None:
        if isinstance(seen, DataValidationError):
            return seen
        wrapped = seen.exception if isinstance(seen, PipelineStepFailed) else None
        seen = wrapped or seen.__cause__ or seen.__context__
    return None


@contextmanager
def explained_violations(source: str) -> Iterator[None]:
    """Turn dlt's contract error into one that says what changed and what to do about it."""
    try:
        yield
    except PipelineStepFailed as failure:
        violation = contract_violation(failure)
        if violation is None:
            raise
        raise SchemaContractViolation(describe_violation(source, violation)) from failure
