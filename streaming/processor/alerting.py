"""Evaluate the alert rules for newly written windows and open/resolve rows in ``alerts``.

Stateless between batches: the verdicts are recomputed from the realtime tables, and a window
is only evaluated if it is newer than the last window an alert of that key/type has seen, so
delivering the same windows again opens nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from puntored.database.engine import as_utc
from puntored.database.models import Alert, RealtimeProviderMinute, RealtimeProviderProductMinute
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
from puntored.streaming.processor.baseline import reference_minutes, volume_baseline
from puntored.streaming.processor.records import WindowResult

MINUTE = timedelta(minutes=1)
Key = tuple[str, str | None]


def _recent_counts(
    session: Session, key: Key, start: datetime, end: datetime
) -> dict[datetime, WindowCounts]:
    provider_id, product_id = key
    if product_id is None:
        model: Any = RealtimeProviderMinute
        query = select(model).where(model.provider_id == provider_id)
    else:
        model = RealtimeProviderProductMinute
        query = select(model).where(
            model.provider_id == provider_id, model.product_id == product_id
        )
    rows: Sequence[Any] = session.scalars(
        query.where(model.window_start >= start, model.window_start <= end)
    ).all()
    return {
        as_utc(r.window_start): WindowCounts(r.transactions, r.approved, r.failed) for r in rows
    }


def _volume_history(session: Session, provider_id: str, window: datetime) -> dict[datetime, int]:
    minutes = reference_minutes(window)
    if not minutes:
        return {}
    rows = session.execute(
        select(RealtimeProviderMinute.window_start, RealtimeProviderMinute.transactions).where(
            RealtimeProviderMinute.provider_id == provider_id,
            RealtimeProviderMinute.window_start.in_(minutes),
        )
    ).all()
    return {as_utc(start): transactions for start, transactions in rows}


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
        return (APPROVAL_RATE_DROP, VOLUME_DROP, FAILURE_SPIKE)
    return (APPROVAL_RATE_DROP, FAILURE_SPIKE)


def _verdicts(
    session: Session, key: Key, alert_type: str, window: datetime, rules: AlertRules, n: int
) -> tuple[list[bool | None], dict[str, Any]]:
    first = window - (n - 1) * MINUTE
    counts = _recent_counts(session, key, first, window)
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
    for minute in minutes:
        baseline = volume_baseline(minute, _volume_history(session, key[0], minute))
        # A minute with no window row is unknown here (the pipeline may have just started);
        # a provider that goes fully silent emits no windows and is not judged (documented).
        observed = counts[minute].transactions if minute in counts else None
        verdicts.append(None if observed is None else volume_breached(observed, baseline, rules))
        details.update(transactions=observed, baseline=baseline)
    details["threshold_ratio"] = rules.volume_ratio_threshold
    return verdicts, details


def _message(key: Key, alert_type: str, details: dict[str, Any]) -> str:
    scope = key[0] if key[1] is None else f"{key[0]}/{key[1]}"
    if alert_type == APPROVAL_RATE_DROP:
        return f"{scope}: approval rate {details.get('approval_rate')} below threshold"
    if alert_type == FAILURE_SPIKE:
        return f"{scope}: failure rate {details.get('failure_rate')} above threshold"
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
    ratio = details.get("transactions", 0) / baseline
    return severity(alert_type, ratio, rules.volume_ratio_threshold)


def _evaluate_one(
    session: Session, key: Key, alert_type: str, window: datetime, rules: AlertRules, now: datetime
) -> Action:
    latest = _latest_alert(session, key, alert_type)
    if latest is not None and as_utc(latest.last_window_start) >= window:
        return Action.NONE  # already decided (a re-delivered or older window)
    is_open = latest is not None and latest.status == "open"
    n = max(rules.windows_to_open(alert_type), rules.resolve_after)
    verdicts, details = _verdicts(session, key, alert_type, window, rules, n)
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
    elif is_open and latest is not None:
        latest.last_window_start = window
        if action is Action.RESOLVE:
            latest.status, latest.resolved_at = "resolved", now
    return action


def evaluate_alerts(
    session: Session, windows: Sequence[WindowResult], rules: AlertRules, now: datetime
) -> tuple[int, int]:
    """Evaluate every rule for each new window, oldest first. Returns (opened, resolved)."""
    session.flush()
    opened = resolved = 0
    for result in sorted(
        windows, key=lambda w: (w.window_start, w.provider_id, w.product_id or "")
    ):
        key = (result.provider_id, result.product_id)
        for alert_type in _alert_types(key):
            action = _evaluate_one(session, key, alert_type, result.window_start, rules, now)
            opened += action is Action.OPEN
            resolved += action is Action.RESOLVE
    return opened, resolved
