"""Response caching: a small in-process TTL cache of rendered bodies, ETags and 304s.

Daily data changes once a day (after the sync), so rendered responses of the hot queries are
kept for ``api_cache_ttl_seconds`` and every response carries a strong ETag (a hash of the
body). A client that sends the ETag back in ``If-None-Match`` gets ``304 Not Modified``. The
cache is per process: each uvicorn worker has its own (docs/decisions/0503).
"""

from __future__ import annotations

import hashlib
import inspect
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

DAILY_CACHE_CONTROL = "private, max-age=300"
LIVE_CACHE_CONTROL = "private, no-cache"


@dataclass(frozen=True)
class RenderedBody:
    content: bytes
    media_type: str
    etag: str
    headers: tuple[tuple[str, str], ...] = ()


def render(content: bytes, media_type: str, headers: dict[str, str] | None = None) -> RenderedBody:
    digest = hashlib.blake2b(content, digest_size=16).hexdigest()
    return RenderedBody(content, media_type, f'"{digest}"', tuple((headers or {}).items()))


V = TypeVar("V")


class TtlCache(Generic[V]):
    """A bounded LRU whose entries expire ``ttl_seconds`` after they were stored."""

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 2048,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The live entry for ``key``, or None (no lock: a dict read is atomic)."""
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def put(self, key: Hashable, value: V) -> V:
        if self.ttl_seconds > 0:
            with self._lock:
                self._entries[key] = (self._clock() + self.ttl_seconds, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value

    def get_or_compute(self, key: Hashable, build: Callable[[], V]) -> V:
        found = self.get(key)
        # build() runs outside the lock: two threads may both build; both results are equal.
        return found if found is not None else self.put(key, build())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = [tag.strip() for tag in if_none_match.split(",")]
    # Weak comparison (RFC 9110 13.1.2): W/"x" matches "x".
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in candidates)


def conditional_response(request: Request, body: RenderedBody, cache_control: str) -> Response:
    headers = {"ETag": body.etag, "Cache-Control": cache_control, "Vary": "Accept, X-API-Key"}
    if etag_matches(request.headers.get("if-none-match"), body.etag):
        return Response(status_code=304, headers=headers)
    headers.update(dict(body.headers))
    return Response(body.content, media_type=body.media_type, headers=headers)


async def respond(
    request: Request,
    build: Callable[[], RenderedBody] | Callable[[], Awaitable[RenderedBody]],
    cache_control: str,
    *,
    cache: TtlCache[RenderedBody] | None = None,
    key: Hashable = None,
) -> Response:
    """The one way a data endpoint answers: the body from ``cache`` under ``key`` if it is
    there (no database work, no thread), else ``build()`` — awaited when it is a coroutine
    function, else run in the thread pool — and kept in ``cache`` when given; then 304 or
    the body, with its ETag and ``cache_control``."""
    body = cache.get(key) if cache is not None else None
    if body is None:
        if inspect.iscoroutinefunction(build):
            body = await cast(Callable[[], Awaitable[RenderedBody]], build)()
        else:
            body = await run_in_threadpool(cast(Callable[[], RenderedBody], build))
        if cache is not None:
            cache.put(key, body)
    return conditional_response(request, body, cache_control)
