{#
  A top-level field of a JSON text column as text; null when the text is not valid JSON (a
  quarantined line may be anything) or has no such field.
#}
{% macro json_text_field(column, field) %}
    {{ return(adapter.dispatch('json_text_field', 'puntored')(column, field)) }}
{% endmacro %}

{# DuckDB: json_extract_string raises on invalid JSON, so it only sees valid text. #}
{% macro default__json_text_field(column, field) %}
    case when json_valid({{ column }}) then json_extract_string({{ column }}, '$.{{ field }}') end
{% endmacro %}

{# Athena (Trino): json_extract_scalar returns null on invalid JSON. #}
{% macro athena__json_text_field(column, field) %}
    json_extract_scalar({{ column }}, '$.{{ field }}')
{% endmacro %}
