"""The platform's data quality checks that are not dbt tests, one module per thing they look at,
and the evidence (rows, days) they share. `defs/` puts them in the graph."""
