{# Composite primary key: no two rows share the same values of `combination`. #}
{% test unique_combination_of_columns(model, combination) %}

select
    {{ combination | join(', ') }},
    count(*) as copies
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1

{% endtest %}
