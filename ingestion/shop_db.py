"""The shop's operational database: customers and stores, read by dlt's sql_database source.

Locally the database is a SQLite file; in production the same source reads any database
SQLAlchemy can reach, by changing only the connection URL, which dlt then takes from its secrets
providers because it carries a password. Tables are read with the pyarrow
backend (column batches, not rows) and replaced whole on every load: they are small, and a
full copy is the simplest way to pick up edits and deletions. New columns land; a column whose
type changes stops the load (contracts.py).
"""

from __future__ import annotations

import dlt
from dlt.sources import DltResource
from dlt.sources.sql_database import sql_table

from ingestion import contracts

SHOP_TABLES = ("customers", "stores")


@dlt.source(name="shop_db", schema_contract=contracts.SHOP_DB)
def shop_db(credentials: str = dlt.secrets.value) -> list[DltResource]:
    """Reference data from the shop's operational database.

    Without `credentials`, dlt resolves them from its secrets providers: the environment variable
    SOURCES__SHOP_DB__CREDENTIALS, or `credentials` under [sources.shop_db] in .dlt/secrets.toml.
    """
    return [
        sql_table(
            credentials=credentials,
            table=table,
            backend="pyarrow",
            # Reflect the table when the load runs, not when the code location loads: the
            # database may not exist yet, and loading definitions must not touch it.
            defer_table_reflect=True,
            write_disposition="replace",
        )
        for table in SHOP_TABLES
    ]
