"""Athena (Glue catalog) tables of the landing job, derived from the contract.

One structured definition per table (``raw_tables``) feeds both renderings: the DDL in
``glue/ddl/*.sql`` (these statements rendered with the ``${lake_uri}`` placeholder; a test keeps
them equal) and the ``AWS::Glue::Table`` resources of the CDK app (``infra/``). Partitions are
not registered: ``dt`` uses partition projection
(docs/decisions/0201-own-bookmark-and-partition-projection.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from puntored.contract.lake import PARTITION_COLUMN, RAW_QUARANTINE, RAW_TRANSACTIONS, LakeTable
from puntored.contract.transaction import LAKE_METADATA_FIELDS, TRANSACTION_FIELDS, FieldType

_HIVE_TYPES = {
    FieldType.STRING: "string",
    FieldType.DECIMAL: "decimal(18,2)",
    FieldType.TIMESTAMP: "timestamp",
    FieldType.INTEGER: "int",
}
PROJECTION_RANGE = "2024-01-01,NOW"


@dataclass(frozen=True)
class TableDefinition:
    """One external table: its lake folder, columns, ``dt`` partition key and properties."""

    table: LakeTable
    columns: tuple[tuple[str, str], ...]
    comment: str
    partition_keys: tuple[tuple[str, str], ...] = ((PARTITION_COLUMN, "date"),)
    stored_as: str = "PARQUET"

    @property
    def name(self) -> str:
        return self.table.name

    def location(self, lake_uri: str) -> str:
        return self.table.location(lake_uri) + "/"

    def properties(self, lake_uri: str) -> dict[str, str]:
        """TBLPROPERTIES: compression and the ``dt`` partition projection."""
        dt = PARTITION_COLUMN
        return {
            "parquet.compression": "ZSTD",
            "projection.enabled": "true",
            f"projection.{dt}.type": "date",
            f"projection.{dt}.format": "yyyy-MM-dd",
            f"projection.{dt}.range": PROJECTION_RANGE,
            f"projection.{dt}.interval": "1",
            f"projection.{dt}.interval.unit": "DAYS",
            "storage.location.template": f"{self.location(lake_uri)}{dt}=${{{dt}}}/",
        }

    def ddl(self, lake_uri: str = "${lake_uri}") -> str:
        body = ",\n".join(f"  `{column}` {kind}" for column, kind in self.columns)
        partitions = ", ".join(f"`{column}` {kind}" for column, kind in self.partition_keys)
        properties = ",\n".join(f"  '{k}' = '{v}'" for k, v in self.properties(lake_uri).items())
        return f"""-- {self.comment}
CREATE EXTERNAL TABLE IF NOT EXISTS `{self.name}` (
{body}
)
PARTITIONED BY ({partitions})
STORED AS {self.stored_as}
LOCATION '{self.location(lake_uri)}'
TBLPROPERTIES (
{properties}
);
"""


TRANSACTIONS_TABLE = TableDefinition(
    RAW_TRANSACTIONS,
    columns=tuple((f.name, _HIVE_TYPES[f.type]) for f in TRANSACTION_FIELDS + LAKE_METADATA_FIELDS),
    comment="raw.transactions: one row per transaction_id; dt = Bogota day of event_at",
)

QUARANTINE_TABLE = TableDefinition(
    RAW_QUARANTINE,
    columns=(
        ("raw_record", "string"),
        ("reason", "string"),
        ("source_file", "string"),
        ("ingested_at", "timestamp"),
    ),
    comment="raw.quarantine: rejected lines and unreadable files; dt = arrival day (Bogota)",
)


def raw_tables() -> tuple[TableDefinition, ...]:
    """Every table of the raw Glue database."""
    return (TRANSACTIONS_TABLE, QUARANTINE_TABLE)


def raw_transactions_ddl(lake_uri: str = "${lake_uri}") -> str:
    return TRANSACTIONS_TABLE.ddl(lake_uri)


def raw_quarantine_ddl(lake_uri: str = "${lake_uri}") -> str:
    return QUARANTINE_TABLE.ddl(lake_uri)
