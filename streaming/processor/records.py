"""Window result records as the Flink job writes them (see streaming/flink_job/sql/sink.sql)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from puntored.database.engine import as_utc

WINDOW_TYPES = ("provider_minute", "provider_product_minute")
RECORD_TYPES = (*WINDOW_TYPES, "late_event", "invalid_event", "high_value_event", "feed_marker")


class RecordError(ValueError):
    """A window result record that cannot be read; the message says why."""


@dataclass(frozen=True)
class WindowResult:
    record_type: str
    provider_id: str
    product_id: str | None
    window_start: datetime
    window_end: datetime
    transactions: int
    approved: int
    rejected: int
    failed: int
    reversed: int
    gross_amount: Decimal
    reversed_amount: Decimal
    net_amount: Decimal
    commission: Decimal
    latency_le_counts: tuple[int, ...]

    @property
    def key(self) -> tuple[str, str | None, datetime]:
        return (self.provider_id, self.product_id, self.window_start)


@dataclass(frozen=True)
class LateEvent:
    provider_id: str
    window_start: datetime
    transaction_id: str
    amount: Decimal
    product_id: str | None = None


@dataclass(frozen=True)
class SaleEvent:
    """One sale as it happened (per-event rules: the high-value transaction alert).

    From a ``high_value_event`` sink record (docs/streaming.md: what the Flink job is asked to
    emit) or read by the processor from the raw event files the feeder exposes."""

    provider_id: str
    product_id: str | None
    transaction_id: str
    event_at: datetime
    amount: Decimal
    status: str | None = None


@dataclass(frozen=True)
class InvalidEvent:
    transaction_id: str | None
    provider_id: str | None


@dataclass(frozen=True)
class FeedMarker:
    """The local feeder's end-of-chunk line, passed through the job (decision 0601)."""

    marker: str


Record = WindowResult | LateEvent | InvalidEvent | SaleEvent | FeedMarker


def _utc(value: str) -> datetime:
    """Flink writes window bounds as UTC wall-clock TIMESTAMP(3) (no offset)."""
    return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


def parse_record(raw: dict[str, Any]) -> Record:
    record_type = raw.get("record_type")
    try:
        if record_type in WINDOW_TYPES:
            return WindowResult(
                record_type=str(record_type),
                provider_id=str(raw["provider_id"]),
                product_id=raw["product_id"] if record_type == "provider_product_minute" else None,
                window_start=_utc(raw["window_start"]),
                window_end=_utc(raw["window_end"]),
                transactions=int(raw["transactions"]),
                approved=int(raw["approved"]),
                rejected=int(raw["rejected"]),
                failed=int(raw["failed"]),
                reversed=int(raw["reversed"]),
                gross_amount=Decimal(str(raw["gross_amount"])),
                reversed_amount=Decimal(str(raw["reversed_amount"])),
                net_amount=Decimal(str(raw["net_amount"])),
                commission=Decimal(str(raw["commission"])),
                latency_le_counts=tuple(int(n) for n in raw["latency_le_counts"] or ()),
            )
        if record_type == "late_event":
            return LateEvent(
                provider_id=str(raw["provider_id"]),
                window_start=_utc(raw["window_start"]),
                transaction_id=str(raw["transaction_id"]),
                amount=Decimal(str(raw["gross_amount"] or 0)),
                product_id=raw.get("product_id"),
            )
        if record_type == "high_value_event":
            return sale_event(raw, amount_field="gross_amount", time_field="window_start")
        if record_type == "invalid_event":
            return InvalidEvent(raw.get("transaction_id"), raw.get("provider_id"))
        if record_type == "feed_marker":
            return FeedMarker(str(raw["transaction_id"]))
    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
        raise RecordError(f"bad {record_type} record: {error!r}") from error
    raise RecordError(f"unknown record_type {record_type!r}")


def sale_event(
    raw: dict[str, Any], amount_field: str = "amount", time_field: str = "event_at"
) -> SaleEvent:
    return SaleEvent(
        provider_id=str(raw["provider_id"]),
        product_id=raw.get("product_id"),
        transaction_id=str(raw["transaction_id"]),
        event_at=_utc(str(raw[time_field])),
        amount=Decimal(str(raw[amount_field])),
        status=raw.get("status"),
    )


def parse_line(line: str | bytes) -> Record:
    try:
        raw = json.loads(line, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise RecordError(f"not JSON: {error}") from error
    if not isinstance(raw, dict):
        raise RecordError("a window result must be a JSON object")
    return parse_record(raw)
