"""dbt source columns derived from the contract; tests compare them with models/ YAML."""

from __future__ import annotations

from puntored.contract.transaction import (
    LAKE_METADATA_FIELDS,
    TRANSACTION_FIELDS,
    Field,
    FieldType,
)

_DBT_TYPES = {
    FieldType.STRING: "varchar",
    FieldType.DECIMAL: "decimal(18,2)",
    FieldType.TIMESTAMP: "timestamp",
    FieldType.INTEGER: "integer",
}


def dbt_data_type(field: Field) -> str:
    return _DBT_TYPES[field.type]


def raw_transactions_columns() -> list[tuple[str, str]]:
    """(name, type) of the lake's raw.transactions table: event fields, metadata, then dt."""
    fields = TRANSACTION_FIELDS + LAKE_METADATA_FIELDS
    return [(f.name, dbt_data_type(f)) for f in fields] + [("dt", "date")]
