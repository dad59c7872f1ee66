-- Window results, one row per record_type:
--   provider_minute / provider_product_minute: a closed 1-minute event-time window;
--   late_event: one event whose window had already closed (never silently dropped);
--   invalid_event: one event missing a required field (kept visible, not counted).
--   feed_marker: the local feeder's end-of-chunk line went through the source (transaction_id
--     names the chunk): the feeder exposes the next chunk only once this is committed
--     (decision 0601).
-- window_start / window_end are UTC (the session time zone is UTC).
CREATE TEMPORARY TABLE window_results (
  `record_type` STRING,
  `provider_id` STRING,
  `product_id` STRING,
  `window_start` TIMESTAMP(3),
  `window_end` TIMESTAMP(3),
  `transactions` BIGINT,
  `approved` BIGINT,
  `rejected` BIGINT,
  `failed` BIGINT,
  `reversed` BIGINT,
  `gross_amount` DECIMAL(18, 2),
  `reversed_amount` DECIMAL(18, 2),
  `net_amount` DECIMAL(18, 2),
  `commission` DECIMAL(18, 2),
  `latency_le_counts` ARRAY<BIGINT>,
  `transaction_id` STRING,
  `emitted_at` TIMESTAMP(3)
) WITH (
${options}
)
