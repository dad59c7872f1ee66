{#
  Which rows the data tests check (decision 0320). var('test_scope'):
  - 'all' (default: dbt by hand, CI, `puntored transform --full-refresh`): every row;
  - 'changed' (an incremental `puntored transform`): only what this run could have changed,
    so a daily run costs what its days cost, not what the history costs:
      * an incremental mart: the rows this run wrote (`_built_at` = this run);
      * a model with a dt column (the staging and intermediate views): the days from the
        first day the marts rebuild;
      * anything else (dimensions, seeds): every row.
  Generic tests get the filter through get_where_subquery (below); singular tests call
  tested_days_only() themselves.
#}

{% macro tests_only_changed() %}
    {{ return(var('test_scope', 'all') == 'changed') }}
{% endmacro %}

{#
  First dt the fact marts rebuild in this run, as a date literal, `days_before` days earlier;
  none when every day is tested. Once the marts are rebuilt it is the first dt they wrote in
  this run; before (the staging and intermediate tests run first) it is the day their
  incremental filter will start from: the newest built day minus the lookback.
#}
{% macro tested_from_dt(days_before=0) %}
    {% if not tests_only_changed() %}
        {{ return(none) }}
    {% endif %}
    {% set first = rebuild_start_day() %}
    {% if first is none %}
        {{ return(none) }}
    {% endif %}
    {% set day = first - modules.datetime.timedelta(days=days_before | int) %}
    {{ return("date '" ~ day.isoformat() ~ "'") }}
{% endmacro %}

{% macro rebuild_start_day() %}
    {% set explicit = var('incremental_start_dt', none) %}
    {% if explicit %}
        {{ return(modules.datetime.date.fromisoformat(explicit | string)) }}
    {% endif %}
    {% if not execute or var('force_is_incremental', none) is not none %}
        {# Offline compile (Athena gate): any day keeps the SQL shape. #}
        {{ return(modules.datetime.date(1970, 1, 1)) }}
    {% endif %}
    {% set mart = adapter.get_relation(
        database=target.database, schema=target.schema, identifier='fct_provider_daily') %}
    {% if mart is none %}
        {{ return(none) }}
    {% endif %}
    {% set days %}
        select
            min(case when _built_at = {{ built_at() }} then dt end) as first_rebuilt,
            max(dt) as newest
        from {{ mart }}
    {% endset %}
    {% set row = run_query(days).rows[0] %}
    {% if row[0] is not none %}
        {{ return(modules.datetime.date.fromisoformat((row[0] | string)[:10])) }}
    {% endif %}
    {% if row[1] is none %}
        {{ return(none) }}
    {% endif %}
    {{ return(modules.datetime.date.fromisoformat((row[1] | string)[:10])
        - modules.datetime.timedelta(days=var('lookback_days') | int)) }}
{% endmacro %}

{#
  Filter of a singular test over a dt-partitioned model: the tested days, as a `where`
  clause (or an `and` condition); empty when every day is tested.
#}
{% macro tested_days_only(days_before=0, keyword='where') %}
    {% set from_dt = tested_from_dt(days_before) %}
    {% if from_dt is none %}
        {{ return('') }}
    {% endif %}
    {{ return(keyword ~ ' dt >= ' ~ from_dt) }}
{% endmacro %}

{# The condition a generic test on `relation` gets in the 'changed' scope; none for every row. #}
{% macro changed_rows_condition(relation) %}
    {% if not execute %}
        {{ return(none) }}
    {% endif %}
    {% set found = namespace(node=none) %}
    {% for node in graph.nodes.values() %}
        {% if node.resource_type == 'model' and node.alias == relation.identifier %}
            {% set found.node = node %}
        {% endif %}
    {% endfor %}
    {% if found.node is none %}
        {{ return(none) }}
    {% endif %}
    {% if found.node.config.materialized == 'incremental' %}
        {{ return('_built_at = ' ~ built_at()) }}
    {% endif %}
    {% if 'dt' in found.node.columns %}
        {% set from_dt = tested_from_dt() %}
        {{ return(none if from_dt is none else 'dt >= ' ~ from_dt) }}
    {% endif %}
    {{ return(none) }}
{% endmacro %}

{#
  dbt's get_where_subquery (how a generic test reads its model), with the 'changed' scope
  added to the test's own `where` config. dbt's documented way to template `where`.
#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if tests_only_changed() -%}
        {%- set changed = changed_rows_condition(relation) -%}
        {%- if changed is not none -%}
            {%- do conditions.append(changed) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if not conditions -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
    {%- endset -%}
    {%- do return(filtered) -%}
{%- endmacro %}
