"""Alerts of one provider, newest first (index provider_id, status, opened_at)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from puntored.database.models import Alert


def provider_alerts_statement(provider_id: str, status: str | None, limit: int) -> Select[Any]:
    stmt = select(Alert).where(Alert.provider_id == provider_id)
    if status is not None:
        stmt = stmt.where(Alert.status == status)
    return stmt.order_by(Alert.opened_at.desc(), Alert.alert_id.desc()).limit(limit)


def provider_alerts(
    session: Session, provider_id: str, status: str | None, limit: int
) -> Sequence[Alert]:
    return session.scalars(provider_alerts_statement(provider_id, status, limit)).all()
