"""Exercise 7: a customer's change synced to the marketing service through an outage: the
retries, the alert when they run out, and the run mended from where it failed."""

TITLE = "Activation and alerts: sync through an outage, read the alert, mend the run"
START_HINT = "has not failed at the marketing service yet"
