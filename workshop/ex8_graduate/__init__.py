"""Exercise 8: graduate. The same code against the production instance and an S3 landing zone."""

TITLE = "Graduate: the same code against the production setup, on this machine"
START_HINT = "make production-services"
