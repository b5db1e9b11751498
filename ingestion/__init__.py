"""dlt sources: the shop's landing zone, operational database and product catalogue.

Plain dlt, no Dagster: the platform's `defs/ingestion.py` runs them as assets.
"""
