"""Exercise 7 (to come): activation and alerts. A stub until the activation group is merged."""

TITLE = "Activation and alerts (arrives with the activation group)"
START_HINT = "arrives with the activation group"
ARRIVES = (
    "this exercise arrives with the activation group (customer segments synced to the "
    "marketing service, retries and alerts); until then, go on with exercise 8"
)
