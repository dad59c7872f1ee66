{#
  How the daily marts are written incrementally, one choice per adapter (decision 0301).
  Every fact mart calls {{ config(**daily_mart_incremental_config()) }}.
#}
{% macro daily_mart_incremental_config() %}
    {{ return(adapter.dispatch('daily_mart_incremental_config', 'puntored')()) }}
{% endmacro %}

{# DuckDB: delete the rebuilt days, then insert them. #}
{% macro default__daily_mart_incremental_config() %}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': 'dt',
        'on_schema_change': 'fail',
    }) }}
{% endmacro %}

{#
  Athena (Hive tables): overwrite the rebuilt dt partitions. Athena writes at most 100
  partitions per query; dbt-athena splits a larger write (a full refresh over months of days)
  into batches of partitions when Athena reports the limit, and force_batch makes it batch from
  the start (set PUNTORED_ATHENA_FORCE_BATCH=true for a first build of a long history).
#}
{% macro athena__daily_mart_incremental_config() %}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'table_type': 'hive',
        'format': 'parquet',
        'partitioned_by': ['dt'],
        'force_batch': env_var('PUNTORED_ATHENA_FORCE_BATCH', 'false') == 'true',
        'on_schema_change': 'fail',
    }) }}
{% endmacro %}
