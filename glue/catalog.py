"""Athena (Glue catalog) DDL of the landing job's tables, derived from the contract.

``glue/ddl/*.sql`` are these statements rendered with the ``${lake_uri}`` placeholder; a test
keeps them equal. Partitions are not registered: ``dt`` uses partition projection
(docs/decisions/0201-own-bookmark-and-partition-projection.md).
"""

from __future__ import annotations

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
PARTITIONED BY (`dt` date)
STORED AS PARQUET
LOCATION '{location}'
TBLPROPERTIES (
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '{PROJECTION_RANGE}',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = '{location}dt=${{dt}}/'
);
"""


def raw_transactions_ddl(lake_uri: str = "${lake_uri}") -> str:
    fields = TRANSACTION_FIELDS + LAKE_METADATA_FIELDS
    columns = [(f.name, _HIVE_TYPES[f.type]) for f in fields]
    return _table(
        "transactions",
        columns,
        f"{lake_uri}/raw/transactions/",
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
        "quarantine",
        columns,
        f"{lake_uri}/raw/quarantine/",
        "raw.quarantine: rejected lines and unreadable files; dt = arrival day (Bogota)",
    )
