from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from puntored.database.models import Provider


def provider_exists(session: Session, provider_id: str) -> bool:
    found = session.scalar(select(Provider.provider_id).where(Provider.provider_id == provider_id))
    return found is not None
