"""Daily metrics per provider and per provider and product (primary-key range scans)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, Select, select
from sqlalchemy.orm import Session

from puntored.database.models import ProviderDailyMetrics, ProviderProductDailyMetrics

MEASURES = (
    "transactions",
    "approved",
    "rejected",
    "failed",
    "reversed",
    "approval_rate",
    "gross_amount",
    "reversed_amount",
    "net_amount",
    "commission",
    "average_ticket",
    "distinct_clients",
    "latency_p50_ms",
    "latency_p95_ms",
)


def provider_daily_statement(provider_id: str, start: date, end: date) -> Select[Any]:
    table = ProviderDailyMetrics.__table__
    return (
        select(table.c.dt, *(table.c[name] for name in MEASURES))
        .where(table.c.provider_id == provider_id, table.c.dt.between(start, end))
        .order_by(table.c.dt)
    )


def provider_daily(
    session: Session, provider_id: str, start: date, end: date
) -> Sequence[RowMapping]:
    return session.execute(provider_daily_statement(provider_id, start, end)).mappings().all()


def provider_product_daily(
    session: Session, provider_id: str, start: date, end: date, product_id: str | None
) -> Sequence[RowMapping]:
    stmt = provider_product_daily_statement(provider_id, start, end, product_id)
    return session.execute(stmt).mappings().all()


def provider_product_daily_statement(
    provider_id: str, start: date, end: date, product_id: str | None
) -> Select[Any]:
    table = ProviderProductDailyMetrics.__table__
    stmt = select(table.c.dt, table.c.product_id, *(table.c[name] for name in MEASURES)).where(
        table.c.provider_id == provider_id, table.c.dt.between(start, end)
    )
    if product_id is not None:
        stmt = stmt.where(table.c.product_id == product_id)
    return stmt.order_by(table.c.dt, table.c.product_id)
