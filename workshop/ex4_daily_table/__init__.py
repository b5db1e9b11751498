"""Exercise 4: a new daily landing table end to end: declaration, raw, staging, a mart column."""

TITLE = "Add a daily landing table end to end: source, raw, staging, a mart column"
START_HINT = "no daily table besides orders and items"
