"""The serving schema (RDS PostgreSQL in production, PostgreSQL or SQLite locally).

These SQLAlchemy models are the definition; Alembic migrations in ``puntored/database/migrations``
create them. The daily tables mirror the dbt marts column for column (docs/data-contracts.md).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Double,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MONEY = Numeric(18, 2)
ID = String(64)
UTC_TIMESTAMP = DateTime(timezone=True)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- daily marts (synced from dbt) -----------------------------------------------------------


class DailyMeasures:
    """Measure columns shared by the three daily fact tables (see docs/data-contracts.md)."""

    transactions: Mapped[int] = mapped_column(BigInteger, sort_order=10)
    approved: Mapped[int] = mapped_column(BigInteger, sort_order=11)
    rejected: Mapped[int] = mapped_column(BigInteger, sort_order=12)
    failed: Mapped[int] = mapped_column(BigInteger, sort_order=13)
    reversed: Mapped[int] = mapped_column(BigInteger, sort_order=14)
    approval_rate: Mapped[float | None] = mapped_column(Double, sort_order=15)
    gross_amount: Mapped[Decimal] = mapped_column(MONEY, sort_order=16)
    reversed_amount: Mapped[Decimal] = mapped_column(MONEY, sort_order=17)
    net_amount: Mapped[Decimal] = mapped_column(MONEY, sort_order=18)
    commission: Mapped[Decimal] = mapped_column(MONEY, sort_order=19)
    average_ticket: Mapped[Decimal | None] = mapped_column(MONEY, sort_order=20)
    latency_p50_ms: Mapped[int | None] = mapped_column(Integer, sort_order=22)
    latency_p95_ms: Mapped[int | None] = mapped_column(Integer, sort_order=23)
    dt: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=30)


class ProviderDailyMetrics(DailyMeasures, Base):
    """One row per provider per day (mirror of fct_provider_daily)."""

    __tablename__ = "provider_daily_metrics"
    provider_id: Mapped[str] = mapped_column(ID, primary_key=True, sort_order=0)
    distinct_clients: Mapped[int] = mapped_column(BigInteger, sort_order=21)


class ProviderProductDailyMetrics(DailyMeasures, Base):
    """One row per provider, product and day (mirror of fct_provider_product_daily)."""

    __tablename__ = "provider_product_daily_metrics"
    provider_id: Mapped[str] = mapped_column(ID, primary_key=True, sort_order=0)
    product_id: Mapped[str] = mapped_column(ID, primary_key=True, sort_order=1)
    distinct_clients: Mapped[int] = mapped_column(BigInteger, sort_order=21)
    __table_args__ = (Index(None, "provider_id", "dt"),)


class ProviderClientDailyMetrics(DailyMeasures, Base):
    """One row per provider, point of sale and day (mirror of fct_provider_client_daily)."""

    __tablename__ = "provider_client_daily_metrics"
    provider_id: Mapped[str] = mapped_column(ID, primary_key=True, sort_order=0)
    client_id: Mapped[str] = mapped_column(ID, primary_key=True, sort_order=1)
    # The primary key (provider_id, dt, client_id) serves a provider's range totals, and the
    # sync writes the heap in its order, so a range is a run of adjacent pages; the second
    # index (deduplicated: one entry per pair) serves one point of sale's days (migration
    # 0007, decision 0415).
    __table_args__ = (
        PrimaryKeyConstraint("provider_id", "dt", "client_id"),
        Index(None, "provider_id", "client_id"),
    )


class Provider(Base):
    __tablename__ = "providers"
    provider_id: Mapped[str] = mapped_column(ID, primary_key=True)
    provider_name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))


class Product(Base):
    __tablename__ = "products"
    product_id: Mapped[str] = mapped_column(ID, primary_key=True)
    provider_id: Mapped[str] = mapped_column(ID, index=True)
    product_name: Mapped[str] = mapped_column(String(200))
    product_type: Mapped[str] = mapped_column(String(32))
    commission_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    min_amount: Mapped[Decimal] = mapped_column(MONEY)
    max_amount: Mapped[Decimal] = mapped_column(MONEY)


class Client(Base):
    """A point of sale, with where it is."""

    __tablename__ = "clients"
    client_id: Mapped[str] = mapped_column(ID, primary_key=True)
    client_name: Mapped[str] = mapped_column(String(200))
    client_type: Mapped[str] = mapped_column(String(32))
    city: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(100))
    dane_code: Mapped[str] = mapped_column(String(8))
    opened_on: Mapped[date] = mapped_column(Date)
    __table_args__ = (Index(None, "department", "city"),)


# --- realtime (written by the stream processor) --------------------------------------------


class RealtimeMeasures:
    window_end: Mapped[datetime] = mapped_column(UTC_TIMESTAMP, sort_order=9)
    transactions: Mapped[int] = mapped_column(BigInteger, sort_order=10)
    approved: Mapped[int] = mapped_column(BigInteger, sort_order=11)
    rejected: Mapped[int] = mapped_column(BigInteger, sort_order=12)
    failed: Mapped[int] = mapped_column(BigInteger, sort_order=13)
    reversed: Mapped[int] = mapped_column(BigInteger, sort_order=14)
    gross_amount: Mapped[Decimal] = mapped_column(MONEY, sort_order=16)
    reversed_amount: Mapped[Decimal] = mapped_column(MONEY, sort_order=17)
    net_amount: Mapped[Decimal] = mapped_column(MONEY, sort_order=18)
    commission: Mapped[Decimal] = mapped_column(MONEY, sort_order=19)
    latency_p95_ms: Mapped[int | None] = mapped_column(Integer, sort_order=23)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP, sort_order=40)


class RealtimeProviderMinute(RealtimeMeasures, Base):
    """One row per provider per 1-minute event-time window (window_start in UTC)."""

    __tablename__ = "realtime_provider_minute"
    provider_id: Mapped[str] = mapped_column(ID, primary_key=True, sort_order=0)
    window_start: Mapped[datetime] = mapped_column(UTC_TIMESTAMP, primary_key=True, sort_order=8)


class RealtimeProviderProductMinute(RealtimeMeasures, Base):
    """One row per provider, product and 1-minute event-time window."""

    __tablename__ = "realtime_provider_product_minute"
    provider_id: Mapped[str] = mapped_column(ID, primary_key=True, sort_order=0)
    product_id: Mapped[str] = mapped_column(ID, primary_key=True, sort_order=1)
    window_start: Mapped[datetime] = mapped_column(UTC_TIMESTAMP, primary_key=True, sort_order=8)
    __table_args__ = (Index(None, "provider_id", "window_start"),)


class RealtimeLateEvents(Base):
    """Events that arrived after their window closed, per provider and event minute."""

    __tablename__ = "realtime_late_events"
    provider_id: Mapped[str] = mapped_column(ID, primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTC_TIMESTAMP, primary_key=True)
    late_events: Mapped[int] = mapped_column(BigInteger)
    late_amount: Mapped[Decimal] = mapped_column(MONEY)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)


class Alert(Base):
    """An alert opened by the stream processor; at most one open per provider/product/type."""

    __tablename__ = "alerts"
    alert_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider_id: Mapped[str] = mapped_column(ID)
    product_id: Mapped[str | None] = mapped_column(ID)
    alert_type: Mapped[str] = mapped_column(
        String(32)
    )  # approval_rate_drop | volume_drop | failure_spike
    severity: Mapped[str] = mapped_column(String(16))  # warning | critical
    status: Mapped[str] = mapped_column(String(16))  # open | resolved
    opened_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    resolved_at: Mapped[datetime | None] = mapped_column(UTC_TIMESTAMP)
    first_window_start: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    last_window_start: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # high_value_transaction alerts: the one event they are about (null for window alerts);
    # unique per provider and type, so a re-read event opens nothing twice.
    transaction_id: Mapped[str | None] = mapped_column(ID)
    __table_args__ = (
        Index(None, "provider_id", "status", "opened_at"),
        Index(None, "provider_id", "alert_type", "transaction_id", unique=True),
    )


class RealtimeLateTransaction(Base):
    """One row per late event (beyond the allowed lateness), by transaction: what the
    reconciliation looks up in the lake to explain the realtime shortfall by cause."""

    __tablename__ = "realtime_late_transactions"
    provider_id: Mapped[str] = mapped_column(ID, primary_key=True)
    transaction_id: Mapped[str] = mapped_column(ID, primary_key=True)
    product_id: Mapped[str | None] = mapped_column(ID)
    window_start: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    __table_args__ = (Index(None, "window_start"),)


class Reconciliation(Base):
    """Batch vs realtime for one closed day, per provider and product (puntored reconcile).

    ``explained`` maps each cause (late_beyond_lateness, quarantined_in_batch, ...) to the
    measures it accounts for; ``unexplained_*`` is realtime - batch - sum of the causes."""

    __tablename__ = "reconciliation"
    provider_id: Mapped[str] = mapped_column(ID, primary_key=True)
    product_id: Mapped[str] = mapped_column(ID, primary_key=True)
    dt: Mapped[date] = mapped_column(Date, primary_key=True)
    batch_transactions: Mapped[int] = mapped_column(BigInteger)
    realtime_transactions: Mapped[int] = mapped_column(BigInteger)
    batch_approved: Mapped[int] = mapped_column(BigInteger)
    realtime_approved: Mapped[int] = mapped_column(BigInteger)
    batch_gross_amount: Mapped[Decimal] = mapped_column(MONEY)
    realtime_gross_amount: Mapped[Decimal] = mapped_column(MONEY)
    batch_net_amount: Mapped[Decimal] = mapped_column(MONEY)
    realtime_net_amount: Mapped[Decimal] = mapped_column(MONEY)
    explained: Mapped[dict[str, Any]] = mapped_column(JSON)
    unexplained_transactions: Mapped[int] = mapped_column(BigInteger)
    unexplained_approved: Mapped[int] = mapped_column(BigInteger)
    unexplained_gross_amount: Mapped[Decimal] = mapped_column(MONEY)
    unexplained_net_amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(16))  # matched | explained | unexplained
    reconciled_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    __table_args__ = (Index(None, "provider_id", "dt"),)


class Webhook(Base):
    """A provider's HTTPS endpoint for alerts; bodies are signed with its own secret."""

    __tablename__ = "webhooks"
    webhook_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider_id: Mapped[str] = mapped_column(ID, index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    removed_at: Mapped[datetime | None] = mapped_column(UTC_TIMESTAMP)


class WebhookDelivery(Base):
    """One alert event sent to one webhook: attempts, outcome, last HTTP status or error."""

    __tablename__ = "webhook_deliveries"
    delivery_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    webhook_id: Mapped[int] = mapped_column(Integer, index=True)
    alert_id: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(16))  # opened | resolved
    status: Mapped[str] = mapped_column(String(16))  # delivered | failed
    attempts: Mapped[int] = mapped_column(Integer)
    response_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(80))
    delivered_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    __table_args__ = (Index(None, "webhook_id", "alert_id", "event", unique=True),)


# --- access and bookkeeping ----------------------------------------------------------------


class ApiKey(Base):
    """A provider's (or an admin's) API key. Only a hash is stored; the key is shown once."""

    __tablename__ = "api_keys"
    key_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    provider_id: Mapped[str | None] = mapped_column(ID)  # null for admin keys
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC_TIMESTAMP)
    last_used_at: Mapped[datetime | None] = mapped_column(UTC_TIMESTAMP)


class SyncState(Base):
    """What the sync last wrote for one mart partition, verified against the warehouse."""

    __tablename__ = "sync_state"
    mart: Mapped[str] = mapped_column(ID, primary_key=True)
    dt: Mapped[date] = mapped_column(Date, primary_key=True)
    row_count: Mapped[int] = mapped_column(BigInteger)
    checksum: Mapped[str] = mapped_column(String(64))
    # the mart's _built_at for this dt when it was synced (None for dimensions, or marts
    # without _built_at): a newer value in the mart means dbt rebuilt the day since.
    built_at: Mapped[datetime | None] = mapped_column(UTC_TIMESTAMP)
    synced_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)


class PipelineStatus(Base):
    """Last successful run of each stage (land, transform, sync, realtime): feeds /freshness."""

    __tablename__ = "pipeline_status"
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_dt: Mapped[date | None] = mapped_column(Date)
    last_run_at: Mapped[datetime] = mapped_column(UTC_TIMESTAMP)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
