"""Athena (Glue catalog) tables of the landing job, derived from the contract.

One structured definition per table (``raw_tables``) feeds both renderings: the DDL in
``glue/ddl/*.sql`` (these statements rendered with the ``${lake_uri}`` placeholder; a test keeps
them equal) and the ``AWS::Glue::Table`` resources of the CDK app (``infra/``). Partitions are
not registered: ``dt`` uses partition projection
(docs/decisions/0201-own-bookmark-and-partition-projection.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from puntored.contract.transaction import LAKE_METADATA_FIELDS, TRANSACTION_FIELDS, FieldType

_HIVE_TYPES = {
    FieldType.STRING: "string",
    FieldType.DECIMAL: "decimal(18,2)",
    FieldType.TIMESTAMP: "timestamp",
    FieldType.INTEGER: "int",
}
PROJECTION_RANGE = "2024-01-01,NOW"
PARTITION_KEYS: tuple[tuple[str, str], ...] = (("dt", "date"),)
STORED_AS = "PARQUET"


@dataclass(frozen=True)
class TableDefinition:
    """One external table: columns, partition keys, the folder under the lake, properties."""

    name: str
    columns: tuple[tuple[str, str], ...]
    lake_prefix: str  # folder under the lake URI, ending with "/"
    comment: str
    partition_keys: tuple[tuple[str, str], ...] = PARTITION_KEYS
    stored_as: str = STORED_AS

    def location(self, lake_uri: str) -> str:
        return f"{lake_uri}/{self.lake_prefix}"

    def properties(self, lake_uri: str) -> dict[str, str]:
        """TBLPROPERTIES: compression and the dt partition projection."""
        return {
            "parquet.compression": "ZSTD",
            "projection.enabled": "true",
            "projection.dt.type": "date",
            "projection.dt.format": "yyyy-MM-dd",
            "projection.dt.range": PROJECTION_RANGE,
            "projection.dt.interval": "1",
            "projection.dt.interval.unit": "DAYS",
            "storage.location.template": f"{self.location(lake_uri)}dt=${{dt}}/",
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


RAW_TRANSACTIONS = TableDefinition(
    name="transactions",
    columns=tuple(
        (f.name, _HIVE_TYPES[f.type]) for f in TRANSACTION_FIELDS + LAKE_METADATA_FIELDS
    ),
    lake_prefix="raw/transactions/",
    comment="raw.transactions: one row per transaction_id; dt = Bogota day of event_at",
)

RAW_QUARANTINE = TableDefinition(
    name="quarantine",
    columns=(
        ("raw_record", "string"),
        ("reason", "string"),
        ("source_file", "string"),
        ("ingested_at", "timestamp"),
    ),
    lake_prefix="raw/quarantine/",
    comment="raw.quarantine: rejected lines and unreadable files; dt = arrival day (Bogota)",
)


def raw_tables() -> tuple[TableDefinition, ...]:
    """Every table of the raw Glue database."""
    return (RAW_TRANSACTIONS, RAW_QUARANTINE)


def raw_transactions_ddl(lake_uri: str = "${lake_uri}") -> str:
    return RAW_TRANSACTIONS.ddl(lake_uri)


def raw_quarantine_ddl(lake_uri: str = "${lake_uri}") -> str:
    return RAW_QUARANTINE.ddl(lake_uri)
