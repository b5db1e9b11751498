"""The landing zone's published contract: which tables the shop delivers, how files are named,
where they are stored, and the days they cover.

The shop (simulator/), the sensors and the ingestion all follow it; it imports nothing else of
this project, so each of them can depend on it without depending on the others.
"""
