-- One row per provider, from the reference data (seeds/providers.csv).
with

providers as (

    select * from {{ ref('providers') }}

),

final as (

    select
        -- ids
        cast(provider_id as varchar) as provider_id,

        -- dimensions
        cast(provider_name as varchar) as provider_name,
        cast(legal_name as varchar) as legal_name,
        cast(category as varchar) as category

    from providers

)

select * from final
