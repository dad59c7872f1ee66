"""Alert rules and the alert state machine, as pure functions (no database here).

Each rule looks at one 1-minute window and says ``True`` (breached), ``False`` (healthy) or
``None`` (not enough data to judge). An alert opens after ``open_after`` consecutive breached
windows and resolves after ``resolve_after`` consecutive healthy ones; ``None`` windows break
both streaks. At most one window alert per provider/product/type is open (the caller passes
whether one is). A high-value transaction is judged per event: one alert per transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from puntored.database.realtime_store import WindowCounts
from puntored.settings import Settings

APPROVAL_RATE_DROP = "approval_rate_drop"
VOLUME_DROP = "volume_drop"
FAILURE_SPIKE = "failure_spike"
VOLUME_SPIKE = "volume_spike"
HIGH_VALUE_TRANSACTION = "high_value_transaction"  # per event, not per window
WINDOW_ALERT_TYPES = (APPROVAL_RATE_DROP, VOLUME_DROP, FAILURE_SPIKE, VOLUME_SPIKE)
ALERT_TYPES = (*WINDOW_ALERT_TYPES, HIGH_VALUE_TRANSACTION)


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
    volume_spike_ratio: float = 3.0  # transactions above ratio x the usual level
    volume_spike_per_minute: int | None = None  # or above this many, whatever the usual level
    high_value_cop: Mapping[str, Decimal] = field(default_factory=dict)  # product -> threshold
    high_value_default_cop: Decimal = Decimal("1000000")
    high_value_resolve_minutes: int = 15  # event-time minutes a high-value alert stays open
    open_after: dict[str, int] | None = None
    resolve_after: int = 3

    def windows_to_open(self, alert_type: str) -> int:
        defaults = {APPROVAL_RATE_DROP: 3, VOLUME_DROP: 3, FAILURE_SPIKE: 1, VOLUME_SPIKE: 2}
        return (self.open_after or {}).get(alert_type, defaults[alert_type])

    def high_value_threshold(self, product_id: str | None) -> Decimal:
        return Decimal(str(self.high_value_cop.get(product_id or "", self.high_value_default_cop)))

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertRules:
        return cls(
            volume_spike_ratio=settings.alert_volume_spike_ratio,
            volume_spike_per_minute=settings.alert_volume_spike_per_minute,
            high_value_cop={k: Decimal(str(v)) for k, v in settings.alert_high_value_cop.items()},
            high_value_default_cop=Decimal(str(settings.alert_high_value_default_cop)),
        )


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


def volume_spiked(transactions: int, baseline: float | None, rules: AlertRules) -> bool | None:
    """Far above the usual level of that minute, or above the absolute per-minute ceiling;
    None when neither can be judged (no ceiling set and no usable baseline)."""
    if rules.volume_spike_per_minute is not None and transactions > rules.volume_spike_per_minute:
        return True
    if baseline is None or baseline < rules.volume_min_baseline:
        return None if rules.volume_spike_per_minute is None else False
    return transactions > rules.volume_spike_ratio * baseline


def high_value(amount: Decimal, product_id: str | None, rules: AlertRules) -> bool:
    return amount > rules.high_value_threshold(product_id)


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
    if alert_type in (FAILURE_SPIKE, VOLUME_SPIKE, HIGH_VALUE_TRANSACTION):
        return "critical" if observed >= 2 * threshold else "warning"
    return "critical" if observed < threshold / 2 else "warning"
