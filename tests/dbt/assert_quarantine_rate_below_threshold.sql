-- Warns (never stops the day) when more than var('quarantine_rate_warn_above') of one arrival
-- day's records were quarantined, per provider named in the records and for the whole network
-- (records without a readable provider, e.g. malformed JSON, count in the network's row).
-- Landed events count on their file's arrival day, as the quarantine does.
{{ config(severity='warn') }}

with

quarantined as (

    select
        dt as arrival_dt,
        provider_id,
        1 as is_quarantined
    from {{ ref('stg_raw__quarantine') }}
    {{ tested_days_only() }}

),

landed as (

    -- An event arrives at most lookback_days after its day, so these days hold every event
    -- that arrived on a tested day.
    select
        -- the arrival_date folder of the landing file (DuckDB: '' when absent, Trino: null)
        coalesce(
            cast(nullif(regexp_extract(
                source_file, 'arrival_date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1
            ), '') as date),
            dt
        ) as arrival_dt,
        provider_id,
        0 as is_quarantined
    from {{ ref('stg_raw__transactions') }}
    {{ tested_days_only(days_before=var('lookback_days')) }}

),

records as (

    select * from quarantined
    union all
    select * from landed

),

per_provider as (

    select
        arrival_dt,
        provider_id,
        sum(is_quarantined) as quarantined,
        count(*) as records
    from records
    where provider_id is not null
    group by arrival_dt, provider_id

),

network as (

    select
        arrival_dt,
        '(network)' as provider_id,
        sum(is_quarantined) as quarantined,
        count(*) as records
    from records
    group by arrival_dt

),

rates as (

    select * from per_provider
    union all
    select * from network

)

select
    arrival_dt,
    provider_id,
    quarantined,
    records,
    cast(quarantined as double) / records as quarantine_rate
from rates
where cast(quarantined as double) / records > {{ var('quarantine_rate_warn_above') }}
