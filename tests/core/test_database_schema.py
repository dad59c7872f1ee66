"""The Alembic migrations build exactly the schema the SQLAlchemy models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from puntored.database.engine import make_engine
from puntored.database.migrate import current_revision, upgrade
from puntored.database.models import Base


def test_migrations_match_the_models(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == []
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(database_url: str) -> None:
    upgrade(database_url)
    head = current_revision(database_url)
    upgrade(database_url)
    assert current_revision(database_url) == head is not None


def test_daily_tables_mirror_the_mart_columns() -> None:
    measures = [
        "transactions", "approved", "rejected", "failed", "reversed", "approval_rate",
        "gross_amount", "reversed_amount", "net_amount", "commission", "average_ticket",
    ]  # fmt: skip
    latency = ["latency_p50_ms", "latency_p95_ms", "dt"]
    tables = Base.metadata.tables
    assert list(tables["provider_daily_metrics"].c.keys()) == [
        "provider_id",
        *measures,
        "distinct_clients",
        *latency,
    ]
    assert list(tables["provider_product_daily_metrics"].c.keys()) == [
        "provider_id",
        "product_id",
        *measures,
        "distinct_clients",
        *latency,
    ]
    assert list(tables["provider_client_daily_metrics"].c.keys()) == [
        "provider_id",
        "client_id",
        *measures,
        *latency,
    ]
