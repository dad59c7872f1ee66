"""The usual volume for a provider at a minute of the week, knowing Colombian holidays.

Reference minutes are the same minute of the week in the previous ``weeks`` weeks (plus/minus
``spread`` minutes to smooth noise). A public holiday (festivo, from the ``holidays`` package,
country CO) trades like a Sunday: on a holiday the references are the previous Sundays at the
same time of day, and reference days that were themselves holidays are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from statistics import median
from zoneinfo import ZoneInfo

import holidays

BOGOTA = ZoneInfo("America/Bogota")
SUNDAY = 6


@lru_cache(maxsize=16)
def _colombian_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CO", years=year)


def is_colombian_holiday(day: date) -> bool:
    return day in _colombian_holidays(day.year)


def _trades_like_sunday(moment: datetime) -> bool:
    local_day = moment.astimezone(BOGOTA).date()
    return local_day.weekday() == SUNDAY or is_colombian_holiday(local_day)


def reference_days(window_start: datetime, weeks: int = 4) -> list[datetime]:
    """The same time of day on comparable earlier days (most recent first)."""
    sunday_like = _trades_like_sunday(window_start)
    references: list[datetime] = []
    candidate = window_start
    for _ in range(weeks * 7):
        candidate -= timedelta(days=1)
        local_day = candidate.astimezone(BOGOTA).date()
        if sunday_like:
            comparable = _trades_like_sunday(candidate)
        else:
            comparable = local_day.weekday() == window_start.astimezone(
                BOGOTA
            ).weekday() and not is_colombian_holiday(local_day)
        if comparable:
            references.append(candidate)
        if len(references) == weeks:
            break
    return references


def reference_minutes(window_start: datetime, weeks: int = 4, spread: int = 2) -> list[datetime]:
    return [
        day + timedelta(minutes=offset)
        for day in reference_days(window_start, weeks)
        for offset in range(-spread, spread + 1)
    ]


def volume_baseline(
    window_start: datetime,
    history: Mapping[datetime, int],
    weeks: int = 4,
    spread: int = 2,
    min_days: int = 1,
) -> float | None:
    """Median over reference days of the mean transactions per minute around that time.

    ``history`` maps window_start -> transactions for the provider. Days with no recorded
    minute around that time are unknown (the pipeline may not have run), not zero.
    """
    per_day: list[float] = []
    for day in reference_days(window_start, weeks):
        minutes = [day + timedelta(minutes=offset) for offset in range(-spread, spread + 1)]
        known = [history[minute] for minute in minutes if minute in history]
        if known:
            per_day.append(sum(known) / len(minutes))
    if len(per_day) < min_days:
        return None
    return float(median(per_day))
