-- Daily provider metrics, one row per provider per day.
-- Incremental by dt: a run rebuilds the days from the newest built day minus the
-- late-data lookback (macros/incremental/).
{{ config(**daily_mart_incremental_config()) }}

with

transactions as (

    select * from {{ ref('int_transactions_netted') }}
    {{ incremental_dt_filter() }}

),

final as (

    select
        -- ids
        provider_id,

        -- measures
        {{ daily_measures(with_distinct_clients=true) }},

        -- lineage: when this run rebuilt the day (every row of a dt shares it)
        {{ built_at() }} as _built_at,

        -- partition (last: Athena partition column)
        dt

    from transactions
    group by provider_id, dt

)

select * from final
