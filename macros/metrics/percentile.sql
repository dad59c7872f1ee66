{#
  Latency percentile of a day's events as an integer. DuckDB computes the exact discrete
  percentile; Athena has only approx_percentile (a t-digest, within ~1% rank error).
#}
{% macro latency_percentile(column, fraction) %}
    {{ return(adapter.dispatch('latency_percentile', 'puntored')(column, fraction)) }}
{% endmacro %}

{% macro default__latency_percentile(column, fraction) %}
    cast(quantile_disc({{ column }}, {{ fraction }}) as integer)
{% endmacro %}

{% macro athena__latency_percentile(column, fraction) %}
    cast(approx_percentile({{ column }}, {{ fraction }}) as integer)
{% endmacro %}
