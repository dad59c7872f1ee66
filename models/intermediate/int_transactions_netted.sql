-- Transaction events de-duplicated by transaction_id, with the flags and signed amounts the
-- daily marts sum: a reversal counts on its own day, against the sale's provider, product and
-- point of sale (a reversal event repeats them).
with

transactions as (

    select * from {{ ref('stg_raw__transactions') }}

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

netted as (

    select
        -- ids
        transaction_id,
        reversed_transaction_id,
        provider_id,
        product_id,
        client_id,

        -- dimensions
        event_type,
        status,

        -- flags
        event_type = 'sale' as is_sale,
        event_type = 'sale' and status = 'approved' as is_approved_sale,
        event_type = 'sale' and status = 'rejected' as is_rejected_sale,
        event_type = 'sale' and status = 'failed' as is_failed_sale,
        event_type = 'reversal' and status = 'approved' as is_approved_reversal,

        -- measures
        amount,
        latency_ms,
        case
            when event_type = 'sale' and status = 'approved' then amount
            else cast(0 as decimal(18, 2))
        end as sale_amount,
        case
            when event_type = 'reversal' and status = 'approved' then amount
            else cast(0 as decimal(18, 2))
        end as reversed_amount,
        case
            when event_type = 'sale' and status = 'approved' then commission
            when event_type = 'reversal' and status = 'approved' then -commission
            else cast(0 as decimal(18, 2))
        end as net_commission,

        -- timestamps
        event_at,
        ingested_at,

        -- partition
        dt

    from deduplicated

)

select * from netted
