"""Exercise 5: a dbt model of your own, with data tests and a dbt unit test."""

TITLE = "Add a dbt model with data tests and a dbt unit test"
START_HINT = "no dbt model of your own"
