"""The transaction event: one record per sale attempt or reversal, as the switch emits it.

This is the single definition of the event. The Spark schema (``spark.py``), the Flink SQL
columns (``flink.py``), the JSON Schema (``json_schema.py``) and the dbt source columns
(``dbt.py``) are derived from ``TRANSACTION_FIELDS``; tests check that nothing drifts.

Wire format (JSON lines): timestamps are ISO-8601 UTC strings with a ``Z`` suffix and
millisecond precision (``2026-11-02T13:45:12.345Z``); money is a JSON number with exactly two
decimals (COP, never a float in storage: ``decimal(18,2)`` everywhere downstream).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FieldType(Enum):
    STRING = "string"
    DECIMAL = "decimal(18,2)"
    TIMESTAMP = "timestamp"
    INTEGER = "integer"


EVENT_TYPES = ("sale", "reversal")
STATUSES = ("approved", "rejected", "failed")
CHANNELS = ("pos", "web", "app")
PAYMENT_METHODS = ("cash", "debit_card", "qr_transfer")
CURRENCIES = ("COP",)
APPROVED_RESPONSE_CODE = "00"


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    required: bool
    description: str
    allowed: tuple[str, ...] | None = None
    minimum: int | None = None


TRANSACTION_FIELDS: tuple[Field, ...] = (
    Field(
        "transaction_id",
        FieldType.STRING,
        True,
        "Unique id of the event, assigned by the switch. Re-sent events repeat it.",
    ),
    Field(
        "event_type",
        FieldType.STRING,
        True,
        "sale: a sale attempt; reversal: cancels an earlier approved sale.",
        EVENT_TYPES,
    ),
    Field(
        "reversed_transaction_id",
        FieldType.STRING,
        False,
        "For a reversal, the transaction_id of the sale it cancels; null for a sale.",
    ),
    Field("event_at", FieldType.TIMESTAMP, True, "When the switch processed the event, in UTC."),
    Field(
        "provider_id",
        FieldType.STRING,
        True,
        "The provider whose product was sold (seeds/providers.csv).",
    ),
    Field(
        "product_id",
        FieldType.STRING,
        True,
        "The product sold (seeds/products.csv); belongs to provider_id.",
    ),
    Field(
        "client_id", FieldType.STRING, True, "The point of sale that sold it (seeds/clients.csv)."
    ),
    Field("terminal_id", FieldType.STRING, True, "The terminal or session at the point of sale."),
    Field("channel", FieldType.STRING, True, "Sales channel.", CHANNELS),
    Field(
        "payment_method",
        FieldType.STRING,
        True,
        "How the end customer paid the point of sale.",
        PAYMENT_METHODS,
    ),
    Field(
        "amount",
        FieldType.DECIMAL,
        True,
        "Face value in COP, decimal(18,2), never negative. A reversal repeats the sale's amount.",
        minimum=0,
    ),
    Field(
        "commission",
        FieldType.DECIMAL,
        True,
        "Commission in COP earned by the network on this event, decimal(18,2), never negative.",
        minimum=0,
    ),
    Field("currency", FieldType.STRING, True, "ISO-4217 currency; always COP.", CURRENCIES),
    Field(
        "status",
        FieldType.STRING,
        True,
        "approved; rejected by the provider (see response_code); failed (technical).",
        STATUSES,
    ),
    Field(
        "response_code",
        FieldType.STRING,
        True,
        "Provider or switch response code; '00' means approved.",
    ),
    Field(
        "latency_ms",
        FieldType.INTEGER,
        True,
        "Round-trip time to the provider in milliseconds.",
        minimum=0,
    ),
    Field(
        "customer_reference",
        FieldType.STRING,
        False,
        "Masked end-customer reference: phone number, bill or policy number.",
    ),
)

LAKE_METADATA_FIELDS: tuple[Field, ...] = (
    Field("source_file", FieldType.STRING, True, "Landing file the record was read from."),
    Field(
        "ingested_at",
        FieldType.TIMESTAMP,
        True,
        "When the landing job wrote the record to the lake, in UTC.",
    ),
)
"""Columns the landing job adds to every raw row (the partition column ``dt`` comes last)."""


def field_names() -> tuple[str, ...]:
    return tuple(f.name for f in TRANSACTION_FIELDS)


def required_field_names() -> tuple[str, ...]:
    return tuple(f.name for f in TRANSACTION_FIELDS if f.required)
