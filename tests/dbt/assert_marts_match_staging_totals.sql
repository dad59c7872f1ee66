-- Reconciliation: the marts' grand totals equal the de-duplicated staging events', per mart.
with

events as (

    select distinct
        transaction_id,
        event_type,
        status,
        amount,
        dt
    from {{ ref('stg_raw__transactions') }}

),

staging_totals as (

    select
        count(case when event_type = 'sale' then 1 end) as transactions,
        count(case when event_type = 'reversal' and status = 'approved' then 1 end) as reversed,
        sum(
            case when event_type = 'sale' and status = 'approved' then amount else 0 end
        ) as gross_amount
    from events

),

mart_totals as (

    {% set marts = [
        'fct_provider_daily', 'fct_provider_product_daily', 'fct_provider_client_daily',
    ] %}
    {% for mart in marts %}
        select
            '{{ mart }}' as mart,
            sum(transactions) as transactions,
            sum(reversed) as reversed,
            sum(gross_amount) as gross_amount
        from {{ ref(mart) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select mart_totals.mart
from mart_totals
cross join staging_totals
where
    mart_totals.transactions != staging_totals.transactions
    or mart_totals.reversed != staging_totals.reversed
    or mart_totals.gross_amount != staging_totals.gross_amount
