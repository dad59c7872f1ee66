select
  '${record_type}' as record_type,
  `provider_id`,
  ${product_column},
  window_start,
  window_end,
  ${transactions} as transactions,
  ${approved} as approved,
  ${rejected} as rejected,
  ${failed} as failed,
  ${reversed} as reversed,
  cast(${gross_amount} as decimal(18, 2)) as gross_amount,
  cast(${reversed_amount} as decimal(18, 2)) as reversed_amount,
  cast(${gross_amount} - ${reversed_amount} as decimal(18, 2)) as net_amount,
  cast(${commission} as decimal(18, 2)) as commission,
  array[${latency_le_counts}] as latency_le_counts,
  cast(null as string) as transaction_id
from ${source}
