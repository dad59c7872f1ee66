-- One row per landed transaction event, typed and renamed; the only model that reads the
-- raw transactions source.
with

source as (

    select * from {{ source('raw', 'transactions') }}

),

renamed as (

    select
        -- ids
        transaction_id,
        reversed_transaction_id,
        provider_id,
        product_id,
        client_id,
        terminal_id,

        -- dimensions
        event_type,
        channel,
        payment_method,
        currency,
        status,
        response_code,
        customer_reference,

        -- measures
        cast(amount as decimal(18, 2)) as amount,
        cast(commission as decimal(18, 2)) as commission,
        cast(latency_ms as integer) as latency_ms,

        -- timestamps
        cast(event_at as timestamp) as event_at,
        cast(ingested_at as timestamp) as ingested_at,

        -- lineage
        source_file,

        -- partition
        cast(dt as date) as dt

    from source

)

select * from renamed
