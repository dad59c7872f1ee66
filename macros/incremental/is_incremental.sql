{#
  dbt's is_incremental(), with an override for offline compilation: the Athena gate compiles
  without a warehouse connection (--no-populate-cache), so it tells the answer through
  --vars '{force_is_incremental: true}' to check the incremental branch too.
#}
{% macro is_incremental() %}
    {% set forced = var('force_is_incremental', none) %}
    {% if forced is not none %}
        {{ return(forced in (true, 'true', 'True', 1, '1')) }}
    {% endif %}
    {{ return(dbt.is_incremental()) }}
{% endmacro %}
