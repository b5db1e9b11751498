"""Scaffold a new daily landing table: its declaration, its dbt source and its staging model.

    make daily-table TABLE=returns COLUMNS="id:string order_id:string refund:int64"

Writes the entry in `landing_zone/tables.py` (all the platform needs: README, "Adding things"),
the table under dbt's `raw` source, and `stg_<table>.sql` with its description and tests in
`models/staging/_staging.yml`. It refuses a table that exists, and changes nothing then.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

# Column types a landing file's values are validated against, by the name a user writes.
TYPES = {
    "string": "pa.string()",
    "int64": "pa.int64()",
    "float64": "pa.float64()",
    "timestamp": 'pa.timestamp("us")',
    "date": "pa.date32()",
}
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
# platform/graduated_platform/scaffold_daily_table.py -> the repository root. Not from settings:
# a scaffold edits source files, whatever environment the platform would run in.
REPO_ROOT = Path(__file__).resolve().parents[2]
TABLES_MODULE = REPO_ROOT / "landing_zone" / "tables.py"
STAGING = REPO_ROOT / "dbt_project" / "models" / "staging"
STAGING_DOCS = STAGING / "_staging.yml"


class ScaffoldError(ValueError):
    """The table cannot be scaffolded as asked; the message says why and what to do."""


def parse_columns(specs: list[str]) -> list[tuple[str, str]]:
    columns = []
    for spec in specs:
        name, _, type_name = spec.partition(":")
        if not IDENTIFIER.fullmatch(name) or type_name not in TYPES:
            raise ScaffoldError(
                f"column {spec!r} is not NAME:TYPE with TYPE one of {', '.join(TYPES)}, "
                "e.g. refund:int64"
            )
        columns.append((name, type_name))
    if not columns:
        raise ScaffoldError('give the table\'s columns, e.g. COLUMNS="id:string refund:int64"')
    names = [name for name, _ in columns]
    if len(set(names)) < len(names):
        raise ScaffoldError(f"a column is named twice in {' '.join(names)}")
    return columns


def raw_tables() -> set[str]:
    """The tables dbt already reads from the warehouse's raw dataset."""
    sources = yaml.safe_load(STAGING_DOCS.read_text())["sources"]
    return {table["name"] for source in sources for table in source["tables"]}


def check_table_name(table: str) -> None:
    if not IDENTIFIER.fullmatch(table) or "__" in table or table.endswith("_quarantine"):
        raise ScaffoldError(
            f"table name {table!r}: use lower case letters, digits and single underscores, not "
            "ending in _quarantine (dlt names child tables with __, quarantines with _quarantine)"
        )
    if table in raw_tables() or (STAGING / f"stg_{table}.sql").exists():
        raise ScaffoldError(f"raw.{table} exists already (in {STAGING_DOCS}): pick another name")


def declaration(table: str, columns: list[tuple[str, str]]) -> str:
    fields = "".join(f'            ("{name}", {TYPES[type_]}),\n' for name, type_ in columns)
    return f'    "{table}": pa.schema(\n        [\n{fields}        ]\n    ),\n'


def staging_model(table: str, columns: list[tuple[str, str]]) -> str:
    selected = "".join(f"    {name},\n" for name, _ in columns)
    return (
        "{{ config(tags=['daily'], event_time='landed_on') }}\n\n"
        f"select\n{selected}    _landing_date as landed_on\n"
        f"from {{{{ source('raw', '{table}') }}}}\n"
    )


def staging_docs(table: str, columns: list[tuple[str, str]]) -> tuple[str, str]:
    """The source table's entry and the staging model's entry for `_staging.yml`."""
    source = (
        f"      - name: {table}\n"
        f"        description: One row per {table} row, from the landing zone's daily "
        f"`{table}/YYYY-MM-DD.csv` files.\n"
    )
    model = f"  - name: stg_{table}\n    description: The landing zone's {table}, one row each.\n"
    if ("id", "string") in columns:
        model += "    columns:\n      - name: id\n        data_tests: [unique, not_null]\n"
    return source, model


def insert_after(text: str, marker: str, addition: str, where: Path) -> str:
    if marker not in text:
        raise ScaffoldError(f"{where} no longer has the line {marker.strip()!r} to add after")
    return text.replace(marker, marker + addition, 1)


def scaffold(table: str, columns: list[tuple[str, str]]) -> list[Path]:
    """Write the table's declaration and dbt files; returns the files written."""
    check_table_name(table)
    model = STAGING / f"stg_{table}.sql"
    tables = TABLES_MODULE.read_text()
    if f'"{table}":' in tables:
        raise ScaffoldError(f"{table} is already declared in {TABLES_MODULE}")
    source, model_docs = staging_docs(table, columns)
    docs = insert_after(STAGING_DOCS.read_text(), "    tables:\n", source, STAGING_DOCS)
    docs = insert_after(docs, "models:\n", model_docs, STAGING_DOCS)
    opening = "DAILY_TABLES: dict[str, pa.Schema] = {\n"
    tables = insert_after(tables, opening, declaration(table, columns), TABLES_MODULE)
    TABLES_MODULE.write_text(tables)
    STAGING_DOCS.write_text(docs)
    model.write_text(staging_model(table, columns))
    return [TABLES_MODULE, STAGING_DOCS, model]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table")
    parser.add_argument("columns", nargs="*", metavar="NAME:TYPE")
    args = parser.parse_args(argv)
    try:
        written = scaffold(args.table, parse_columns(args.columns))
    except ScaffoldError as error:
        parser.error(str(error))
    print("wrote " + ", ".join(str(path.relative_to(REPO_ROOT)) for path in written))
    print(f"Edit stg_{args.table}.sql and its YAML to taste, then `make dbt-manifest` and reload.")


if __name__ == "__main__":
    main(sys.argv[1:])
