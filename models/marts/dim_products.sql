-- One row per product, from the reference data (seeds/products.csv).
with

products as (

    select * from {{ ref('products') }}

),

final as (

    select
        -- ids
        cast(product_id as varchar) as product_id,
        cast(provider_id as varchar) as provider_id,

        -- dimensions
        cast(product_name as varchar) as product_name,
        cast(product_type as varchar) as product_type,

        -- measures
        cast(commission_rate as decimal(6, 4)) as commission_rate,
        cast(min_amount as decimal(18, 2)) as min_amount,
        cast(max_amount as decimal(18, 2)) as max_amount

    from products

)

select * from final
