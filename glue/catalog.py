"""Athena (Glue catalog) DDL of the landing job's tables, derived from the contract.

``glue/ddl/*.sql`` are these statements rendered with the ``${lake_uri}`` placeholder; a test
keeps them equal. Partitions are not registered: ``dt`` uses partition projection
(docs/decisions/0201-own-bookmark-and-partition-projection.md).
"""

from __future__ import annotations

from puntored.contract.lake import PARTITION_COLUMN, RAW_QUARANTINE, RAW_TRANSACTIONS
from puntored.contract.transaction import LAKE_METADATA_FIELDS, TRANSACTION_FIELDS, FieldType

_HIVE_TYPES = {
    FieldType.STRING: "string",
    FieldType.DECIMAL: "decimal(18,2)",
    FieldType.TIMESTAMP: "timestamp",
    FieldType.INTEGER: "int",
}
PROJECTION_RANGE = "2024-01-01,NOW"


def _table(name: str, columns: list[tuple[str, str]], location: str, comment: str) -> str:
    body = ",\n".join(f"  `{column}` {kind}" for column, kind in columns)
    return f"""-- {comment}
CREATE EXTERNAL TABLE IF NOT EXISTS `{name}` (
{body}
)
PARTITIONED BY (`{PARTITION_COLUMN}` date)
STORED AS PARQUET
LOCATION '{location}'
TBLPROPERTIES (
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.{PARTITION_COLUMN}.type' = 'date',
  'projection.{PARTITION_COLUMN}.format' = 'yyyy-MM-dd',
  'projection.{PARTITION_COLUMN}.range' = '{PROJECTION_RANGE}',
  'projection.{PARTITION_COLUMN}.interval' = '1',
  'projection.{PARTITION_COLUMN}.interval.unit' = 'DAYS',
  'storage.location.template' = '{location}{PARTITION_COLUMN}=${{{PARTITION_COLUMN}}}/'
);
"""


def raw_transactions_ddl(lake_uri: str = "${lake_uri}") -> str:
    fields = TRANSACTION_FIELDS + LAKE_METADATA_FIELDS
    columns = [(f.name, _HIVE_TYPES[f.type]) for f in fields]
    return _table(
        RAW_TRANSACTIONS.name,
        columns,
        RAW_TRANSACTIONS.location(lake_uri) + "/",
        "raw.transactions: one row per transaction_id; dt = Bogota day of event_at",
    )


def raw_quarantine_ddl(lake_uri: str = "${lake_uri}") -> str:
    columns = [
        ("raw_record", "string"),
        ("reason", "string"),
        ("source_file", "string"),
        ("ingested_at", "timestamp"),
    ]
    return _table(
        RAW_QUARANTINE.name,
        columns,
        RAW_QUARANTINE.location(lake_uri) + "/",
        "raw.quarantine: rejected lines and unreadable files; dt = arrival day (Bogota)",
    )
