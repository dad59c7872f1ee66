"""Realtime windows as the API serves them: the approval rate of rows from either realtime store
(``puntored.database.store_selection``), and the newest window for /freshness."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, func, select
from sqlalchemy.orm import Session

from puntored.database.models import RealtimeProviderMinute


def _with_rate(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    values = dict(row)
    transactions = values["transactions"]
    values["approval_rate"] = values["approved"] / transactions if transactions else None
    return values


def with_rates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows from the realtime store (either one) with their approval rate."""
    return [_with_rate(row) for row in rows]


def latest_window_start(session: Session, provider_id: str) -> datetime | None:
    table = RealtimeProviderMinute.__table__
    return session.scalar(
        select(func.max(table.c.window_start)).where(table.c.provider_id == provider_id)
    )
