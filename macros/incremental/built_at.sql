{#
  When this dbt invocation started (UTC, millisecond precision: Athena's Hive timestamps keep
  milliseconds), as a timestamp expression. Every row a run writes gets it as `_built_at`, so
  all rows of one dt share one value and the days a run rebuilt are the rows with its value.
#}
{% macro built_at() %}
    {{ return("cast('" ~ built_at_text() ~ "' as timestamp)") }}
{% endmacro %}

{% macro built_at_text() %}
    {{ return(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')[:23]) }}
{% endmacro %}
