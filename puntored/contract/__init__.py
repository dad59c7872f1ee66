"""The transaction event contract, defined once; every engine's schema derives from it.

This package imports only the standard library at module level, so the Flink job's own
virtual environment and the Glue job can import it too.
"""

from puntored.contract.transaction import (
    CHANNELS,
    EVENT_TYPES,
    LAKE_METADATA_FIELDS,
    PAYMENT_METHODS,
    STATUSES,
    TRANSACTION_FIELDS,
    Field,
    FieldType,
    field_names,
)

__all__ = [
    "CHANNELS",
    "EVENT_TYPES",
    "LAKE_METADATA_FIELDS",
    "PAYMENT_METHODS",
    "STATUSES",
    "TRANSACTION_FIELDS",
    "Field",
    "FieldType",
    "field_names",
]
