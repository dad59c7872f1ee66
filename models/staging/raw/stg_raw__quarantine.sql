-- One row per record the landing job rejected, with its reason; the only model that reads the
-- raw quarantine source.
with

source as (

    {% if source_files_exist('raw', 'quarantine') %}
        select * from {{ source('raw', 'quarantine') }}
    {% else %}
        -- nothing quarantined yet: no file to read
        select
            cast(null as varchar) as raw_record,
            cast(null as varchar) as reason,
            cast(null as varchar) as source_file,
            cast(null as timestamp) as ingested_at,
            cast(null as date) as dt
        where 1 = 0
    {% endif %}

),

renamed as (

    select
        -- ids
        {{ json_text_field('raw_record', 'provider_id') }} as provider_id,

        -- dimensions
        reason,
        split_part(reason, ':', 1) as reason_code,

        -- record
        raw_record,

        -- timestamps
        cast(ingested_at as timestamp) as ingested_at,

        -- lineage
        source_file,

        -- partition
        cast(dt as date) as dt

    from source

)

select * from renamed
