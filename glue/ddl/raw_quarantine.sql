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
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2024-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = '${lake_uri}/raw/quarantine/dt=${dt}/'
);
