"""Rate limiting: in-process token buckets, one per API key (requests) and one per client
address (failed authentications).

Each key may make ``rate`` requests per second on average with bursts of up to ``burst``. A
refused request gets 429 with ``Retry-After`` (whole seconds until a token is available). The
buckets live in the process: with N uvicorn workers a key gets up to N times the rate
(docs/decisions/0504-api-rate-limit-in-process.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable


class TokenBucketLimiter:
    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = 100_000,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate limit needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self.max_buckets = max_buckets
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # key -> (tokens, updated)
        self._lock = threading.Lock()

    def acquire(self, key: Hashable) -> float:
        """Take a token for ``key``: 0.0 when allowed, else seconds until one is available."""
        now = self._clock()
        with self._lock:
            tokens, updated = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - updated) * self.rate)
            if len(self._buckets) >= self.max_buckets and key not in self._buckets:
                self._forget_full(now)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled (they equal a fresh one): memory stays bounded
        by the clients active in the last ``burst / rate`` seconds."""
        full = [
            key
            for key, (tokens, updated) in self._buckets.items()
            if tokens + (now - updated) * self.rate >= self.burst
        ]
        for key in full or list(self._buckets)[: self.max_buckets // 2]:
            del self._buckets[key]


def retry_after_header(wait_seconds: float) -> str:
    return str(max(1, math.ceil(wait_seconds)))
