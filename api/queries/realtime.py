"""Realtime 1-minute windows (primary key / (provider, window_start) index range scans)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, Select, func, select
from sqlalchemy.orm import Session

from puntored.database.models import (
    RealtimeLateEvents,
    RealtimeProviderMinute,
    RealtimeProviderProductMinute,
)

MEASURES = (
    "window_start",
    "window_end",
    "transactions",
    "approved",
    "rejected",
    "failed",
    "reversed",
    "gross_amount",
    "reversed_amount",
    "net_amount",
    "commission",
    "latency_p95_ms",
)


def _with_rate(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    values = dict(row)
    transactions = values["transactions"]
    values["approval_rate"] = values["approved"] / transactions if transactions else None
    return values


def with_rates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows from the realtime store (either one) with their approval rate."""
    return [_with_rate(row) for row in rows]


def provider_windows_statement(provider_id: str, since: datetime) -> Select[Any]:
    table = RealtimeProviderMinute.__table__
    return (
        select(*(table.c[name] for name in MEASURES))
        .where(table.c.provider_id == provider_id, table.c.window_start >= since)
        .order_by(table.c.window_start)
    )


def provider_windows(session: Session, provider_id: str, since: datetime) -> list[dict[str, Any]]:
    stmt = provider_windows_statement(provider_id, since)
    return [_with_rate(row) for row in session.execute(stmt).mappings()]


def product_windows_statement(
    provider_id: str, since: datetime, product_id: str | None
) -> Select[Any]:
    table = RealtimeProviderProductMinute.__table__
    stmt = select(table.c.product_id, *(table.c[name] for name in MEASURES)).where(
        table.c.provider_id == provider_id, table.c.window_start >= since
    )
    if product_id is not None:
        stmt = stmt.where(table.c.product_id == product_id)
    return stmt.order_by(table.c.window_start, table.c.product_id)


def product_windows(
    session: Session, provider_id: str, since: datetime, product_id: str | None
) -> list[dict[str, Any]]:
    stmt = product_windows_statement(provider_id, since, product_id)
    return [_with_rate(row) for row in session.execute(stmt).mappings()]


def late_totals(session: Session, provider_id: str, since: datetime) -> tuple[int, Decimal]:
    table = RealtimeLateEvents.__table__
    row = session.execute(
        select(
            func.coalesce(func.sum(table.c.late_events), 0),
            func.coalesce(func.sum(table.c.late_amount), 0),
        ).where(table.c.provider_id == provider_id, table.c.window_start >= since)
    ).one()
    return int(row[0]), Decimal(row[1])


def latest_window_start(session: Session, provider_id: str) -> datetime | None:
    table = RealtimeProviderMinute.__table__
    return session.scalar(
        select(func.max(table.c.window_start)).where(table.c.provider_id == provider_id)
    )
