"""Exercise 1: explore the graph, materialize it for a day, read lineage, metadata and checks."""

TITLE = "Explore the graph: materialize a day, read lineage, metadata and checks"
START_HINT = "not materialized yet"
