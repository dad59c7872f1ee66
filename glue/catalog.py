"""Athena (Glue catalog) tables of the landing job, derived from the contract.

One structured definition per table (``raw_tables``) feeds both renderings: the DDL in
``glue/ddl/*.sql`` (these statements rendered with the ``${lake_uri}`` placeholder; a test keeps
them equal), the ``AWS::Glue::Table`` resources of the CDK app (``infra/``) and the Glue API's
``TableInput`` (``table_input``). Partitions are registered by the landing job, each pointing at
the run-scoped prefix of its current version; no partition projection, which would read every
version under ``dt=D/`` (docs/decisions/0220-landing-on-s3-publish-by-catalog.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from puntored.contract.lake import PARTITION_COLUMN, RAW_QUARANTINE, RAW_TRANSACTIONS, LakeTable
from puntored.contract.transaction import LAKE_METADATA_FIELDS, TRANSACTION_FIELDS, FieldType

_HIVE_TYPES = {
    FieldType.STRING: "string",
    FieldType.DECIMAL: "decimal(18,2)",
    FieldType.TIMESTAMP: "timestamp",
    FieldType.INTEGER: "int",
}
PARQUET_FORMAT = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    },
}


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
        """TBLPROPERTIES: compression; partitions are registered (no projection)."""
        return {"parquet.compression": "ZSTD"}

    def table_input(self, lake_uri: str) -> dict[str, object]:
        """The Glue API's ``TableInput`` (``glue.create_table``) for this table."""

        def columns(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
            return [{"Name": name, "Type": kind} for name, kind in pairs]

        return {
            "Name": self.name,
            "Description": self.comment,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"EXTERNAL": "TRUE", **self.properties(lake_uri)},
            "PartitionKeys": columns(self.partition_keys),
            "StorageDescriptor": {
                "Columns": columns(self.columns),
                "Location": self.location(lake_uri),
                **PARQUET_FORMAT,
            },
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


def create_raw_tables(glue: Any, database: str, lake_uri: str) -> None:
    """The raw database and its tables through the Glue API (what infra/ deploys; for a
    catalog made by hand or an emulator)."""
    glue.create_database(DatabaseInput={"Name": database})
    for table in raw_tables():
        glue.create_table(DatabaseName=database, TableInput=table.table_input(lake_uri))


def raw_transactions_ddl(lake_uri: str = "${lake_uri}") -> str:
    return TRANSACTIONS_TABLE.ddl(lake_uri)


def raw_quarantine_ddl(lake_uri: str = "${lake_uri}") -> str:
    return QUARANTINE_TABLE.ddl(lake_uri)
