"""Per-key rate limiting: an in-process token bucket per API key.

Each key may make ``rate`` requests per second on average with bursts of up to ``burst``. A
refused request gets 429 with ``Retry-After`` (whole seconds until a token is available). The
buckets live in the process: with N uvicorn workers a key gets up to N times the rate
(docs/decisions/0504-api-rate-limit-in-process.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class TokenBucketLimiter:
    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate limit needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # key -> (tokens, updated)
        self._lock = threading.Lock()

    def acquire(self, key: int) -> float:
        """Take a token for ``key``: 0.0 when allowed, else seconds until one is available."""
        now = self._clock()
        with self._lock:
            tokens, updated = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - updated) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


def retry_after_header(wait_seconds: float) -> str:
    return str(max(1, math.ceil(wait_seconds)))
