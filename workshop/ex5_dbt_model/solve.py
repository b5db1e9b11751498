"""Exercise 5's solution: the `daily_revenue` mart (copied from solution/), its description,
data tests and unit test added to models/marts/_marts.yml, the manifest and the README's graph
redrawn, and the model materialized."""

from __future__ import annotations

from pathlib import Path

from workshop.workbench import Workbench

FOLDER = Path(__file__).parent
MARTS_DOCS = "dbt_project/models/marts/_marts.yml"

MODEL_DOCS = """\
  - name: daily_revenue
    description: Revenue per day, one row per day with orders, from marts/orders.
    columns:
      - name: revenue_day
        description: The day the orders landed.
        data_tests:
          - not_null
          - unique
      - name: order_count
        description: How many orders the day had.
        data_tests:
          - not_negative
      - name: revenue
        description: The day's orders' totals, tax included, in dollars.
        data_tests:
          - not_negative

"""
UNIT_TEST = """
unit_tests:
  - name: daily_revenue_adds_up_each_day
    description: Two orders on one day and one on the next make two days, each with its sums.
    model: daily_revenue
    given:
      - input: ref('orders')
        rows:
          - {order_id: a, landed_on: 2018-09-01, order_total: 10.50, is_food_order: true}
          - {order_id: b, landed_on: 2018-09-01, order_total: 4.00, is_food_order: false}
          - {order_id: c, landed_on: 2018-09-02, order_total: 7.25, is_food_order: true}
    expect:
      rows:
        - {revenue_day: 2018-09-01, order_count: 2, revenue: 14.50, food_revenue: 10.50}
        - {revenue_day: 2018-09-02, order_count: 1, revenue: 7.25, food_revenue: 7.25}
"""


def solve(bench: Workbench) -> None:
    bench.copy_solution(FOLDER)
    bench.edit(MARTS_DOCS, "models:\n", MODEL_DOCS)
    docs = bench.repo_root / MARTS_DOCS
    if "daily_revenue_adds_up_each_day" not in docs.read_text():
        docs.write_text(docs.read_text() + UNIT_TEST)
    bench.make("dbt-manifest")
    bench.redraw_readme_graph()
    bench.reload_ui()
    bench.launch('key:"marts/daily_revenue"')
