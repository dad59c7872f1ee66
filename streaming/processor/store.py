"""Write window results into the realtime tables and evaluate alerts, in one transaction.

Window rows are upserted by key (provider, [product], window_start): delivering the same
results again rewrites the same values. Late events are additive, so the caller passes the
position it consumed (sink file counters or Kinesis sequence numbers); it is stored in
``pipeline_status`` (stage ``realtime``) in the same transaction and already-consumed input is
skipped: a crash between writing and recording cannot double count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from puntored.database.engine import transaction
from puntored.database.models import (
    PipelineStatus,
    RealtimeLateEvents,
    RealtimeProviderMinute,
    RealtimeProviderProductMinute,
)
from puntored.streaming.processor.alerting import evaluate_alerts
from puntored.streaming.processor.alerts import AlertRules
from puntored.streaming.processor.latency import latency_quantile_ms
from puntored.streaming.processor.records import InvalidEvent, LateEvent, Record, WindowResult

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


def _insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for dialect {dialect}")


def _window_row(result: WindowResult, now: datetime) -> dict[str, Any]:
    row = {
        "provider_id": result.provider_id,
        "window_start": result.window_start,
        "window_end": result.window_end,
        "transactions": result.transactions,
        "approved": result.approved,
        "rejected": result.rejected,
        "failed": result.failed,
        "reversed": result.reversed,
        "gross_amount": result.gross_amount,
        "reversed_amount": result.reversed_amount,
        "net_amount": result.net_amount,
        "commission": result.commission,
        "latency_p95_ms": latency_quantile_ms(result.latency_le_counts),
        "updated_at": now,
    }
    if result.product_id is not None:
        row["product_id"] = result.product_id
    return row


def upsert_windows(session: Session, results: Sequence[WindowResult], now: datetime) -> None:
    for model, record_type in (
        (RealtimeProviderMinute, "provider_minute"),
        (RealtimeProviderProductMinute, "provider_product_minute"),
    ):
        rows = [_window_row(r, now) for r in results if r.record_type == record_type]
        if not rows:
            continue
        table = cast(Table, model.__table__)
        keys = [column.name for column in table.primary_key.columns]
        statement = _insert(session, table)
        updates = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
        session.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates), rows)


def add_late_events(session: Session, late: Sequence[LateEvent], now: datetime) -> None:
    totals: dict[tuple[str, datetime], list[Any]] = defaultdict(lambda: [0, Decimal("0")])
    for event in late:
        total = totals[(event.provider_id, event.window_start)]
        total[0] += 1
        total[1] += event.amount
    if not totals:
        return
    table = cast(Table, RealtimeLateEvents.__table__)
    statement = _insert(session, table)
    rows = [
        {"provider_id": p, "window_start": w, "late_events": n, "late_amount": a, "updated_at": now}
        for (p, w), (n, a) in totals.items()
    ]
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["provider_id", "window_start"],
            set_={
                "late_events": table.c.late_events + statement.excluded.late_events,
                "late_amount": table.c.late_amount + statement.excluded.late_amount,
                "updated_at": statement.excluded.updated_at,
            },
        ),
        rows,
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


def apply_batch(
    engine: Engine,
    records: Iterable[Record],
    advance: Callable[[Positions], Positions | None],
    rules: AlertRules | None = None,
) -> BatchResult:
    """Apply one batch atomically.

    ``advance`` receives the stored positions and returns the new ones, or None when this
    batch was already consumed (then nothing is written).
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
        upsert_windows(session, windows, now)
        add_late_events(session, late, now)
        opened, resolved = evaluate_alerts(session, windows, rules or AlertRules(), now)
        result.windows, result.late_events = len(windows), len(late)
        result.invalid_events, result.invalid_ids = (
            len(invalid),
            [r.transaction_id for r in invalid],
        )
        result.alerts_opened, result.alerts_resolved = opened, resolved
        if windows:
            result.last_window_start = max(w.window_start for w in windows)
        _record_status(session, new_positions, result)
    return result
