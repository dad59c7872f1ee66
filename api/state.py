"""What one app instance holds: settings, database engine, caches, rate limiters, metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session, sessionmaker

from puntored.api.auth.cache import KeyCache, RevocationListener
from puntored.api.caching import RenderedBody, TtlCache
from puntored.api.observability import ApiMetrics
from puntored.api.ratelimit import TokenBucketLimiter
from puntored.settings import Settings


@dataclass
class ApiState:
    settings: Settings
    engine: Engine
    # The hot routes' reads without a worker-thread hop (PostgreSQL; None on SQLite).
    async_engine: AsyncEngine | None
    sessions: sessionmaker[Session]
    responses: TtlCache[RenderedBody]
    known_providers: TtlCache[bool]
    last_day: TtlCache[date]
    keys: KeyCache
    revocations: RevocationListener | None  # PostgreSQL only
    limiter: TokenBucketLimiter
    auth_failures: TokenBucketLimiter  # per client address
    metrics: ApiMetrics
    migration_head: str
