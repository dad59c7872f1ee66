{#
  The measure columns of the daily fact marts, in contract order (docs/data-contracts.md).
  Expects the columns of int_transactions_netted. Definitions: models/docs/metrics.md.
#}
{% macro daily_measures(with_distinct_clients=true) %}
        count(case when is_sale then 1 end) as transactions,
        count(case when is_approved_sale then 1 end) as approved,
        count(case when is_rejected_sale then 1 end) as rejected,
        count(case when is_failed_sale then 1 end) as failed,
        count(case when is_approved_reversal then 1 end) as reversed,
        cast(count(case when is_approved_sale then 1 end) as double)
        / nullif(count(case when is_sale then 1 end), 0) as approval_rate,
        cast(sum(sale_amount) as decimal(18, 2)) as gross_amount,
        cast(sum(reversed_amount) as decimal(18, 2)) as reversed_amount,
        cast(sum(sale_amount) - sum(reversed_amount) as decimal(18, 2)) as net_amount,
        cast(sum(net_commission) as decimal(18, 2)) as commission,
        cast(round(
            sum(sale_amount) / nullif(count(case when is_approved_sale then 1 end), 0), 2
        ) as decimal(18, 2)) as average_ticket,
        {%- if with_distinct_clients %}
        count(distinct case when is_sale then client_id end) as distinct_clients,
        {%- endif %}
        {{ latency_percentile('case when is_sale then latency_ms end', 0.5) }} as latency_p50_ms,
        {{ latency_percentile('case when is_sale then latency_ms end', 0.95) }} as latency_p95_ms
{% endmacro %}
