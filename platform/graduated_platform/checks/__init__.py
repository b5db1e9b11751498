"""The platform's data quality checks that are not dbt tests, and the evidence every check shows.

Checks live by what they look at, one module each; `definitions.py` puts them in the graph. The
README's "Data quality" section lists every check of every layer, dbt tests included.

- volume.py: `volume_anomaly` on the daily raw tables (blocking)
- quarantined_rows.py: `quarantined_rows` on the daily raw tables (warns; blocks a broken file)
- schema_changes.py: `column_schema_change` on every raw table (warns)
- freshness.py: freshness policies on the daily raw tables and the morning's marts
- failing_rows.py: a sample of failing rows on every failed dbt test's check
- evidence.py, checked_days.py: what the checks above share

Rows that break the landing zone's form are caught earlier, at ingestion (ingestion/validation.py,
ingestion/contracts.py); business rules are dbt tests (dbt_project/tests/generic/).
"""
