select
  '${record_type}' as record_type,
  `provider_id`,
  ${product_column} as product_id,
  window_start,
  window_end,
  -- counts: sales by status; reversals count when approved
  count(*) filter (where `event_type` = 'sale') as transactions,
  count(*) filter (where `event_type` = 'sale' and `status` = 'approved') as approved,
  count(*) filter (where `event_type` = 'sale' and `status` = 'rejected') as rejected,
  count(*) filter (where `event_type` = 'sale' and `status` = 'failed') as failed,
  count(*) filter (where `event_type` = 'reversal' and `status` = 'approved') as reversed,
  -- money (COP): approved sales, approved reversals, and commission net of reversals
  cast(${gross_amount} as decimal(18, 2)) as gross_amount,
  cast(${reversed_amount} as decimal(18, 2)) as reversed_amount,
  cast(${gross_amount} - ${reversed_amount} as decimal(18, 2)) as net_amount,
  cast(${commission} as decimal(18, 2)) as commission,
  -- latency of sales: cumulative counts per upper bound (ms), p95 derived by the processor
  array[${latency_le_counts}] as latency_le_counts,
  cast(null as string) as transaction_id
from table(tumble(table on_time_events, descriptor(`event_at`), interval '1' minute))
group by `provider_id`, ${product_group}window_start, window_end
