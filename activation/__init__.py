"""Activation: the platform's segments sent to the shop's marketing system (reverse ETL).

Plain modules with no Dagster in them, like `ingestion/`: `marketing_client.py` speaks the
marketing system's HTTP API, `changes.py` works out what changed since the last sync,
`sent_state.py` keeps what was sent in a warehouse table, and `sync.py` sends the changes in
batches through a dlt custom destination. The code location wires them into the `activation`
asset group (graduated_platform/defs/activation.py).
"""
