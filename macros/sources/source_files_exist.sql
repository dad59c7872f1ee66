{#
  Whether a lake table has any file to read. The landing job writes raw.quarantine only when
  it rejects something, and DuckDB's read_parquet fails on a glob that matches nothing; on
  Athena the table is in the Glue catalog, empty or not.
#}
{% macro source_files_exist(source_name, table_name) %}
    {{ return(adapter.dispatch('source_files_exist', 'puntored')(source_name, table_name)) }}
{% endmacro %}

{% macro default__source_files_exist(source_name, table_name) %}
    {% if not execute %}
        {{ return(true) }}
    {% endif %}
    {% set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] %}
    {% set pattern = modules.re.search("read_parquet\\('([^']+)'", node.config.external_location) %}
    {% if pattern is none %}
        {{ return(true) }}
    {% endif %}
    {% set files = run_query("select count(*) from glob('" ~ pattern.group(1) ~ "')") %}
    {{ return(files.columns[0].values()[0] > 0) }}
{% endmacro %}

{% macro athena__source_files_exist(source_name, table_name) %}
    {{ return(true) }}
{% endmacro %}
