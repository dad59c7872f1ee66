-- One row per point of sale, with its city and department (seeds/clients.csv).
with

clients as (

    select * from {{ ref('clients') }}

),

final as (

    select
        -- ids
        cast(client_id as varchar) as client_id,

        -- dimensions
        cast(client_name as varchar) as client_name,
        cast(client_type as varchar) as client_type,
        cast(city as varchar) as city,
        cast(department as varchar) as department,
        cast(dane_code as varchar) as dane_code,

        -- dates
        cast(opened_on as date) as opened_on

    from clients

)

select * from final
