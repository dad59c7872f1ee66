"""Alert rules and the alert state machine, as pure functions (no database here).

Each rule looks at one 1-minute window and says ``True`` (breached), ``False`` (healthy) or
``None`` (not enough data to judge). An alert opens after ``open_after`` consecutive breached
windows and resolves after ``resolve_after`` consecutive healthy ones; ``None`` windows break
both streaks. At most one alert per provider/product/type is open (the caller passes whether
one is).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

APPROVAL_RATE_DROP = "approval_rate_drop"
VOLUME_DROP = "volume_drop"
FAILURE_SPIKE = "failure_spike"
ALERT_TYPES = (APPROVAL_RATE_DROP, VOLUME_DROP, FAILURE_SPIKE)


class Action(Enum):
    OPEN = "open"
    RESOLVE = "resolve"
    NONE = "none"


@dataclass(frozen=True)
class AlertRules:
    approval_rate_threshold: float = 0.80
    approval_min_transactions: int = 20
    failure_rate_threshold: float = 0.10
    failure_min_failed: int = 5
    volume_ratio_threshold: float = 0.30
    volume_min_baseline: float = 20.0
    open_after: dict[str, int] | None = None
    resolve_after: int = 3

    def windows_to_open(self, alert_type: str) -> int:
        defaults = {APPROVAL_RATE_DROP: 3, VOLUME_DROP: 3, FAILURE_SPIKE: 1}
        return (self.open_after or {}).get(alert_type, defaults[alert_type])


@dataclass(frozen=True)
class WindowCounts:
    transactions: int
    approved: int
    failed: int


def approval_breached(counts: WindowCounts | None, rules: AlertRules) -> bool | None:
    if counts is None or counts.transactions < rules.approval_min_transactions:
        return None
    return counts.approved / counts.transactions < rules.approval_rate_threshold


def failure_breached(counts: WindowCounts | None, rules: AlertRules) -> bool | None:
    if counts is None or counts.transactions == 0:
        return None
    spike = counts.failed >= rules.failure_min_failed
    return spike and counts.failed / counts.transactions >= rules.failure_rate_threshold


def volume_breached(transactions: int, baseline: float | None, rules: AlertRules) -> bool | None:
    if baseline is None or baseline < rules.volume_min_baseline:
        return None
    return transactions < rules.volume_ratio_threshold * baseline


def decide(
    has_open_alert: bool, recent: Sequence[bool | None], open_after: int, resolve_after: int
) -> Action:
    """The state machine: ``recent`` is the rule's verdict on the latest windows, oldest first,
    ending with the window being evaluated."""
    if has_open_alert:
        tail = recent[-resolve_after:]
        if len(tail) == resolve_after and all(verdict is False for verdict in tail):
            return Action.RESOLVE
        return Action.NONE
    tail = recent[-open_after:]
    if len(tail) == open_after and all(verdict is True for verdict in tail):
        return Action.OPEN
    return Action.NONE


def severity(alert_type: str, observed: float, threshold: float) -> str:
    """critical when the breach is deep (half the threshold for drops, double for spikes)."""
    if alert_type == FAILURE_SPIKE:
        return "critical" if observed >= 2 * threshold else "warning"
    return "critical" if observed < threshold / 2 else "warning"
