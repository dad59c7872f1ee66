"""Evaluate the alert rules for newly written windows and open/resolve rows in ``alerts``.

Stateless between batches: the verdicts are recomputed from the realtime tables, and a window
is only evaluated if it is newer than the last window an alert of that key/type has seen, so
delivering the same windows again opens nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from puntored.database.engine import as_utc
from puntored.database.models import Alert
from puntored.database.realtime_store import RealtimeStore
from puntored.streaming.processor.alerts import (
    APPROVAL_RATE_DROP,
    FAILURE_SPIKE,
    HIGH_VALUE_TRANSACTION,
    VOLUME_DROP,
    VOLUME_SPIKE,
    Action,
    AlertRules,
    approval_breached,
    decide,
    failure_breached,
    high_value,
    severity,
    volume_breached,
    volume_spiked,
)
from puntored.streaming.processor.baseline import reference_minutes, volume_baseline
from puntored.streaming.processor.records import SaleEvent, WindowResult

MINUTE = timedelta(minutes=1)
Key = tuple[str, str | None]


def _volume_history(
    store: RealtimeStore, provider_id: str, window: datetime
) -> dict[datetime, int]:
    return store.provider_volumes(provider_id, reference_minutes(window))


def _latest_alert(session: Session, key: Key, alert_type: str) -> Alert | None:
    provider_id, product_id = key
    product_filter = (
        Alert.product_id.is_(None) if product_id is None else Alert.product_id == product_id
    )
    return session.scalars(
        select(Alert)
        .where(Alert.provider_id == provider_id, product_filter, Alert.alert_type == alert_type)
        .order_by(Alert.alert_id.desc())
        .limit(1)
    ).first()


def _alert_types(key: Key) -> tuple[str, ...]:
    # Volume is judged per provider; per-product minutes are too sparse for a baseline.
    if key[1] is None:
        return (APPROVAL_RATE_DROP, VOLUME_DROP, FAILURE_SPIKE, VOLUME_SPIKE)
    return (APPROVAL_RATE_DROP, FAILURE_SPIKE)


def _verdicts(
    store: RealtimeStore, key: Key, alert_type: str, window: datetime, rules: AlertRules, n: int
) -> tuple[list[bool | None], dict[str, Any]]:
    first = window - (n - 1) * MINUTE
    counts = store.window_counts(key[0], key[1], first, window)
    minutes = [first + i * MINUTE for i in range(n)]
    latest = counts.get(window)
    details: dict[str, Any] = {"window_start": window.isoformat()}
    if alert_type == APPROVAL_RATE_DROP:
        if latest and latest.transactions:
            details["approval_rate"] = round(latest.approved / latest.transactions, 4)
        details["threshold"] = rules.approval_rate_threshold
        return [approval_breached(counts.get(m), rules) for m in minutes], details
    if alert_type == FAILURE_SPIKE:
        if latest and latest.transactions:
            details["failure_rate"] = round(latest.failed / latest.transactions, 4)
        details["threshold"] = rules.failure_rate_threshold
        return [failure_breached(counts.get(m), rules) for m in minutes], details
    verdicts: list[bool | None] = []
    rule = volume_spiked if alert_type == VOLUME_SPIKE else volume_breached
    for minute in minutes:
        baseline = volume_baseline(minute, _volume_history(store, key[0], minute))
        # A minute with no window row is unknown here (the pipeline may have just started);
        # a provider that goes fully silent emits no windows and is not judged (documented).
        observed = counts[minute].transactions if minute in counts else None
        verdicts.append(None if observed is None else rule(observed, baseline, rules))
        details.update(transactions=observed, baseline=baseline)
    if alert_type == VOLUME_SPIKE:
        details["threshold_ratio"] = rules.volume_spike_ratio
        details["threshold_per_minute"] = rules.volume_spike_per_minute
    else:
        details["threshold_ratio"] = rules.volume_ratio_threshold
    return verdicts, details


def _message(key: Key, alert_type: str, details: dict[str, Any]) -> str:
    scope = key[0] if key[1] is None else f"{key[0]}/{key[1]}"
    if alert_type == APPROVAL_RATE_DROP:
        return f"{scope}: approval rate {details.get('approval_rate')} below threshold"
    if alert_type == FAILURE_SPIKE:
        return f"{scope}: failure rate {details.get('failure_rate')} above threshold"
    if alert_type == VOLUME_SPIKE:
        return (
            f"{scope}: {details.get('transactions')} transactions/min, far above usual "
            f"{details.get('baseline')}"
        )
    return (
        f"{scope}: {details.get('transactions')} transactions/min vs usual "
        f"{details.get('baseline')}"
    )


def _severity(alert_type: str, details: dict[str, Any], rules: AlertRules) -> str:
    if alert_type == APPROVAL_RATE_DROP:
        return severity(alert_type, details.get("approval_rate", 0.0), details["threshold"])
    if alert_type == FAILURE_SPIKE:
        return severity(alert_type, details.get("failure_rate", 0.0), details["threshold"])
    baseline = details.get("baseline") or 1.0
    ratio = (details.get("transactions") or 0) / baseline
    if alert_type == VOLUME_SPIKE:
        return severity(alert_type, ratio, rules.volume_spike_ratio)
    return severity(alert_type, ratio, rules.volume_ratio_threshold)


def _evaluate_one(
    session: Session,
    store: RealtimeStore,
    key: Key,
    alert_type: str,
    window: datetime,
    rules: AlertRules,
    now: datetime,
    changed: list[tuple[int, str]],
) -> Action:
    latest = _latest_alert(session, key, alert_type)
    if latest is not None and as_utc(latest.last_window_start) >= window:
        return Action.NONE  # already decided (a re-delivered or older window)
    is_open = latest is not None and latest.status == "open"
    n = max(rules.windows_to_open(alert_type), rules.resolve_after)
    verdicts, details = _verdicts(store, key, alert_type, window, rules, n)
    action = decide(is_open, verdicts, rules.windows_to_open(alert_type), rules.resolve_after)
    if action is Action.OPEN:
        first = window - (rules.windows_to_open(alert_type) - 1) * MINUTE
        session.add(
            Alert(
                provider_id=key[0],
                product_id=key[1],
                alert_type=alert_type,
                severity=_severity(alert_type, details, rules),
                status="open",
                opened_at=now,
                first_window_start=first,
                last_window_start=window,
                message=_message(key, alert_type, details),
                details=details,
            )
        )
        session.flush()
        changed.append((latest_id(session, key, alert_type), "opened"))
    elif is_open and latest is not None:
        latest.last_window_start = window
        if action is Action.RESOLVE:
            latest.status, latest.resolved_at = "resolved", now
            changed.append((latest.alert_id, "resolved"))
    return action


def latest_id(session: Session, key: Key, alert_type: str) -> int:
    alert = _latest_alert(session, key, alert_type)
    assert alert is not None
    return alert.alert_id


@dataclass
class AlertOutcome:
    opened: int = 0
    resolved: int = 0
    changed: list[tuple[int, str]] = field(default_factory=list)  # (alert_id, opened|resolved)


def evaluate_alerts(
    session: Session,
    store: RealtimeStore,
    windows: Sequence[WindowResult],
    rules: AlertRules,
    now: datetime,
    sales: Sequence[SaleEvent] = (),
) -> AlertOutcome:
    """Evaluate every window rule for each new window, oldest first, and the per-event rule for
    each sale. The outcome lists the alerts opened or resolved, for delivery."""
    session.flush()
    outcome = AlertOutcome()
    for result in sorted(
        windows, key=lambda w: (w.window_start, w.provider_id, w.product_id or "")
    ):
        key = (result.provider_id, result.product_id)
        for alert_type in _alert_types(key):
            action = _evaluate_one(
                session, store, key, alert_type, result.window_start, rules, now, outcome.changed
            )
            outcome.opened += action is Action.OPEN
            outcome.resolved += action is Action.RESOLVE
    for sale in sales:
        if _open_high_value(session, sale, rules, now, outcome.changed):
            outcome.opened += 1
    outcome.resolved += _resolve_high_value(session, windows, rules, now, outcome.changed)
    return outcome


def _open_high_value(
    session: Session,
    sale: SaleEvent,
    rules: AlertRules,
    now: datetime,
    changed: list[tuple[int, str]],
) -> bool:
    if not high_value(sale.amount, sale.product_id, rules):
        return False
    exists = session.scalar(
        select(Alert.alert_id).where(
            Alert.provider_id == sale.provider_id,
            Alert.alert_type == HIGH_VALUE_TRANSACTION,
            Alert.transaction_id == sale.transaction_id,
        )
    )
    if exists is not None:
        return False  # the same event read again
    threshold = rules.high_value_threshold(sale.product_id)
    minute = sale.event_at.replace(second=0, microsecond=0)
    alert = Alert(
        provider_id=sale.provider_id,
        product_id=sale.product_id,
        alert_type=HIGH_VALUE_TRANSACTION,
        severity=severity(HIGH_VALUE_TRANSACTION, float(sale.amount), float(threshold)),
        status="open",
        opened_at=now,
        first_window_start=minute,
        last_window_start=minute,
        message=(
            f"{sale.provider_id}/{sale.product_id}: transaction {sale.transaction_id} of "
            f"{sale.amount} COP above {threshold} COP"
        ),
        details={
            "transaction_id": sale.transaction_id,
            "amount": str(sale.amount),
            "threshold": str(threshold),
            "event_at": sale.event_at.isoformat(),
            "status": sale.status,
        },
        transaction_id=sale.transaction_id,
    )
    session.add(alert)
    session.flush()
    changed.append((alert.alert_id, "opened"))
    return True


def _resolve_high_value(
    session: Session,
    windows: Sequence[WindowResult],
    rules: AlertRules,
    now: datetime,
    changed: list[tuple[int, str]],
) -> int:
    """A high-value alert is a notice: it resolves once the provider's event time has moved
    ``high_value_resolve_minutes`` past the transaction's minute."""
    newest: dict[str, datetime] = {}
    for window in windows:
        newest[window.provider_id] = max(newest.get(window.provider_id, window.window_start),
                                         window.window_start)  # fmt: skip
    resolved = 0
    for provider_id, latest in newest.items():
        horizon = latest - rules.high_value_resolve_minutes * MINUTE
        for alert in session.scalars(
            select(Alert).where(
                Alert.provider_id == provider_id,
                Alert.alert_type == HIGH_VALUE_TRANSACTION,
                Alert.status == "open",
            )
        ):
            if as_utc(alert.last_window_start) <= horizon:
                alert.status, alert.resolved_at = "resolved", now
                changed.append((alert.alert_id, "resolved"))
                resolved += 1
    return resolved
