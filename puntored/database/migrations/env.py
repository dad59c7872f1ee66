"""Alembic environment: the URL comes from the caller's config or from the settings.

Two upgrades at once are safe: on PostgreSQL each takes a transaction-scoped advisory lock
before reading the current revision (the second then finds the schema at head and does
nothing); on SQLite, which has no such lock, an exclusive file lock beside the database file
serialises them the same way.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from puntored.database.engine import make_engine
from puntored.database.models import Base
from puntored.settings import get_settings

config = context.config
target_metadata = Base.metadata
MIGRATION_LOCK_KEY = 0x70756E746F726564  # "puntored": pg_advisory_xact_lock's bigint key


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().serving_database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given: Connection | None = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = make_engine(_url())
    try:
        with _sqlite_file_lock(_url()), engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs batch mode for ALTER TABLE
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":  # held until this transaction ends
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        context.run_migrations()


@contextmanager
def _sqlite_file_lock(url: str) -> Iterator[None]:
    """An exclusive flock on ``<database>.migrate-lock`` for a SQLite file; else nothing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        yield
        return
    with open(f"{parsed.database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
