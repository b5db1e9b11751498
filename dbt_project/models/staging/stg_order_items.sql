{{ config(tags=['daily'], event_time='landed_on') }}

with

source as (

    select * from {{ source('raw', 'items') }}

),

renamed as (

    select

        ----------  ids
        id as order_item_id,
        order_id,
        sku as product_id,

        ---------- timestamps
        _landing_date as landed_on

    from source

)

select * from renamed
