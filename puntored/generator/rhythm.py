"""When people buy: Bogota daily and weekly rhythm, quincena paydays and public holidays."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays
import numpy as np

from puntored.generator.clock import HOUR_MS, day_start_utc_ms

# Relative volume per Bogota hour: quiet nights, a late-morning peak and a higher evening peak.
HOUR_PROFILE = np.array(
    [0.40, 0.25, 0.15, 0.10, 0.12, 0.30, 0.80, 1.60, 2.80, 4.00, 5.20, 5.80,
     5.20, 4.50, 4.60, 4.80, 5.00, 5.60, 6.20, 6.00, 4.80, 3.20, 1.80, 0.90]
)  # fmt: skip
HOUR_PROBABILITY = HOUR_PROFILE / HOUR_PROFILE.sum()

# Monday .. Sunday: Fridays and Saturdays busier, Sundays quieter.
WEEKDAY_FACTOR = (0.95, 0.97, 1.00, 1.00, 1.10, 1.15, 0.70)
QUINCENA_FACTOR = 1.45  # paydays: the 15th and the last day of the month
AFTER_QUINCENA_FACTOR = 1.15  # the day after payday is still busy
HOLIDAY_FACTOR = 0.75  # festivos: shops open, fewer bills paid


@lru_cache
def colombian_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CO", years=year)


def is_quincena(day: date) -> bool:
    return day.day == 15 or day.day == calendar.monthrange(day.year, day.month)[1]


def day_factor(day: date) -> float:
    """How busy a Bogota calendar day is relative to an average weekday."""
    factor = WEEKDAY_FACTOR[day.weekday()]
    if is_quincena(day):
        factor *= QUINCENA_FACTOR
    elif is_quincena(day - timedelta(days=1)):
        factor *= AFTER_QUINCENA_FACTOR
    if day in colombian_holidays(day.year):
        factor *= HOLIDAY_FACTOR
    return factor


def events_on(day: date, events_per_day: int) -> int:
    return max(1, round(events_per_day * day_factor(day)))


def sample_event_times(rng: np.random.Generator, day: date, count: int) -> np.ndarray:
    """Sorted UTC epoch milliseconds of ``count`` events on a Bogota day, following the profile."""
    hours = rng.choice(24, size=count, p=HOUR_PROBABILITY)
    offsets = hours * HOUR_MS + rng.integers(0, HOUR_MS, size=count)
    return np.sort(day_start_utc_ms(day) + offsets)
