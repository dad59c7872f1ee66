"""Bogota time (UTC-5, no daylight saving) as integer milliseconds: cheap in numpy."""

from __future__ import annotations

from datetime import date, timedelta, timezone

import numpy as np

BOGOTA = timezone(timedelta(hours=-5), "America/Bogota")
BOGOTA_OFFSET_MS = 5 * 3_600_000
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
_EPOCH = date(1970, 1, 1)


def day_start_utc_ms(day: date) -> int:
    """UTC epoch milliseconds of Bogota midnight starting ``day``."""
    return (day - _EPOCH).days * DAY_MS + BOGOTA_OFFSET_MS


def bogota_hour_index(utc_ms: np.ndarray) -> np.ndarray:
    """Hours since the epoch on the Bogota wall clock (folder key: date and hour)."""
    return (utc_ms - BOGOTA_OFFSET_MS) // HOUR_MS


def bogota_day_index(utc_ms: np.ndarray) -> np.ndarray:
    return (utc_ms - BOGOTA_OFFSET_MS) // DAY_MS


def day_from_index(day_index: int) -> date:
    return _EPOCH + timedelta(days=int(day_index))


def hour_index_end_utc_ms(hour_index: np.ndarray) -> np.ndarray:
    """UTC epoch milliseconds at the end of a Bogota hour folder."""
    return (hour_index + 1) * HOUR_MS + BOGOTA_OFFSET_MS
