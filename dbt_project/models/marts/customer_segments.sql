-- The audiences the shop's marketing system receives (the activation group sends this model).
-- One row per customer in at least one segment; a customer in none is not a contact, and is
-- deleted from the marketing system when they leave the last one.
--
-- "Today" is the newest day of orders the warehouse holds, not the clock: a backfill of last
-- year gives the segments of last year, and a rerun gives the same rows.

{% set high_value_min = 150 %}   -- lifetime value, dollars, from which a customer is `high`
{% set medium_value_min = 50 %}  -- and `medium`; below it `low`
{% set lapsed_after_days = 30 %} -- no order for longer than this: lapsed
{% set welcome_days = 14 %}      -- a first order this recent: the welcome series

with

customers as (

    select * from {{ ref('customers') }}

    where count_lifetime_orders > 0

),

as_of as (

    select max(cast(ordered_at as date)) as as_of_date from {{ ref('orders') }}

),

measured as (

    select
        customers.customer_id,
        customers.customer_name,
        customers.customer_type,
        customers.count_lifetime_orders,
        customers.lifetime_spend as lifetime_value,

        case
            when customers.lifetime_spend >= {{ high_value_min }} then 'high'
            when customers.lifetime_spend >= {{ medium_value_min }} then 'medium'
            else 'low'
        end as value_tier,

        cast(customers.first_ordered_at as date) as first_order_date,
        cast(customers.last_ordered_at as date) as last_order_date,
        as_of.as_of_date,
        {{ dbt.datediff('cast(customers.last_ordered_at as date)', 'as_of.as_of_date', 'day') }}
            as days_since_last_order

    from customers

    cross join as_of

),

flagged as (

    select
        *,
        days_since_last_order > {{ lapsed_after_days }} as is_lapsed

    from measured

),

segmented as (

    select
        *,

        -- Loyalty perks for the customers worth most.
        value_tier = 'high' as is_vip,
        -- A welcome series for first-time customers, while their first visit is recent.
        customer_type = 'new' and days_since_last_order <= {{ welcome_days }} as is_welcome,
        -- A win-back offer for lapsed customers worth winning back.
        is_lapsed and value_tier in ('medium', 'high') as is_win_back

    from flagged

)

select
    *,

    -- The segments as one comma-separated list, alphabetical: what the contact carries.
    rtrim(
        case when is_vip then 'vip,' else '' end
        || case when is_welcome then 'welcome,' else '' end
        || case when is_win_back then 'win_back,' else '' end,
        ','
    ) as segments

from segmented

where is_vip or is_welcome or is_win_back
