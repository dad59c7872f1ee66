-- The de-duplicated events that reference known keys, with the flags and signed amounts the
-- daily marts sum: a reversal counts on its own day, against the sale's provider, product and
-- point of sale (a reversal event repeats them).
with

transactions as (

    select * from {{ ref('int_transactions_deduplicated') }}
    where reference_problem is null

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

    from transactions

)

select * from netted
