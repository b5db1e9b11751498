"""dlt sources and the Dagster assets that run them.

Every source writes into the warehouse's `raw` dataset; `translator.py` names the Dagster asset
for each raw table, and the dbt translator reuses that naming so dbt sources and dlt assets are
the same nodes of one graph.
"""
