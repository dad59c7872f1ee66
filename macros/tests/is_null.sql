{# Every value is null: the rows that have one are what the test reports. #}
{% test is_null(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null

{% endtest %}
