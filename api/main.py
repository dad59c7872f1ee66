"""The provider API's app factory: ``create_app(settings)`` (uvicorn: ``api.main:app``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from alembic.script import ScriptDirectory
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.ext.asyncio import create_async_engine

from puntored.api.auth.cache import KeyCache, RevocationListener, listen_dsn
from puntored.api.caching import RenderedBody, TtlCache
from puntored.api.errors import install_error_handlers
from puntored.api.guards import RequestGuards
from puntored.api.observability import ApiMetrics, MetricsMiddleware
from puntored.api.portal import mount_portal
from puntored.api.ratelimit import TokenBucketLimiter
from puntored.api.routes import docs, metrics, ops, realtime, reconciliation, reports, status
from puntored.api.state import ApiState
from puntored.database.engine import make_engine, session_factory
from puntored.database.migrate import alembic_config
from puntored.settings import Settings, get_settings

DESCRIPTION = """
Daily and realtime metrics of the PuntoRed payments network, for each provider.

* **Auth**: send your key in the `X-API-Key` header. A provider key reads only its own
  provider (`/v1/providers/{its id}/…`; any other provider is 403); an admin key reads all.
* **Money** is COP with two decimals, as a JSON string (`"1250000.00"`).
* **Days** (`dt`, `from`, `to`) are Bogota calendar days, ISO `YYYY-MM-DD`; a range spans at
  most 366 days. Timestamps are UTC ISO 8601.
* **Errors** are RFC 9457 `application/problem+json`. Unknown or repeated query parameters are
  refused with 400.
* **Caching**: responses carry an `ETag`; send it back in `If-None-Match` for a 304. Daily data
  is `Cache-Control: private, max-age=300`.
* **Rate limit** per key (token bucket); over it you get 429 with `Retry-After`.
* **CSV**: metrics endpoints answer `format=csv` or `Accept: text/csv`.
"""

CORS_EXPOSED_HEADERS = (
    "ETag",
    "Retry-After",
    "X-Total-Count",
    "X-Next-Cursor",
    "Content-Disposition",
)

TAGS = [
    {"name": "daily metrics", "description": "Daily marts (updated once a day by the sync)."},
    {"name": "realtime", "description": "1-minute event-time windows from the stream job."},
    {"name": "alerts", "description": "Alerts opened by the realtime processor."},
    {"name": "freshness", "description": "How current the numbers are."},
    {"name": "reports", "description": "Daily reconciliation files (gzipped CSV) and totals."},
    {"name": "operations", "description": "Liveness, readiness, Prometheus metrics."},
]


def build_state(settings: Settings) -> ApiState:
    url = settings.serving_database_url
    engine_options: dict[str, object] = {}
    if not url.startswith("sqlite"):
        # No pre-ping: it is a round trip on every checkout. A connection the server dropped
        # fails one request and SQLAlchemy then discards the pool's older connections.
        # 20 kept: an overflow connection is closed at check-in, so a pool smaller than the
        # requests in flight opens (and PostgreSQL forks) a backend per request under load.
        engine_options = {"pool_size": 20, "max_overflow": 20, "pool_pre_ping": False}
    # The API only reads (plus a one-statement last-use update): autocommit spares the
    # BEGIN and COMMIT round trips on every request.
    engine = make_engine(url, **engine_options).execution_options(isolation_level="AUTOCOMMIT")
    # Autocommit from the connect, and nothing to reset on check-in: its reads hold no
    # transaction (``read()`` is its only user).
    async_engine = (
        None
        if url.startswith("sqlite")
        else create_async_engine(
            url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, **engine_options
        )
    )
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    keys = KeyCache(settings.api_key_cache_seconds)
    dsn = listen_dsn(url) if settings.api_key_cache_seconds > 0 else None
    return ApiState(
        settings=settings,
        engine=engine,
        async_engine=async_engine,
        sessions=session_factory(engine),
        responses=TtlCache[RenderedBody](settings.api_cache_ttl_seconds),
        known_providers=TtlCache[bool](settings.api_cache_ttl_seconds),
        last_day=TtlCache[date](settings.api_cache_ttl_seconds),
        keys=keys,
        revocations=RevocationListener(dsn, keys) if dsn else None,
        limiter=TokenBucketLimiter(
            settings.api_rate_limit_per_second, settings.api_rate_limit_burst
        ),
        auth_failures=TokenBucketLimiter(
            settings.api_auth_failures_per_second, settings.api_auth_failure_burst
        ),
        metrics=ApiMetrics(),
        migration_head=head or "",
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    state = build_state(settings or get_settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if state.revocations is not None:
            state.revocations.start()
        yield
        if state.revocations is not None:
            state.revocations.stop()
        state.engine.dispose()
        if state.async_engine is not None:
            await state.async_engine.dispose()

    app = FastAPI(
        title="PuntoRed provider API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.api = state
    install_error_handlers(app)
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
    for module in (metrics, realtime, reconciliation, status, reports, ops):
        app.include_router(module.router)
    docs.mount_docs(app)
    mount_portal(app)
    _allow_cross_origin(app, state.settings.api_cors_origins)
    # Outermost: before anything reads the input.
    app.add_middleware(RequestGuards, max_header_bytes=state.settings.api_max_header_bytes)
    return app


def _allow_cross_origin(app: FastAPI, origins: list[str]) -> None:
    """CORS for a provider's own web app: only the configured origins (none by default)."""
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET"],
        allow_headers=["X-API-Key", "If-None-Match", "Accept"],
        expose_headers=[*CORS_EXPOSED_HEADERS],
        max_age=600,
    )
