"""Flink SQL column list derived from the transaction contract (used by streaming/)."""

from __future__ import annotations

from puntored.contract.transaction import TRANSACTION_FIELDS, Field, FieldType

_FLINK_TYPES = {
    FieldType.STRING: "STRING",
    FieldType.DECIMAL: "DECIMAL(18, 2)",
    FieldType.TIMESTAMP: "TIMESTAMP_LTZ(3)",
    FieldType.INTEGER: "INT",
}


def flink_type(field: Field) -> str:
    return _FLINK_TYPES[field.type]


def flink_columns(fields: tuple[Field, ...] = TRANSACTION_FIELDS) -> list[tuple[str, str]]:
    """(name, Flink SQL type) pairs in contract order."""
    return [(f.name, flink_type(f)) for f in fields]


def flink_column_ddl(fields: tuple[Field, ...] = TRANSACTION_FIELDS) -> str:
    """The column part of a CREATE TABLE statement, one column per line."""
    return ",\n".join(f"  `{name}` {sql_type}" for name, sql_type in flink_columns(fields))
