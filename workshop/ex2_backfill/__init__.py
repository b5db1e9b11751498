"""Exercise 2: partitions. Backfill a range of days as one run, then read its rows per day."""

TITLE = "Partitions: backfill a range of days as one run, read rows per day"
START_HINT = "no run over a range of days"
