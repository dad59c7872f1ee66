INSERT INTO window_results
-- emitted_at: the job's clock when the row left (the benchmark's steady-state timestamps)
select *, localtimestamp as emitted_at from (
${provider_minute}
union all
${provider_product_minute}
union all
select
  'late_event' as record_type,
  `provider_id`,
  `product_id`,
  cast(floor(`event_time` to minute) as timestamp(3)) as window_start,
  cast(floor(`event_time` to minute) + interval '1' minute as timestamp(3)) as window_end,
  cast(1 as bigint) as transactions,
  cast(null as bigint) as approved,
  cast(null as bigint) as rejected,
  cast(null as bigint) as failed,
  cast(null as bigint) as reversed,
  `amount` as gross_amount,
  cast(null as decimal(18, 2)) as reversed_amount,
  cast(null as decimal(18, 2)) as net_amount,
  cast(null as decimal(18, 2)) as commission,
  cast(null as array<bigint>) as latency_le_counts,
  `transaction_id`
from classified_events
where is_late
union all
select
  'invalid_event' as record_type,
  `provider_id`,
  `product_id`,
  cast(null as timestamp(3)) as window_start,
  cast(null as timestamp(3)) as window_end,
  cast(null as bigint) as transactions,
  cast(null as bigint) as approved,
  cast(null as bigint) as rejected,
  cast(null as bigint) as failed,
  cast(null as bigint) as reversed,
  cast(null as decimal(18, 2)) as gross_amount,
  cast(null as decimal(18, 2)) as reversed_amount,
  cast(null as decimal(18, 2)) as net_amount,
  cast(null as decimal(18, 2)) as commission,
  cast(null as array<bigint>) as latency_le_counts,
  `transaction_id`
from transaction_events
where not (${required_not_null}) and `event_type` is distinct from '${feed_marker}'
union all
select
  'feed_marker' as record_type,
  cast(null as string) as provider_id,
  cast(null as string) as product_id,
  cast(null as timestamp(3)) as window_start,
  cast(null as timestamp(3)) as window_end,
  cast(null as bigint) as transactions,
  cast(null as bigint) as approved,
  cast(null as bigint) as rejected,
  cast(null as bigint) as failed,
  cast(null as bigint) as reversed,
  cast(null as decimal(18, 2)) as gross_amount,
  cast(null as decimal(18, 2)) as reversed_amount,
  cast(null as decimal(18, 2)) as net_amount,
  cast(null as decimal(18, 2)) as commission,
  cast(null as array<bigint>) as latency_le_counts,
  `transaction_id`
from transaction_events
where `event_type` = '${feed_marker}'
)
