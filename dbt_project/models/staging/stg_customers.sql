with

source as (

    select * from {{ source('raw', 'customers') }}

),

renamed as (

    select

        ----------  ids
        id as customer_id,

        ---------- text
        name as customer_name,

        ---------- timestamps
        updated_at

    from source

)

select * from renamed
