"""Which realtime store the settings choose (``PUNTORED_REALTIME_STORE``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from puntored.database.dynamodb_store import DynamoRealtimeStore
from puntored.database.realtime_store import RealtimeStore, SqlRealtimeStore
from puntored.settings import Settings


def open_realtime_store(settings: Settings, session: Session) -> RealtimeStore:
    """``postgres``: the serving database's realtime tables, in ``session``'s transaction;
    ``dynamodb``: the table ``PUNTORED_REALTIME_TABLE`` (alerts and positions stay in
    ``session``)."""
    if settings.realtime_store == "dynamodb":
        assert settings.realtime_table is not None  # the settings refuse dynamodb without it
        return DynamoRealtimeStore(
            settings.realtime_table,
            settings.aws_region,
            settings.aws_endpoint_url,
            settings.realtime_ttl_days,
        )
    return SqlRealtimeStore(session)
