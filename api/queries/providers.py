from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from puntored.database.models import Provider


def provider_exists(session: Session, provider_id: str) -> bool:
    found = session.scalar(select(Provider.provider_id).where(Provider.provider_id == provider_id))
    return found is not None


def provider_name(session: Session, provider_id: str) -> str | None:
    return session.scalar(select(Provider.provider_name).where(Provider.provider_id == provider_id))


def all_providers(session: Session) -> list[tuple[str, str]]:
    """(provider_id, provider_name) of every provider, by name."""
    rows = session.execute(
        select(Provider.provider_id, Provider.provider_name).order_by(Provider.provider_name)
    )
    return [(row.provider_id, row.provider_name) for row in rows]
