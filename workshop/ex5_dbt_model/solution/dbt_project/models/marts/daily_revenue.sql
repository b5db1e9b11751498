-- Revenue per day: what the shop took each day, and how much of it came with food.
with

orders as (

    select * from {{ ref('orders') }}

),

daily as (

    select
        landed_on as revenue_day,

        count(order_id) as order_count,
        sum(order_total) as revenue,
        sum(case when is_food_order then order_total else 0 end) as food_revenue

    from orders

    group by 1

)

select * from daily
