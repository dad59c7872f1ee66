"""Key management against the configured serving database: what ``puntored keys`` calls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from puntored.api.auth.keys import (
    ApiKeyError,
    CreatedKey,
    KeyInfo,
    create_key,
    list_keys,
    revoke_key,
)
from puntored.database.engine import make_engine, transaction
from puntored.settings import Settings


@contextmanager
def _key_store(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.serving_database_url)
    try:
        if not inspect(engine).has_table("api_keys"):
            raise ApiKeyError(
                "the serving database has no api_keys table: run `puntored db upgrade` first"
            )
        with transaction(engine) as session:
            yield session
    finally:
        engine.dispose()


def create_api_key(
    settings: Settings, provider_id: str | None, *, is_admin: bool = False, name: str | None = None
) -> CreatedKey:
    with _key_store(settings) as session:
        return create_key(session, provider_id=provider_id, is_admin=is_admin, name=name)


def list_api_keys(settings: Settings) -> list[KeyInfo]:
    with _key_store(settings) as session:
        return list_keys(session)


def revoke_api_key(settings: Settings, key_id_or_prefix: str) -> KeyInfo:
    with _key_store(settings) as session:
        return revoke_key(session, key_id_or_prefix)
