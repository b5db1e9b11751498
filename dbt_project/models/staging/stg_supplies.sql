with

source as (

    select * from {{ source('raw', 'products__supplies') }}

),

renamed as (

    select

        ----------  ids
        -- a supply (e.g. a napkin) goes into many products: the pair is the key
        md5(id || '-' || sku) as supply_uuid,
        id as supply_id,
        sku as product_id,

        ---------- text
        name as supply_name,

        ---------- numerics
        {{ cents_to_dollars('cost') }} as supply_cost,

        ---------- booleans
        perishable as is_perishable_supply

    from source

)

select * from renamed
