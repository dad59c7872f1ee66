"""On PostgreSQL, with realistic table sizes and statistics, the API's hot queries use the
serving indexes: no sequential scan of a big table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.dialects import postgresql

from puntored.api.auth.keys import hash_key
from puntored.api.pagination import ClientQuery
from puntored.api.queries.alerts import provider_alerts_statement
from puntored.api.queries.clients import client_count_statement, client_page_statement
from puntored.api.queries.daily import provider_daily_statement, provider_product_daily_statement
from puntored.database.engine import make_engine
from puntored.database.migrate import upgrade
from puntored.database.realtime_store import (
    product_windows_statement,
    provider_windows_statement,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BIG_TABLES = (
    "provider_daily_metrics",
    "provider_product_daily_metrics",
    "provider_client_daily_metrics",
    "realtime_provider_minute",
    "realtime_provider_product_minute",
    "alerts",
    "api_keys",
)
MEASURES = "10, 9, 1, 0, 0, 0.9, 1000.00, 0, 1000.00, 45.00, 111.11"
FILL = f"""
insert into provider_daily_metrics
  select 'p' || p, {MEASURES}, 100, 150, 900, date '2024-01-01' + d
  from generate_series(1, 16) p, generate_series(0, 729) d;
insert into provider_product_daily_metrics
  select 'p' || p, 'prod' || q, {MEASURES}, 100, 150, 900, date '2024-01-01' + d
  from generate_series(1, 16) p, generate_series(1, 3) q, generate_series(0, 729) d;
insert into provider_client_daily_metrics
  select 'p' || p, 'PDV' || lpad(c::text, 6, '0'), {MEASURES}, 150, 900, date '2025-11-01' + d
  from generate_series(1, 10) p, generate_series(1, 400) c, generate_series(0, 59) d;
insert into clients
  select 'PDV' || lpad(c::text, 6, '0'), 'name', 'tienda', 'Cali', 'Valle', '76001',
         date '2020-01-01'
  from generate_series(1, 400) c;
insert into realtime_provider_minute
  select 'p' || p, now() - make_interval(mins => m), now() - make_interval(mins => m - 1),
         10, 9, 1, 0, 0, 1000.00, 0, 1000.00, 45.00, 900, now()
  from generate_series(1, 10) p, generate_series(1, 4320) m;
insert into realtime_provider_product_minute
  select 'p' || p, 'prod' || q, now() - make_interval(mins => m),
         now() - make_interval(mins => m - 1),
         10, 9, 1, 0, 0, 1000.00, 0, 1000.00, 45.00, 900, now()
  from generate_series(1, 10) p, generate_series(1, 3) q, generate_series(1, 2880) m;
insert into alerts (provider_id, product_id, alert_type, severity, status, opened_at,
                    first_window_start, last_window_start, message)
  select 'p' || (a % 10), null, 'volume_drop', 'warning',
         case when a % 7 = 0 then 'open' else 'resolved' end,
         now() - make_interval(mins => a), now(), now(), 'm'
  from generate_series(1, 20000) a;
insert into api_keys (key_prefix, key_hash, provider_id, is_admin, name, created_at)
  select 'prk_' || k, md5(k::text) || md5((k + 1)::text), 'p1', false, 'k', now()
  from generate_series(1, 5000) k;
"""


def _plan(engine: Engine, statement: Any) -> str:
    sql = statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        rows = connection.execute(text(f"explain {sql}")).scalars()
        return "\n".join(rows)


def test_hot_queries_use_indexes(postgres_url: str) -> None:
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(FILL))
            for table in (*BIG_TABLES, "clients"):
                connection.execute(text(f"analyze {table}"))
        start, end = date(2025, 3, 1), date(2025, 3, 31)
        since = datetime.now(UTC) - timedelta(minutes=60)
        client_query = ClientQuery(
            "p3", date(2025, 12, 1), date(2025, 12, 7), None, None, None, "-gross_amount"
        )
        hash_lookup = text(
            "select key_id from api_keys where key_hash = :h and revoked_at is null"
        ).bindparams(h=hash_key("prk_x"))
        statements = {
            "daily": provider_daily_statement("p3", start, end),
            "products": provider_product_daily_statement("p3", start, end, None),
            "one product": provider_product_daily_statement("p3", start, end, "prod2"),
            "clients page": client_page_statement(client_query, 100, 0),
            "clients count": client_count_statement(client_query),
            "realtime": provider_windows_statement("p3", since),
            "realtime products": product_windows_statement("p3", since, None),
            "open alerts": provider_alerts_statement("p3", "open", 100),
            "all alerts": provider_alerts_statement("p3", None, 100),
            "key lookup": hash_lookup,
        }
        for name, statement in statements.items():
            plan = _plan(engine, statement)
            for table in BIG_TABLES:
                assert f"Seq Scan on {table}" not in plan, f"{name}:\n{plan}"
            assert "Index" in plan, f"{name}:\n{plan}"
    finally:
        engine.dispose()
