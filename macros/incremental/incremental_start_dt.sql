{#
  First dt an incremental run rebuilds: the newest dt already in the mart minus the late-data
  lookback (var lookback_days), or var incremental_start_dt when given. Rendered as a date
  literal so both engines prune dt partitions before reading any file.
#}
{% macro incremental_start_dt() %}
    {% set explicit = var('incremental_start_dt', none) %}
    {% if explicit %}
        {{ return("date '" ~ explicit ~ "'") }}
    {% endif %}
    {% if not execute or var('force_is_incremental', none) is not none %}
        {# Offline compile (Athena gate): any literal keeps the SQL shape. #}
        {{ return("date '1970-01-01'") }}
    {% endif %}
    {% set newest = run_query('select max(dt) from ' ~ this).columns[0].values()[0] %}
    {% if newest is none %}
        {{ return("date '1970-01-01'") }}
    {% endif %}
    {% set start = modules.datetime.date.fromisoformat(newest | string)
        - modules.datetime.timedelta(days=var('lookback_days') | int) %}
    {{ return("date '" ~ start.isoformat() ~ "'") }}
{% endmacro %}

{# The where clause every fact mart applies to its events on an incremental run. #}
{% macro incremental_dt_filter() %}
    {% if is_incremental() %}
        where dt >= {{ incremental_start_dt() }}
    {% endif %}
{% endmacro %}
