{{
    config(
        materialized='incremental',
        incremental_strategy='replace_window',
        event_time='landed_on',
        tags=['daily'],
    )
}}

with

orders as (

    select * from {{ ref('stg_orders') }}

    where {{ in_partition_window('landed_on') }}

),

order_items as (

    select * from {{ ref('order_items') }}

    where {{ in_partition_window('landed_on') }}

),

locations as (

    select * from {{ ref('stg_locations') }}

),

customers as (

    select * from {{ ref('stg_customers') }}

),

order_items_summary as (

    select
        order_id,

        sum(supply_cost) as order_cost,
        sum(product_price) as order_items_subtotal,
        count(order_item_id) as count_order_items,
        sum(case when is_food_item then 1 else 0 end) as count_food_items,
        sum(case when is_drink_item then 1 else 0 end) as count_drink_items

    from order_items

    group by 1

),

compute_booleans as (

    select
        orders.*,

        customers.customer_name,
        locations.location_name,

        order_items_summary.order_cost,
        order_items_summary.order_items_subtotal,
        order_items_summary.count_food_items,
        order_items_summary.count_drink_items,
        order_items_summary.count_order_items,
        order_items_summary.count_food_items > 0 as is_food_order,
        order_items_summary.count_drink_items > 0 as is_drink_order

    from orders

    left join order_items_summary
        on orders.order_id = order_items_summary.order_id

    left join locations
        on orders.location_id = locations.location_id

    left join customers
        on orders.customer_id = customers.customer_id

)

select * from compute_booleans
