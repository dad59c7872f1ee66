"""Write window results into the realtime tables and evaluate alerts, in one transaction.

Window rows are upserted by key (provider, [product], window_start) into the realtime store
(the serving database or DynamoDB, ``puntored.database.realtime_store``): delivering the same
results again rewrites the same values. Late events count once per transaction id; the
caller also passes the position it consumed (sink file counters or Kinesis sequence numbers);
it is stored in ``pipeline_status`` (stage ``realtime``) in the same transaction and
already-consumed input is skipped: a crash between writing and recording cannot double count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from puntored.database.engine import transaction
from puntored.database.models import PipelineStatus
from puntored.database.realtime_store import LateRow, RealtimeStore, SqlRealtimeStore, WindowRow
from puntored.streaming.processor.alerting import evaluate_alerts
from puntored.streaming.processor.alerts import AlertRules
from puntored.streaming.processor.latency import latency_quantile_ms
from puntored.streaming.processor.records import (
    InvalidEvent,
    LateEvent,
    Record,
    SaleEvent,
    WindowResult,
)

STAGE = "realtime"
Positions = dict[str, Any]


@dataclass
class BatchResult:
    windows: int = 0
    late_events: int = 0
    invalid_events: int = 0
    alerts_opened: int = 0
    alerts_resolved: int = 0
    skipped: bool = False
    last_window_start: datetime | None = None
    invalid_ids: list[str | None] = field(default_factory=list)
    changed_alerts: list[tuple[int, str]] = field(default_factory=list)


def window_row(result: WindowResult) -> WindowRow:
    return WindowRow(
        provider_id=result.provider_id,
        product_id=result.product_id,
        window_start=result.window_start,
        window_end=result.window_end,
        transactions=result.transactions,
        approved=result.approved,
        rejected=result.rejected,
        failed=result.failed,
        reversed=result.reversed,
        gross_amount=result.gross_amount,
        reversed_amount=result.reversed_amount,
        net_amount=result.net_amount,
        commission=result.commission,
        latency_p95_ms=latency_quantile_ms(result.latency_le_counts),
    )


def late_row(event: LateEvent) -> LateRow:
    return LateRow(
        event.provider_id, event.product_id, event.window_start, event.transaction_id, event.amount
    )


def load_positions(session: Session) -> Positions:
    status = session.get(PipelineStatus, STAGE)
    details = (status.details if status else None) or {}
    return dict(details.get("positions") or {})


def _record_status(session: Session, positions: Positions, result: BatchResult) -> None:
    status = session.get(PipelineStatus, STAGE, with_for_update=True)
    now = datetime.now(UTC)
    if status is None:
        status = PipelineStatus(stage=STAGE, last_run_at=now, details={})
        session.add(status)
    details = dict(status.details or {})
    details["positions"] = positions
    last_window = details.get("last_window_start")
    if result.last_window_start is not None:
        candidate = result.last_window_start.isoformat()
        details["last_window_start"] = max(filter(None, [last_window, candidate]))
    details["late_events_total"] = int(details.get("late_events_total", 0)) + result.late_events
    details["invalid_events_total"] = (
        int(details.get("invalid_events_total", 0)) + result.invalid_events
    )
    status.details = details
    status.last_run_at = now
    if details.get("last_window_start"):
        status.last_dt = datetime.fromisoformat(details["last_window_start"]).date()


StoreFor = Callable[[Session], RealtimeStore]
Deliver = Callable[[Engine, list[tuple[int, str]]], object]


def apply_batch(
    engine: Engine,
    records: Iterable[Record],
    advance: Callable[[Positions], Positions | None],
    rules: AlertRules | None = None,
    store_for: StoreFor = SqlRealtimeStore,
    deliver: Deliver | None = None,
) -> BatchResult:
    """Apply one batch atomically.

    ``advance`` receives the stored positions and returns the new ones, or None when this
    batch was already consumed (then nothing is written). ``store_for`` opens the realtime
    store on the batch's session (the serving database by default; DynamoDB writes are
    conditional, so a batch retried after a failed commit writes nothing twice). Once the batch
    is committed, ``deliver`` sends the alerts it opened or resolved (webhooks, SNS).
    """
    result = BatchResult()
    with transaction(engine) as session:
        new_positions = advance(load_positions(session))
        if new_positions is None:
            result.skipped = True
            return result
        now = datetime.now(UTC)
        items = list(records)
        windows = [r for r in items if isinstance(r, WindowResult)]
        late = [r for r in items if isinstance(r, LateEvent)]
        invalid = [r for r in items if isinstance(r, InvalidEvent)]
        sales = [r for r in items if isinstance(r, SaleEvent)]
        store = store_for(session)
        store.write([window_row(w) for w in windows], [late_row(e) for e in late])
        outcome = evaluate_alerts(session, store, windows, rules or AlertRules(), now, sales)
        opened, resolved = outcome.opened, outcome.resolved
        result.changed_alerts = outcome.changed
        result.windows, result.late_events = len(windows), len(late)
        result.invalid_events, result.invalid_ids = (
            len(invalid),
            [r.transaction_id for r in invalid],
        )
        result.alerts_opened, result.alerts_resolved = opened, resolved
        if windows:
            result.last_window_start = max(w.window_start for w in windows)
        _record_status(session, new_positions, result)
    if deliver is not None and result.changed_alerts:
        deliver(engine, result.changed_alerts)
    return result
