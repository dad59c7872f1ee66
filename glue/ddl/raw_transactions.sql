-- raw.transactions: one row per transaction_id; dt = Bogota day of event_at
CREATE EXTERNAL TABLE IF NOT EXISTS `transactions` (
  `transaction_id` string,
  `event_type` string,
  `reversed_transaction_id` string,
  `event_at` timestamp,
  `provider_id` string,
  `product_id` string,
  `client_id` string,
  `terminal_id` string,
  `channel` string,
  `payment_method` string,
  `amount` decimal(18,2),
  `commission` decimal(18,2),
  `currency` string,
  `status` string,
  `response_code` string,
  `latency_ms` int,
  `customer_reference` string,
  `source_file` string,
  `ingested_at` timestamp
)
PARTITIONED BY (`dt` date)
STORED AS PARQUET
LOCATION '${lake_uri}/raw/transactions/'
TBLPROPERTIES (
  'parquet.compression' = 'ZSTD'
);
