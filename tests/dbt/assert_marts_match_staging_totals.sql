-- Conservation: per mart, the grand totals equal the de-duplicated staging events' minus the
-- events left out for an unknown reference key (each landed event is in the marts or isolated).
with

events as (

    select distinct
        transaction_id,
        event_type,
        status,
        amount,
        dt
    from {{ ref('stg_raw__transactions') }}
    {{ tested_days_only() }}

),

isolated as (

    select
        transaction_id,
        dt
    from {{ ref('int_transactions_deduplicated') }}
    where reference_problem is not null {{ tested_days_only(keyword='and') }}

),

accounted as (

    select events.*
    from events
    left join isolated
        on
            events.transaction_id = isolated.transaction_id
            and events.dt = isolated.dt
    where isolated.transaction_id is null

),

staging_totals as (

    select
        count(case when event_type = 'sale' then 1 end) as transactions,
        count(case when event_type = 'reversal' and status = 'approved' then 1 end) as reversed,
        coalesce(sum(
            case when event_type = 'sale' and status = 'approved' then amount else 0 end
        ), 0) as gross_amount
    from accounted

),

mart_totals as (

    {% set marts = [
        'fct_provider_daily', 'fct_provider_product_daily', 'fct_provider_client_daily',
    ] %}
    {% for mart in marts %}
        select
            '{{ mart }}' as mart,
            coalesce(sum(transactions), 0) as transactions,
            coalesce(sum(reversed), 0) as reversed,
            coalesce(sum(gross_amount), 0) as gross_amount
        from {{ ref(mart) }}
        {{ tested_days_only() }}
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
