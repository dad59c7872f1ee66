"""Latency p95 from the cumulative bucket counts the Flink job emits per window.

Flink SQL has no percentile aggregate; the job counts sales with latency <= each bound
(``puntored.streaming.flink_job.render.LATENCY_BOUNDS_MS``, last bucket = all sales) and the
processor interpolates linearly inside the bucket that holds the rank, like Prometheus'
``histogram_quantile``. The error is bounded by the bucket width (about 25%).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from puntored.streaming.flink_job.render import LATENCY_BOUNDS_MS


def latency_quantile_ms(
    le_counts: Sequence[int], quantile: float = 0.95, bounds: Sequence[int] = LATENCY_BOUNDS_MS
) -> int | None:
    """The quantile in ms, or None when there were no sales (or no histogram)."""
    if len(le_counts) != len(bounds) + 1 or le_counts[-1] == 0:
        return None
    total = le_counts[-1]
    rank = quantile * total
    lower_bound, lower_count = 0, 0
    for bound, count in zip(bounds, le_counts, strict=False):
        if count >= rank:
            share = (rank - lower_count) / (count - lower_count) if count > lower_count else 1.0
            return math.ceil(lower_bound + (bound - lower_bound) * share)
        lower_bound, lower_count = bound, count
    return bounds[-1]  # beyond the last finite bound: report the bound (a floor)
