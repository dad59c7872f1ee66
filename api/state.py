"""What one app instance holds: settings, database engine, cache, rate limiter, metrics."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from puntored.api.caching import RenderedBody, TtlCache
from puntored.api.observability import ApiMetrics
from puntored.api.ratelimit import TokenBucketLimiter
from puntored.settings import Settings


@dataclass
class ApiState:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    responses: TtlCache[RenderedBody]
    known_providers: TtlCache[bool]
    limiter: TokenBucketLimiter
    metrics: ApiMetrics
    migration_head: str
