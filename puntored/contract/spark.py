"""Spark schema derived from the transaction contract (used by the Glue landing job)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from puntored.contract.transaction import TRANSACTION_FIELDS, Field, FieldType

if TYPE_CHECKING:
    from pyspark.sql.types import DataType, StructType


def _spark_type(field: Field) -> DataType:
    from pyspark.sql import types as t

    return {
        FieldType.STRING: t.StringType(),
        FieldType.DECIMAL: t.DecimalType(18, 2),
        FieldType.TIMESTAMP: t.TimestampType(),
        FieldType.INTEGER: t.IntegerType(),
    }[field.type]


def transaction_schema(fields: tuple[Field, ...] = TRANSACTION_FIELDS) -> StructType:
    """All fields nullable: required-ness is checked by the job so bad rows can be quarantined."""
    from pyspark.sql import types as t

    return t.StructType([t.StructField(f.name, _spark_type(f), True) for f in fields])
