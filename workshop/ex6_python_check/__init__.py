"""Exercise 6: a blocking Python asset check of your own, and a bad day stopped by it."""

TITLE = "Add a blocking Python asset check and watch a bad day stop at it"
START_HINT = "no Python asset check of your own"
