"""Grow a copy of the dbt project to about 1,000 models, for the large-project benchmark.

Large dbt projects are many business units' staging and marts over the same sources, so this
writes, for each unit, what the project itself has: a folder of staging views over the raw
sources and a folder of mart tables over those and each other, each folder with one YAML of
descriptions and a few tests. A third of a unit's models are partitioned by day (tag `daily`,
`event_time`, the `replace_window` incremental strategy), as `stg_orders` and `orders` are.
One mart per unit also reads the previous unit's daily revenue (the first unit's reads the
project's own `orders`), so the units form one graph. Every model is cheap on a day of data.

    write_units(project_dir, units=52)  # 52 units x 19 models + the project's 12 = 1,000
"""

from __future__ import annotations

from pathlib import Path
from string import Template

DAILY_CONFIG = "{{ config(tags=['daily'], event_time='landed_on') }}"
DAILY_INCREMENTAL_CONFIG = """{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        event_time='landed_on',
        tags=['daily'],
    )
}}"""

# Templates take $unit (e.g. unit07) and $previous_daily_revenue (a ref); `{{ }}` is dbt's.
STAGING_MODELS: dict[str, str] = {
    "stg_${unit}_orders": f"""{DAILY_CONFIG}

select
    id as order_id,
    store_id as location_id,
    customer as customer_id,
    {{{{ cents_to_dollars('subtotal') }}}} as subtotal,
    {{{{ cents_to_dollars('tax_paid') }}}} as tax_paid,
    {{{{ cents_to_dollars('order_total') }}}} as order_total,
    ordered_at,
    _landing_date as landed_on
from {{{{ source('raw', 'orders') }}}}
""",
    "stg_${unit}_order_items": f"""{DAILY_CONFIG}

select
    id as order_item_id,
    order_id,
    sku as product_id,
    _landing_date as landed_on
from {{{{ source('raw', 'items') }}}}
""",
    "stg_${unit}_customers": """select
    id as customer_id,
    name as customer_name
from {{ source('raw', 'customers') }}
""",
    "stg_${unit}_locations": """select
    id as location_id,
    name as location_name,
    tax_rate,
    {{ dbt.date_trunc('day', 'opened_at') }} as opened_date
from {{ source('raw', 'stores') }}
""",
    "stg_${unit}_products": """select
    sku as product_id,
    name as product_name,
    type as product_type,
    {{ cents_to_dollars('price') }} as product_price,
    coalesce(type = 'jaffle', false) as is_food_item,
    coalesce(type = 'beverage', false) as is_drink_item
from {{ source('raw', 'products') }}
""",
    "stg_${unit}_supplies": """select
    md5(id || '-' || sku) as supply_uuid,
    id as supply_id,
    sku as product_id,
    name as supply_name,
    {{ cents_to_dollars('cost') }} as supply_cost,
    perishable as is_perishable_supply
from {{ source('raw', 'products__supplies') }}
""",
}

MART_MODELS: dict[str, str] = {
    "${unit}_order_items": f"""{DAILY_INCREMENTAL_CONFIG}

with supply_costs as (
    select product_id, sum(supply_cost) as supply_cost
    from {{{{ ref('stg_${{unit}}_supplies') }}}}
    group by 1
)

select
    items.*,
    orders.ordered_at,
    products.product_name,
    products.product_price,
    products.is_food_item,
    products.is_drink_item,
    supply_costs.supply_cost
from {{{{ ref('stg_${{unit}}_order_items') }}}} as items
left join {{{{ ref('stg_${{unit}}_orders') }}}} as orders on items.order_id = orders.order_id
left join {{{{ ref('stg_${{unit}}_products') }}}} as products
    on items.product_id = products.product_id
left join supply_costs on items.product_id = supply_costs.product_id
where {{{{ in_partition_window('items.landed_on') }}}}
""",
    "${unit}_orders": f"""{DAILY_INCREMENTAL_CONFIG}

with items as (
    select
        order_id,
        sum(supply_cost) as order_cost,
        count(*) as count_order_items,
        sum(case when is_food_item then 1 else 0 end) as count_food_items
    from {{{{ ref('${{unit}}_order_items') }}}}
    where {{{{ in_partition_window('landed_on') }}}}
    group by 1
)

select
    orders.*,
    customers.customer_name,
    locations.location_name,
    items.order_cost,
    items.count_order_items,
    items.count_food_items > 0 as is_food_order
from {{{{ ref('stg_${{unit}}_orders') }}}} as orders
left join items on orders.order_id = items.order_id
left join {{{{ ref('stg_${{unit}}_customers') }}}} as customers
    on orders.customer_id = customers.customer_id
left join {{{{ ref('stg_${{unit}}_locations') }}}} as locations
    on orders.location_id = locations.location_id
where {{{{ in_partition_window('orders.landed_on') }}}}
""",
    "${unit}_customers": """with orders as (
    select
        customer_id,
        count(*) as count_lifetime_orders,
        min(ordered_at) as first_ordered_at,
        sum(order_total) as lifetime_spend
    from {{ ref('${unit}_orders') }}
    group by 1
)

select
    customers.*,
    coalesce(orders.count_lifetime_orders, 0) as count_lifetime_orders,
    orders.first_ordered_at,
    coalesce(orders.lifetime_spend, 0) as lifetime_spend,
    case when orders.count_lifetime_orders > 1 then 'returning' else 'new' end as customer_type
from {{ ref('stg_${unit}_customers') }} as customers
left join orders on customers.customer_id = orders.customer_id
""",
    "${unit}_locations": "select * from {{ ref('stg_${unit}_locations') }}\n",
    "${unit}_products": "select * from {{ ref('stg_${unit}_products') }}\n",
    "${unit}_supplies": "select * from {{ ref('stg_${unit}_supplies') }}\n",
    "${unit}_daily_revenue": f"""{DAILY_INCREMENTAL_CONFIG}

select
    landed_on,
    location_id,
    count(*) as count_orders,
    sum(order_total) as revenue,
    sum(coalesce(order_cost, 0)) as cost
from {{{{ ref('${{unit}}_orders') }}}}
where {{{{ in_partition_window('landed_on') }}}}
group by 1, 2
""",
    "${unit}_daily_items": f"""{DAILY_INCREMENTAL_CONFIG}

select
    landed_on,
    product_id,
    count(*) as count_items,
    sum(product_price) as sales
from {{{{ ref('${{unit}}_order_items') }}}}
where {{{{ in_partition_window('landed_on') }}}}
group by 1, 2
""",
    "${unit}_product_sales": """with sold as (
    select product_id, count(*) as count_sold, sum(product_price) as sales
    from {{ ref('${unit}_order_items') }}
    group by 1
)

select
    products.*,
    coalesce(sold.count_sold, 0) as count_sold,
    coalesce(sold.sales, 0) as sales
from {{ ref('${unit}_products') }} as products
left join sold on products.product_id = sold.product_id
""",
    "${unit}_location_revenue": """with revenue as (
    select location_id, count(*) as count_orders, sum(order_total) as revenue
    from {{ ref('${unit}_orders') }}
    group by 1
)

select
    locations.*,
    coalesce(revenue.count_orders, 0) as count_orders,
    coalesce(revenue.revenue, 0) as revenue
from {{ ref('${unit}_locations') }} as locations
left join revenue on locations.location_id = revenue.location_id
""",
    "${unit}_customer_segments": """select
    customer_type,
    count(*) as count_customers,
    avg(lifetime_spend) as average_lifetime_spend
from {{ ref('${unit}_customers') }}
group by 1
""",
    "${unit}_supply_costs": """select
    supplies.supply_id,
    supplies.supply_name,
    sum(supplies.supply_cost * sales.count_sold) as cost_of_sold
from {{ ref('${unit}_supplies') }} as supplies
join {{ ref('${unit}_product_sales') }} as sales on supplies.product_id = sales.product_id
group by 1, 2
""",
    "${unit}_revenue_comparison": """with ours as (
    select landed_on, sum(revenue) as revenue
    from {{ ref('${unit}_daily_revenue') }}
    group by 1
),

theirs as (
    select landed_on, sum(revenue) as revenue
    from $previous_daily_revenue
    group by 1
)

select
    ours.landed_on,
    ours.revenue,
    theirs.revenue as previous_unit_revenue,
    ours.revenue - coalesce(theirs.revenue, 0) as difference
from ours
left join theirs on ours.landed_on = theirs.landed_on
""",
}

MODELS_PER_UNIT = len(STAGING_MODELS) + len(MART_MODELS)

# One YAML per folder: each model described, a few tests on keys and amounts.
STAGING_YAML = """version: 2

models:
  - name: stg_${unit}_orders
    description: Orders as business unit ${unit} reads them, one row per order.
    columns:
      - name: order_id
        description: The order's key.
        data_tests:
          - not_null
          - unique
      - name: order_total
        description: What the customer paid, in dollars.
        data_tests:
          - not_negative
      - name: landed_on
        description: The day of the landing file the order arrived in.
  - name: stg_${unit}_order_items
    description: Items ordered, one row per item.
  - name: stg_${unit}_customers
    description: Customers, one row per customer.
    columns:
      - name: customer_id
        data_tests:
          - unique
  - name: stg_${unit}_locations
    description: Stores, one row per location.
  - name: stg_${unit}_products
    description: Products on the menu, one row per SKU.
    columns:
      - name: product_id
        data_tests:
          - unique
  - name: stg_${unit}_supplies
    description: Supplies, one row per supply and product.
"""

MARTS_YAML = """version: 2

models:
  - name: ${unit}_order_items
    description: Unit ${unit}'s order items with product and cost. Partitioned by day.
  - name: ${unit}_orders
    description: Unit ${unit}'s orders with their items summarised. Partitioned by day.
    columns:
      - name: order_id
        data_tests:
          - unique
  - name: ${unit}_customers
    description: Unit ${unit}'s customers with lifetime value.
    columns:
      - name: customer_id
        data_tests:
          - not_null
      - name: customer_type
        data_tests:
          - accepted_values:
              arguments:
                values: ["new", "returning"]
  - name: ${unit}_locations
    description: Unit ${unit}'s locations.
  - name: ${unit}_products
    description: Unit ${unit}'s products.
  - name: ${unit}_supplies
    description: Unit ${unit}'s supplies.
  - name: ${unit}_daily_revenue
    description: Revenue per day and location. Partitioned by day.
    columns:
      - name: revenue
        data_tests:
          - not_negative
  - name: ${unit}_daily_items
    description: Items sold per day and product. Partitioned by day.
  - name: ${unit}_product_sales
    description: Each product with what it sold.
  - name: ${unit}_location_revenue
    description: Each location with its revenue.
  - name: ${unit}_customer_segments
    description: Customers per segment, new and returning.
  - name: ${unit}_supply_costs
    description: What the supplies of the products sold cost.
  - name: ${unit}_revenue_comparison
    description: Daily revenue against the previous unit's.
"""


def unit_name(number: int) -> str:
    return f"unit{number:02d}"


def write_unit(models_dir: Path, number: int) -> None:
    unit = unit_name(number)
    previous = (
        f"{{{{ ref('{unit_name(number - 1)}_daily_revenue') }}}}"
        if number > 1
        else "(select landed_on, order_total as revenue from {{ ref('orders') }})"
    )
    values = {"unit": unit, "previous_daily_revenue": previous}
    for folder, models, yaml in (
        ("staging", STAGING_MODELS, STAGING_YAML),
        ("marts", MART_MODELS, MARTS_YAML),
    ):
        target = models_dir / folder / unit
        target.mkdir(parents=True)
        for name, sql in models.items():
            path = target / f"{Template(name).substitute(values)}.sql"
            path.write_text(Template(sql).substitute(values))
        (target / f"_{unit}_{folder}.yml").write_text(Template(yaml).substitute(values))


def write_units(project_dir: Path, units: int) -> int:
    """Write `units` business units into the dbt project at `project_dir`; models written."""
    for number in range(1, units + 1):
        write_unit(project_dir / "models", number)
    return units * MODELS_PER_UNIT
