"""The realtime store: where the processor writes 1-minute windows and late events, and where
the alert rules, the API's realtime endpoints and the reconciliation read them.

Two implementations behind one interface (``RealtimeStore``), chosen by
``PUNTORED_REALTIME_STORE``: ``postgres`` (the serving database's realtime tables, this module)
and ``dynamodb`` (``puntored.database.dynamodb_store``; key design in
docs/decisions/0660-realtime-store-dynamodb-keys.md). Alerts, webhooks and the processor's
consumed positions stay in the serving database either way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol, cast

from sqlalchemy import Select, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from puntored.database.engine import as_utc
from puntored.database.models import (
    RealtimeLateEvents,
    RealtimeLateTransaction,
    RealtimeProviderMinute,
    RealtimeProviderProductMinute,
)

# The measures of a window as the API serves them (window_start first).
MEASURES = (
    "window_start",
    "window_end",
    "transactions",
    "approved",
    "rejected",
    "failed",
    "reversed",
    "gross_amount",
    "reversed_amount",
    "net_amount",
    "commission",
    "latency_p95_ms",
)
COUNTS = ("transactions", "approved", "rejected", "failed", "reversed")
AMOUNTS = ("gross_amount", "reversed_amount", "net_amount", "commission")


def provider_windows_statement(provider_id: str, since: datetime) -> Select[Any]:
    """A provider's windows since ``since`` (a (provider, window_start) key range scan)."""
    table = RealtimeProviderMinute.__table__
    return (
        select(*(table.c[name] for name in MEASURES))
        .where(table.c.provider_id == provider_id, table.c.window_start >= since)
        .order_by(table.c.window_start)
    )


def product_windows_statement(
    provider_id: str, since: datetime, product_id: str | None
) -> Select[Any]:
    table = RealtimeProviderProductMinute.__table__
    statement = select(table.c.product_id, *(table.c[name] for name in MEASURES)).where(
        table.c.provider_id == provider_id, table.c.window_start >= since
    )
    if product_id is not None:
        statement = statement.where(table.c.product_id == product_id)
    return statement.order_by(table.c.window_start, table.c.product_id)


@dataclass(frozen=True)
class WindowRow:
    """One closed window: a provider total (``product_id`` None) or one product's."""

    provider_id: str
    product_id: str | None
    window_start: datetime
    window_end: datetime
    transactions: int
    approved: int
    rejected: int
    failed: int
    reversed: int
    gross_amount: Decimal
    reversed_amount: Decimal
    net_amount: Decimal
    commission: Decimal
    latency_p95_ms: int | None

    def measures(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in MEASURES}


@dataclass(frozen=True)
class LateRow:
    """One event that arrived after its window had closed."""

    provider_id: str
    product_id: str | None
    window_start: datetime
    transaction_id: str
    amount: Decimal


@dataclass(frozen=True)
class WindowCounts:
    transactions: int
    approved: int
    failed: int


@dataclass
class DayTotals:
    """Windows of one provider and product summed over a period."""

    transactions: int = 0
    approved: int = 0
    gross_amount: Decimal = Decimal("0.00")
    net_amount: Decimal = Decimal("0.00")
    windows: int = 0


class RealtimeStore(Protocol):
    def write(self, windows: Sequence[WindowRow], late: Sequence[LateRow]) -> None:
        """Upsert windows by key; add late events once per transaction id."""

    def window_counts(
        self, provider_id: str, product_id: str | None, start: datetime, end: datetime
    ) -> dict[datetime, WindowCounts]:
        """Counts of the windows with start <= window_start <= end."""

    def provider_volumes(
        self, provider_id: str, minutes: Sequence[datetime]
    ) -> dict[datetime, int]:
        """Transactions of the provider's windows that started at these minutes."""

    def provider_windows(self, provider_id: str, since: datetime) -> list[dict[str, Any]]:
        """The provider's windows since ``since``, oldest first (MEASURES)."""

    def product_windows(
        self, provider_id: str, since: datetime, product_id: str | None
    ) -> list[dict[str, Any]]:
        """Per-product windows since ``since`` by window then product (product_id + MEASURES)."""

    def late_totals(self, provider_id: str, since: datetime) -> tuple[int, Decimal]:
        """Late events (count, amount) of windows since ``since``."""

    def late_transactions(self, start: datetime, end: datetime) -> list[LateRow]:
        """Late events of windows with start <= window_start < end, every provider."""

    def product_totals(self, start: datetime, end: datetime) -> dict[tuple[str, str], DayTotals]:
        """Per-product windows with start <= window_start < end, summed per (provider, product)."""


def _insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for dialect {dialect}")


class SqlRealtimeStore:
    """The realtime tables of the serving database, in the caller's session (transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def write(self, windows: Sequence[WindowRow], late: Sequence[LateRow]) -> None:
        self._upsert_windows(windows)
        self._add_late(late)

    def _upsert_windows(self, windows: Sequence[WindowRow]) -> None:
        for model, per_product in (
            (RealtimeProviderMinute, False),
            (RealtimeProviderProductMinute, True),
        ):
            rows = []
            for window in windows:
                if (window.product_id is not None) != per_product:
                    continue
                row = {"provider_id": window.provider_id, **window.measures(), "updated_at": _now()}
                if per_product:
                    row["product_id"] = window.product_id
                rows.append(row)
            if not rows:
                continue
            table = cast(Table, model.__table__)
            keys = [column.name for column in table.primary_key.columns]
            statement = _insert(self.session, table)
            updates = {
                c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys
            }
            self.session.execute(
                statement.on_conflict_do_update(index_elements=keys, set_=updates), rows
            )

    def _add_late(self, late: Sequence[LateRow]) -> None:
        if not late:
            return
        # One row per transaction (idempotent); the per-minute totals are added only for
        # transactions not recorded before, so a re-delivered late event counts once.
        table = cast(Table, RealtimeLateTransaction.__table__)
        known = {
            (provider, transaction)
            for provider, transaction in self.session.execute(
                select(table.c.provider_id, table.c.transaction_id).where(
                    table.c.transaction_id.in_({event.transaction_id for event in late})
                )
            )
        }
        fresh: dict[tuple[str, str], LateRow] = {}
        for event in late:
            key = (event.provider_id, event.transaction_id)
            if key not in known:
                fresh.setdefault(key, event)
        if not fresh:
            return
        stamp = _now()
        self.session.execute(
            table.insert(),
            [
                {
                    "provider_id": e.provider_id,
                    "transaction_id": e.transaction_id,
                    "product_id": e.product_id,
                    "window_start": e.window_start,
                    "amount": e.amount,
                    "updated_at": stamp,
                }
                for e in fresh.values()
            ],
        )
        totals: dict[tuple[str, datetime], list[Any]] = defaultdict(lambda: [0, Decimal("0")])
        for event in fresh.values():
            total = totals[(event.provider_id, event.window_start)]
            total[0] += 1
            total[1] += event.amount
        minutes = cast(Table, RealtimeLateEvents.__table__)
        statement = _insert(self.session, minutes)
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["provider_id", "window_start"],
                set_={
                    "late_events": minutes.c.late_events + statement.excluded.late_events,
                    "late_amount": minutes.c.late_amount + statement.excluded.late_amount,
                    "updated_at": statement.excluded.updated_at,
                },
            ),
            [
                {"provider_id": p, "window_start": w, "late_events": n, "late_amount": a,
                 "updated_at": stamp}
                for (p, w), (n, a) in totals.items()
            ],
        )  # fmt: skip

    def window_counts(
        self, provider_id: str, product_id: str | None, start: datetime, end: datetime
    ) -> dict[datetime, WindowCounts]:
        model: Any = RealtimeProviderMinute if product_id is None else RealtimeProviderProductMinute
        query = select(model.window_start, model.transactions, model.approved, model.failed).where(
            model.provider_id == provider_id, model.window_start >= start, model.window_start <= end
        )
        if product_id is not None:
            query = query.where(model.product_id == product_id)
        rows: Any = self.session.execute(query)
        return {as_utc(s): WindowCounts(int(t), int(a), int(f)) for s, t, a, f in rows}

    def provider_volumes(
        self, provider_id: str, minutes: Sequence[datetime]
    ) -> dict[datetime, int]:
        if not minutes:
            return {}
        model = RealtimeProviderMinute
        rows = self.session.execute(
            select(model.window_start, model.transactions).where(
                model.provider_id == provider_id, model.window_start.in_(list(minutes))
            )
        )
        return {as_utc(start): transactions for start, transactions in rows}

    def provider_windows(self, provider_id: str, since: datetime) -> list[dict[str, Any]]:
        statement = provider_windows_statement(provider_id, since)
        return [_aware(row) for row in self.session.execute(statement).mappings()]

    def product_windows(
        self, provider_id: str, since: datetime, product_id: str | None
    ) -> list[dict[str, Any]]:
        statement = product_windows_statement(provider_id, since, product_id)
        return [_aware(row) for row in self.session.execute(statement).mappings()]

    def late_totals(self, provider_id: str, since: datetime) -> tuple[int, Decimal]:
        table = RealtimeLateEvents.__table__
        row = self.session.execute(
            select(
                func.coalesce(func.sum(table.c.late_events), 0),
                func.coalesce(func.sum(table.c.late_amount), 0),
            ).where(table.c.provider_id == provider_id, table.c.window_start >= since)
        ).one()
        return int(row[0]), Decimal(row[1])

    def late_transactions(self, start: datetime, end: datetime) -> list[LateRow]:
        model = RealtimeLateTransaction
        rows = self.session.scalars(
            select(model).where(model.window_start >= start, model.window_start < end)
        )
        return [
            LateRow(r.provider_id, r.product_id, as_utc(r.window_start), r.transaction_id, r.amount)
            for r in rows
        ]

    def product_totals(self, start: datetime, end: datetime) -> dict[tuple[str, str], DayTotals]:
        model = RealtimeProviderProductMinute
        rows = self.session.execute(
            select(
                model.provider_id,
                model.product_id,
                func.sum(model.transactions),
                func.sum(model.approved),
                func.sum(model.gross_amount),
                func.sum(model.net_amount),
                func.count(),
            )
            .where(model.window_start >= start, model.window_start < end)
            .group_by(model.provider_id, model.product_id)
        )
        return {
            (p, q): DayTotals(int(t), int(a), _money(g), _money(n), int(w))
            for p, q, t, a, g, n, w in rows
        }


def _aware(row: Any) -> dict[str, Any]:
    values = dict(row)
    values["window_start"], values["window_end"] = (
        as_utc(values["window_start"]),
        as_utc(values["window_end"]),
    )
    return values


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _now() -> datetime:
    return datetime.now(UTC)
