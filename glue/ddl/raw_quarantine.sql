-- raw.quarantine: rejected lines and unreadable files; dt = arrival day (Bogota)
CREATE EXTERNAL TABLE IF NOT EXISTS `quarantine` (
  `raw_record` string,
  `reason` string,
  `source_file` string,
  `ingested_at` timestamp
)
PARTITIONED BY (`dt` date)
STORED AS PARQUET
LOCATION '${lake_uri}/raw/quarantine/'
TBLPROPERTIES (
  'parquet.compression' = 'ZSTD'
);
