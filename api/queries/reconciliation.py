"""Stored batch/realtime reconciliation rows of a provider (``puntored reconcile``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from puntored.database.models import Reconciliation


def provider_reconciliation(
    session: Session, provider_id: str, start: date, end: date
) -> list[dict[str, Any]]:
    model = Reconciliation
    rows = session.scalars(
        select(model)
        .where(model.provider_id == provider_id, model.dt >= start, model.dt <= end)
        .order_by(model.dt, model.product_id)
    )
    return [
        {column.name: getattr(row, column.name) for column in model.__table__.columns}
        for row in rows
    ]
