"""JSON Schema (draft 2020-12) of one transaction event line, derived from the contract.

Money carries ``multipleOf: 0.01``. Validate with numbers parsed as decimals (Python:
``json.loads(line, parse_float=Decimal)``): a float-based check rejects valid cents such as 0.07.
"""

from __future__ import annotations

from typing import Any

from puntored.contract.transaction import TRANSACTION_FIELDS, Field, FieldType

_TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"


def _property(field: Field) -> dict[str, Any]:
    prop: dict[str, Any]
    if field.type is FieldType.STRING:
        prop = {"type": "string", "minLength": 1}
    elif field.type is FieldType.DECIMAL:
        prop = {"type": "number", "multipleOf": 0.01, "maximum": 1e16}
    elif field.type is FieldType.TIMESTAMP:
        prop = {"type": "string", "format": "date-time", "pattern": _TIMESTAMP_PATTERN}
    else:
        prop = {"type": "integer", "maximum": 2**31 - 1}
    if field.allowed is not None:
        prop["enum"] = list(field.allowed)
    if field.minimum is not None:
        prop["minimum"] = field.minimum
    if not field.required:
        prop = {"anyOf": [prop, {"type": "null"}]}
    prop["description"] = field.description
    return prop


def transaction_json_schema(fields: tuple[Field, ...] = TRANSACTION_FIELDS) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://puntored.example/schemas/transaction-event.json",
        "title": "PuntoRed transaction event",
        "type": "object",
        "properties": {f.name: _property(f) for f in fields},
        "required": [f.name for f in fields if f.required],
        "additionalProperties": False,
        "allOf": [
            {
                "if": {
                    "properties": {"event_type": {"const": "reversal"}},
                    "required": ["event_type"],
                },
                "then": {
                    "properties": {"reversed_transaction_id": {"type": "string", "minLength": 1}},
                    "required": ["reversed_transaction_id"],
                },
            }
        ],
    }
