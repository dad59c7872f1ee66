"""The alert rules, the state machine and the holiday-aware volume baseline (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from puntored.streaming.processor.alerts import (
    APPROVAL_RATE_DROP,
    FAILURE_SPIKE,
    VOLUME_DROP,
    Action,
    AlertRules,
    WindowCounts,
    approval_breached,
    decide,
    failure_breached,
    severity,
    volume_breached,
)
from puntored.streaming.processor.baseline import (
    is_colombian_holiday,
    reference_days,
    volume_baseline,
)

RULES = AlertRules()


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (None, None),
        (WindowCounts(10, 0, 0), None),  # too few transactions to judge
        (WindowCounts(100, 79, 0), True),
        (WindowCounts(100, 80, 0), False),
    ],
)
def test_approval_rule(counts: WindowCounts | None, expected: bool | None) -> None:
    assert approval_breached(counts, RULES) is expected


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (WindowCounts(0, 0, 0), None),
        (WindowCounts(20, 16, 4), False),  # 20% but only 4 failures
        (WindowCounts(40, 30, 5), True),
        (WindowCounts(100, 95, 5), False),  # 5 failures, 5%
    ],
)
def test_failure_rule(counts: WindowCounts, expected: bool | None) -> None:
    assert failure_breached(counts, RULES) is expected


def test_volume_rule() -> None:
    assert volume_breached(10, None, RULES) is None
    assert volume_breached(0, 5.0, RULES) is None  # baseline too small to judge
    assert volume_breached(29, 100.0, RULES) is True
    assert volume_breached(30, 100.0, RULES) is False


def test_opens_after_k_consecutive_breaches_only() -> None:
    assert decide(False, [True, True], 3, 3) is Action.NONE
    assert decide(False, [True, None, True, True], 3, 3) is Action.NONE
    assert decide(False, [False, True, True, True], 3, 3) is Action.OPEN
    assert decide(False, [True], 1, 3) is Action.OPEN


def test_open_alert_stays_open_until_k_healthy_windows() -> None:
    assert decide(True, [True, True, True], 3, 3) is Action.NONE
    assert decide(True, [True, False, False], 3, 3) is Action.NONE
    assert decide(True, [False, None, False], 3, 3) is Action.NONE
    assert decide(True, [True, False, False, False], 3, 3) is Action.RESOLVE


def test_a_full_episode_opens_once_and_resolves_once() -> None:
    verdicts = [False, True, True, True, True, False, False, False, True]
    has_open, actions = False, []
    for end in range(1, len(verdicts) + 1):
        action = decide(has_open, verdicts[:end], 3, 3)
        actions.append(action)
        has_open = (has_open or action is Action.OPEN) and action is not Action.RESOLVE
    assert actions.count(Action.OPEN) == 1 and actions.index(Action.OPEN) == 3
    assert actions.count(Action.RESOLVE) == 1 and actions.index(Action.RESOLVE) == 7


def test_severity() -> None:
    assert severity(APPROVAL_RATE_DROP, 0.7, 0.8) == "warning"
    assert severity(APPROVAL_RATE_DROP, 0.3, 0.8) == "critical"
    assert severity(FAILURE_SPIKE, 0.25, 0.1) == "critical"
    assert severity(VOLUME_DROP, 0.2, 0.3) == "warning"


def test_holidays_come_from_the_holidays_package() -> None:
    assert is_colombian_holiday(datetime(2026, 7, 20).date())  # Independence Day
    assert is_colombian_holiday(datetime(2026, 1, 12).date())  # Reyes Magos, Ley Emiliani Monday
    assert not is_colombian_holiday(datetime(2026, 1, 13).date())


def test_weekday_references_skip_holidays() -> None:
    # Tuesday 2026-01-13 10:00 Bogota; the Tuesday before a holiday-free week
    window = datetime(2026, 1, 13, 15, 0, tzinfo=UTC)
    days = reference_days(window, weeks=3)
    assert [d.date().isoformat() for d in days] == ["2026-01-06", "2025-12-30", "2025-12-23"]


def test_a_holiday_is_compared_with_sundays() -> None:
    window = datetime(2026, 1, 12, 15, 0, tzinfo=UTC)  # Monday holiday (Reyes Magos)
    days = reference_days(window, weeks=2)
    assert [d.date().isoformat() for d in days] == ["2026-01-11", "2026-01-04"]


def test_volume_baseline_is_median_of_reference_days() -> None:
    window = datetime(2026, 3, 17, 15, 0, tzinfo=UTC)  # a Tuesday
    history = {}
    for weeks_ago, per_minute in ((1, 100), (2, 120), (3, 80)):
        day = window - timedelta(weeks=weeks_ago)
        for offset in range(-2, 3):
            history[day + timedelta(minutes=offset)] = per_minute
    assert volume_baseline(window, history, weeks=4) == 100.0
    assert volume_baseline(window, {}, weeks=4) is None
