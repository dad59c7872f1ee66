"""Seed a small serving database for the API tests, straight through the SQLAlchemy models.

Two providers with distinct numbers (so a leak is visible), six points of sale, ten days of
daily data, realtime windows around "now", alerts, pipeline status and four API keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient

from puntored.api.auth.keys import create_key, revoke_key
from puntored.api.main import create_app
from puntored.database.engine import make_engine, transaction
from puntored.database.migrate import upgrade
from puntored.database.models import (
    Alert,
    Client,
    PipelineStatus,
    Provider,
    ProviderClientDailyMetrics,
    ProviderDailyMetrics,
    ProviderProductDailyMetrics,
    RealtimeLateEvents,
    RealtimeProviderMinute,
    RealtimeProviderProductMinute,
    SyncState,
)
from puntored.serving.reports import run_reports
from puntored.settings import Settings
from tests.support.raw_lake import RawLake, random_events

FIRST_DAY = date(2026, 3, 1)
DAYS = 10
PROVIDERS = {"claro": 1000, "movistar": 7}  # base volume: claro's numbers dwarf movistar's
PRODUCTS = {"claro": ["claro_bill", "claro_topup"], "movistar": ["movistar_topup"]}
CLIENTS = [
    ("PDV000001", "Tienda Uno", "Bogota D.C.", "Bogota D.C."),
    ("PDV000002", "Tienda Dos", "Bogota D.C.", "Bogota D.C."),
    ("PDV000003", "Drogueria Tres", "Medellin", "Antioquia"),
    ("PDV000004", "Papeleria Cuatro", "Envigado", "Antioquia"),
    ("PDV000005", "Miscelanea Cinco", "Cali", "Valle del Cauca"),
    ("PDV000006", "Tienda Seis", "Cali", "Valle del Cauca"),
]
DEPARTMENT_COUNTS = {"Bogota D.C.": 2, "Antioquia": 2, "Valle del Cauca": 2}


def measures(transactions: int, amount: Decimal) -> dict[str, object]:
    approved = transactions - transactions // 10
    return {
        "transactions": transactions,
        "approved": approved,
        "rejected": transactions // 20,
        "failed": transactions // 10 - transactions // 20,
        "reversed": 1,
        "approval_rate": approved / transactions,
        "gross_amount": amount,
        # Written without places: the database must hand it back with two (StoredMoney).
        "reversed_amount": Decimal(100),
        "net_amount": amount - Decimal(100),
        "commission": (amount * Decimal("0.045")).quantize(Decimal("0.01")),
        "average_ticket": (amount / approved).quantize(Decimal("0.01")),
        "latency_p50_ms": 150,
        "latency_p95_ms": 900,
    }


def client_volume(provider_base: int, client_index: int, day: int) -> tuple[int, Decimal]:
    # PDV000003 and PDV000004 tie on transactions but not on amount: the sort must break ties.
    transactions = provider_base // 100 + [5, 9, 7, 7, 3, 1][client_index] + day % 2
    amount = Decimal(transactions * 1000 + client_index * 10) + Decimal("0.25")
    return transactions, amount


def seed_serving(url: str, now: datetime) -> None:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            _seed_dimensions(session)
            _seed_daily(session)
            _seed_realtime(session, now)
            _seed_status(session, now)
    finally:
        engine.dispose()


def _seed_dimensions(session) -> None:  # type: ignore[no-untyped-def]
    for provider_id in PROVIDERS:
        session.add(
            Provider(
                provider_id=provider_id,
                provider_name=provider_id.title(),
                legal_name=f"{provider_id} S.A.",
                category="telco",
            )
        )
    for client_id, name, city, department in CLIENTS:
        session.add(
            Client(
                client_id=client_id,
                client_name=name,
                client_type="tienda",
                city=city,
                department=department,
                dane_code="11001",
                opened_on=date(2020, 1, 1),
            )
        )


def _seed_daily(session) -> None:  # type: ignore[no-untyped-def]
    for provider_id, base in PROVIDERS.items():
        for offset in range(DAYS):
            dt = FIRST_DAY + timedelta(days=offset)
            volume = base + offset
            session.add(
                ProviderDailyMetrics(
                    provider_id=provider_id,
                    dt=dt,
                    distinct_clients=len(CLIENTS),
                    **measures(volume, Decimal(volume * 1000) + Decimal("0.5")),
                )
            )
            for index, product_id in enumerate(PRODUCTS[provider_id]):
                session.add(
                    ProviderProductDailyMetrics(
                        provider_id=provider_id,
                        product_id=product_id,
                        dt=dt,
                        distinct_clients=3,
                        **measures(volume + index, Decimal(volume * 500 + index)),
                    )
                )
            for index, (client_id, *_rest) in enumerate(CLIENTS):
                transactions, amount = client_volume(base, index, offset)
                session.add(
                    ProviderClientDailyMetrics(
                        provider_id=provider_id,
                        client_id=client_id,
                        dt=dt,
                        **measures(transactions, amount),
                    )
                )


def _minute(now: datetime, minutes_ago: int) -> datetime:
    return now.replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)


REALTIME_MINUTES_AGO = [1, 2, 3, 30, 120]  # 120 is outside the default 60-minute view


def _seed_realtime(session, now: datetime) -> None:  # type: ignore[no-untyped-def]
    for provider_id, base in PROVIDERS.items():
        for minutes_ago in REALTIME_MINUTES_AGO:
            start = _minute(now, minutes_ago)
            window = {
                "window_start": start,
                "window_end": start + timedelta(minutes=1),
                "updated_at": now,
                "latency_p95_ms": 700,
            }
            row = measures(base // 10 + minutes_ago, Decimal(base * 10 + minutes_ago))
            for name in ("approval_rate", "average_ticket", "latency_p50_ms", "latency_p95_ms"):
                row.pop(name)
            session.add(RealtimeProviderMinute(provider_id=provider_id, **window, **row))
            for product_id in PRODUCTS[provider_id]:
                session.add(
                    RealtimeProviderProductMinute(
                        provider_id=provider_id, product_id=product_id, **window, **row
                    )
                )
        session.add(
            RealtimeLateEvents(
                provider_id=provider_id,
                window_start=_minute(now, 5),
                late_events=3,
                late_amount=Decimal("4500.00"),
                updated_at=now,
            )
        )
        for status, hours_ago in (("open", 1), ("resolved", 5)):
            opened = now - timedelta(hours=hours_ago)
            session.add(
                Alert(
                    provider_id=provider_id,
                    product_id=PRODUCTS[provider_id][0],
                    alert_type="approval_rate_drop",
                    severity="critical",
                    status=status,
                    opened_at=opened,
                    resolved_at=opened + timedelta(minutes=10) if status == "resolved" else None,
                    first_window_start=_minute(opened, 3),
                    last_window_start=_minute(opened, 0),
                    message=f"{provider_id} approval rate below 80%",
                    details={"approval_rate": 0.61},
                )
            )


LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)


def _seed_status(session, now: datetime) -> None:  # type: ignore[no-untyped-def]
    for stage in ("land", "transform", "sync"):
        session.add(PipelineStatus(stage=stage, last_dt=LAST_DAY, last_run_at=now))
    for offset in range(DAYS):
        session.add(
            SyncState(
                mart="fct_provider_daily",
                dt=FIRST_DAY + timedelta(days=offset),
                row_count=2,
                checksum="x",
                synced_at=now - timedelta(days=DAYS - offset),
            )
        )


REPORT_DAYS = [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]


def write_reports(settings: Settings) -> None:
    """Real reconciliation reports (serving.reports) from a small seeded raw lake of claro,
    movistar and tigo transactions."""
    lake = RawLake(settings.lake_dir)
    random_events(lake, REPORT_DAYS[0], len(REPORT_DAYS), 60, seed=5)
    lake.write()
    for day in REPORT_DAYS:
        run_reports(settings, day)


@dataclass
class ApiEnv:
    client: TestClient
    url: str
    settings: Settings
    keys: dict[str, str]
    now: datetime

    def get(self, path: str, key: str | None = "claro", **kwargs: object):  # type: ignore[no-untyped-def]
        headers = dict(kwargs.pop("headers", {}) or {})  # type: ignore[call-overload]
        if key is not None:
            headers["X-API-Key"] = self.keys[key]
        return self.client.get(path, headers=headers, **kwargs)  # type: ignore[arg-type]


def create_keys(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            keys = {
                "claro": create_key(session, provider_id="claro").key,
                "movistar": create_key(session, provider_id="movistar").key,
                "admin": create_key(session, provider_id=None, is_admin=True).key,
                "revoked": create_key(session, provider_id="claro", name="old").key,
            }
            revoke_key(session, keys["revoked"][:12])
        return keys
    finally:
        engine.dispose()


def build_env(
    database_url: str,
    data_dir: Path,
    *,
    rate: float = 10_000.0,
    burst: int = 10_000,
    **settings_overrides: object,
) -> Iterator[ApiEnv]:
    upgrade(database_url)
    now = datetime.now(UTC)
    seed_serving(database_url, now)
    keys = create_keys(database_url)
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        api_rate_limit_per_second=rate,
        api_rate_limit_burst=burst,
        **settings_overrides,  # type: ignore[arg-type]
    )
    with TestClient(create_app(settings)) as client:
        yield ApiEnv(client=client, url=database_url, settings=settings, keys=keys, now=now)


# URL templates over the seeded days ({} is the provider id).
RANGE = f"from={FIRST_DAY}&to={LAST_DAY}"
DAILY = "/v1/providers/{}/metrics/daily?" + RANGE
PRODUCTS_URL = "/v1/providers/{}/metrics/products?" + RANGE
CLIENTS_URL = "/v1/providers/{}/metrics/clients?" + RANGE
