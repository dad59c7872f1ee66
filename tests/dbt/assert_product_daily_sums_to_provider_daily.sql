-- Reconciliation: per provider and day, the per-product rows add up to the provider row.
with

by_product as (

    select
        provider_id,
        dt,
        sum(transactions) as transactions,
        sum(approved) as approved,
        sum(reversed) as reversed,
        sum(gross_amount) as gross_amount,
        sum(net_amount) as net_amount,
        sum(commission) as commission
    from {{ ref('fct_provider_product_daily') }}
    {{ tested_days_only() }}
    group by 1, 2

),

by_provider as (

    select * from {{ ref('fct_provider_daily') }}
    {{ tested_days_only() }}

)

select
    by_provider.provider_id,
    by_provider.dt
from by_provider
full outer join by_product
    on
        by_provider.provider_id = by_product.provider_id
        and by_provider.dt = by_product.dt
where
    by_product.provider_id is null
    or by_provider.provider_id is null
    or by_provider.transactions != by_product.transactions
    or by_provider.approved != by_product.approved
    or by_provider.reversed != by_product.reversed
    or by_provider.gross_amount != by_product.gross_amount
    or by_provider.net_amount != by_product.net_amount
    or by_provider.commission != by_product.commission
