-- The one window aggregation over the events: 1-minute tumbling windows per provider x product.
-- Provider rows are rolled up from these rows (insert_window_results.sql), so the events are
-- deduplicated and aggregated once, not once per level (decision 0650). Measures are raw here:
-- sums stay DECIMAL(38, 2) until the output casts them, latency counts are one column per bound.
CREATE TEMPORARY VIEW product_windows AS
select
  `provider_id`,
  `product_id`,
  window_start,
  window_end,
  window_time,
  -- counts: sales by status; reversals count when approved
  count(*) filter (where `event_type` = 'sale') as transactions,
  count(*) filter (where `event_type` = 'sale' and `status` = 'approved') as approved,
  count(*) filter (where `event_type` = 'sale' and `status` = 'rejected') as rejected,
  count(*) filter (where `event_type` = 'sale' and `status` = 'failed') as failed,
  count(*) filter (where `event_type` = 'reversal' and `status` = 'approved') as reversed,
  -- money (COP): approved sales, approved reversals, and commission net of reversals
  ${gross_amount} as gross_amount,
  ${reversed_amount} as reversed_amount,
  ${commission} as commission,
  -- latency of sales: cumulative counts per upper bound (ms), p95 derived by the processor
  ${latency_le_counts}
from table(tumble(table on_time_events, descriptor(`event_time`), interval '1' minute))
group by `provider_id`, `product_id`, window_start, window_end, window_time
