-- Transaction events de-duplicated by transaction_id, each checked against the reference data:
-- reference_problem names the first key the dimensions do not know (the landing job's order),
-- null when the event references a known provider, a product of that provider and a known
-- point of sale. Only events without a problem reach the marts (int_transactions_netted), so
-- one bad record never stops the day (decision 0310).
with

transactions as (

    select * from {{ ref('stg_raw__transactions') }}

),

providers as (

    select * from {{ ref('dim_providers') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

clients as (

    select * from {{ ref('dim_clients') }}

),

ranked as (

    -- The landing job already keeps one row per transaction_id; this guards the marts against
    -- a re-sent event landed twice. A re-sent event repeats event_at, so it has the same dt.
    select
        *,
        row_number() over (
            partition by dt, transaction_id
            order by ingested_at, source_file
        ) as copy_number
    from transactions

),

deduplicated as (

    select * from ranked
    where copy_number = 1

),

checked as (

    select
        deduplicated.*,
        case
            when providers.provider_id is null then 'unknown_provider'
            when products.product_id is null then 'unknown_product'
            when clients.client_id is null then 'unknown_client'
        end as reference_problem
    from deduplicated
    left join providers
        on deduplicated.provider_id = providers.provider_id
    left join products
        on
            deduplicated.product_id = products.product_id
            and deduplicated.provider_id = products.provider_id
    left join clients
        on deduplicated.client_id = clients.client_id

)

select * from checked
