"""Batch vs realtime for a closed day, per provider and product, every difference explained.

realtime = the 1-minute product windows of the day (Bogota) summed, from the realtime store;
batch = ``provider_product_daily_metrics`` for that dt (after dbt's late-data lookback).
The difference realtime - batch is explained event by event from the lake
(docs/decisions/0661-reconciliation-causes.md); each cause carries signed measures:

* ``outside_realtime_coverage`` (-): marts events outside the minutes the stream ran that day
  (first to last window of any provider); a day without any window is wholly this cause;
* ``late_beyond_lateness`` (-): events the stream filed as late (its late-event records, by
  transaction id), looked up in raw.transactions;
* ``excluded_by_reference_check`` (+): landed events the marts leave out (unknown client,
  provider/product mismatch) that the stream counted;
* ``quarantined_in_batch`` (+): records the landing job quarantined (negative amount, unknown
  provider or product, a value outside its enum...) that the stream could read and counted.

Whatever remains is ``unexplained``; ``puntored reconcile`` exits non-zero when any is left.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from puntored.contract.lake import DT_TIMEZONE, RAW_QUARANTINE, RAW_TRANSACTIONS, partition_name
from puntored.contract.transaction import TRANSACTION_FIELDS, FieldType
from puntored.database.engine import make_engine, transaction
from puntored.database.models import ProviderProductDailyMetrics, Reconciliation
from puntored.database.realtime_store import DayTotals, RealtimeStore
from puntored.database.store_selection import open_realtime_store
from puntored.reference import load_reference
from puntored.settings import Settings
from puntored.storage import Storage

CAUSES = (
    "outside_realtime_coverage",
    "late_beyond_lateness",
    "excluded_by_reference_check",
    "quarantined_in_batch",
)
QUARANTINE_DAYS_BEFORE = 31  # a future-dated record arrives up to 30 days before its day
LOOKBACK_DAYS = 5  # dbt's late-data lookback: arrivals up to 5 days after the event day
CENT = Decimal("0.01")
Key = tuple[str, str]


@dataclass
class Measures:
    transactions: int = 0
    approved: int = 0
    gross_amount: Decimal = Decimal("0.00")
    net_amount: Decimal = Decimal("0.00")

    def add(self, other: Measures, sign: int = 1) -> None:
        self.transactions += sign * other.transactions
        self.approved += sign * other.approved
        self.gross_amount += sign * other.gross_amount
        self.net_amount += sign * other.net_amount

    def is_zero(self) -> bool:
        return not (self.transactions or self.approved or self.gross_amount or self.net_amount)

    def as_json(self) -> dict[str, Any]:
        return {"transactions": self.transactions, "approved": self.approved,
                "gross_amount": str(self.gross_amount.quantize(CENT)),
                "net_amount": str(self.net_amount.quantize(CENT))}  # fmt: skip


@dataclass(frozen=True)
class Event:
    """One event reduced to what the daily measures use."""

    transaction_id: str
    provider_id: str
    product_id: str
    event_at: datetime
    event_type: str
    status: str
    amount: Decimal

    def measures(self) -> Measures:
        """The same rules as the marts and the Flink windows: sales count, approved sales add
        their amount, approved reversals take theirs off the net amount."""
        sale, approved = self.event_type == "sale", self.status == "approved"
        reversal = self.event_type == "reversal" and approved
        gross = self.amount if sale and approved else Decimal("0.00")
        return Measures(
            transactions=int(sale),
            approved=int(sale and approved),
            gross_amount=gross,
            net_amount=gross - (self.amount if reversal else Decimal("0.00")),
        )


@dataclass
class ProductReconciliation:
    provider_id: str
    product_id: str
    batch: Measures = field(default_factory=Measures)
    realtime: Measures = field(default_factory=Measures)
    explained: dict[str, Measures] = field(default_factory=lambda: defaultdict(Measures))

    @property
    def unexplained(self) -> Measures:
        rest = Measures()
        rest.add(self.realtime)
        rest.add(self.batch, -1)
        for measures in self.explained.values():
            rest.add(measures, -1)
        return rest

    @property
    def status(self) -> str:
        if not self.unexplained.is_zero():
            return "unexplained"
        differs = Measures()
        differs.add(self.realtime)
        differs.add(self.batch, -1)
        return "matched" if differs.is_zero() else "explained"


@dataclass
class DayReconciliation:
    day: date
    rows: list[ProductReconciliation]

    @property
    def unexplained_rows(self) -> list[ProductReconciliation]:
        return [row for row in self.rows if row.status == "unexplained"]

    def summary(self) -> str:
        counts: dict[str, int] = defaultdict(int)
        for row in self.rows:
            counts[row.status] += 1
        parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        return f"{self.day}: {len(self.rows)} provider/products ({parts or 'nothing to compare'})"


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), DT_TIMEZONE).astimezone(UTC)
    return start, start + timedelta(days=1)


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _read_partitions(
    storage: Storage, table: str, days: Iterable[date], columns: list[str]
) -> Iterator[dict[str, Any]]:
    for day in days:
        folder = f"{table.rstrip('/')}/{partition_name(day)}"
        files = [e for e in storage.list_files(folder, ".parquet")]
        if not files:
            continue
        filesystem, path = storage.arrow_filesystem(folder)
        dataset = ds.dataset(path, filesystem=filesystem, format="parquet",
                             partitioning=None)  # fmt: skip
        present = [c for c in columns if c in dataset.schema.names]
        table_rows: pa.Table = dataset.to_table(columns=present)
        yield from table_rows.to_pylist()


def landed_events(settings: Settings, day: date) -> dict[str, tuple[Event, bool]]:
    """raw.transactions of ``day``, first copy per transaction (as the marts deduplicate),
    each with whether it passes the marts' reference check."""
    storage = Storage.from_settings(settings)
    table = RAW_TRANSACTIONS.location(settings.lake_location)
    columns = ["transaction_id", "event_type", "event_at", "provider_id", "product_id",
               "client_id", "amount", "status", "ingested_at", "source_file"]  # fmt: skip
    rows = sorted(
        _read_partitions(storage, table, [day], columns),
        key=lambda r: (str(r["transaction_id"]), _utc(r["ingested_at"]), str(r["source_file"])),
    )
    reference = load_reference()
    product_provider = reference.product_provider()
    providers = {p.provider_id for p in reference.providers}
    clients = {c.client_id for c in reference.clients}
    events: dict[str, tuple[Event, bool]] = {}
    for row in rows:
        if row["transaction_id"] in events:
            continue
        event = Event(str(row["transaction_id"]), str(row["provider_id"]), str(row["product_id"]),
                      _utc(row["event_at"]), str(row["event_type"]), str(row["status"]),
                      Decimal(str(row["amount"])))  # fmt: skip
        in_marts = (
            event.provider_id in providers
            and product_provider.get(event.product_id) == event.provider_id
            and row["client_id"] in clients
        )
        events[event.transaction_id] = (event, in_marts)
    return events


def _stream_value(kind: FieldType, value: Any) -> Any:
    """A JSON value as the Flink job's JSON source reads it (parse errors become null)."""
    if value is None:
        return None
    if kind is FieldType.STRING:
        return (
            None
            if isinstance(value, dict | list)
            else (str(value).lower() if isinstance(value, bool) else str(value))
        )
    if kind is FieldType.DECIMAL:
        if isinstance(value, bool):
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    if kind is FieldType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int | str):
            return None
        try:
            return int(value)
        except ValueError:
            return None
    try:
        return _utc(value)
    except (ValueError, TypeError):
        return None


def stream_event(raw_record: str | None) -> Event | None:
    """The event the stream reads from a raw line, or None if it would not count it (not JSON,
    or a required field missing or unreadable: the Flink job files it as invalid)."""
    if not raw_record:
        return None
    try:
        raw = json.loads(raw_record, parse_float=Decimal)
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    values = {f.name: _stream_value(f.type, raw.get(f.name)) for f in TRANSACTION_FIELDS}
    if any(values[f.name] is None for f in TRANSACTION_FIELDS if f.required):
        return None
    return Event(values["transaction_id"], values["provider_id"], values["product_id"],
                 values["event_at"], values["event_type"], values["status"],
                 values["amount"])  # fmt: skip


def quarantined_stream_events(settings: Settings, day: date) -> list[Event]:
    """Quarantined records of ``day`` the stream would have counted, first copy per id."""
    storage = Storage.from_settings(settings)
    table = RAW_QUARANTINE.location(settings.lake_location)
    arrivals = [day + timedelta(days=n) for n in range(-QUARANTINE_DAYS_BEFORE, LOOKBACK_DAYS + 1)]
    start, end = day_bounds(day)
    rows = sorted(
        _read_partitions(storage, table, arrivals, ["raw_record", "ingested_at", "source_file"]),
        key=lambda r: (_utc(r["ingested_at"]), str(r["source_file"])),
    )
    seen: set[str] = set()
    events = []
    for row in rows:
        event = stream_event(row["raw_record"])
        if event is None or event.transaction_id in seen or not start <= event.event_at < end:
            continue
        seen.add(event.transaction_id)
        events.append(event)
    return events


def reconcile_day(
    settings: Settings, session: Session, store: RealtimeStore, day: date
) -> DayReconciliation:
    start, end = day_bounds(day)
    realtime: dict[Key, DayTotals] = store.product_totals(start, end)
    rows: dict[Key, ProductReconciliation] = {}

    def row(key: Key) -> ProductReconciliation:
        return rows.setdefault(key, ProductReconciliation(*key))

    model = ProviderProductDailyMetrics
    for mart in session.scalars(select(model).where(model.dt == day)):
        row((mart.provider_id, mart.product_id)).batch = Measures(
            mart.transactions, mart.approved, Decimal(mart.gross_amount), Decimal(mart.net_amount)
        )
    for key, totals in realtime.items():
        row(key).realtime = Measures(totals.transactions, totals.approved,
                                     totals.gross_amount, totals.net_amount)  # fmt: skip
    covered = _coverage(store, realtime, start, end)
    if covered is None:  # no window that day: the whole mart is outside coverage, no lake read
        for item in rows.values():
            item.explained["outside_realtime_coverage"].add(item.batch, -1)
        return _finish(day, rows)
    late_ids = {
        (late.provider_id, late.transaction_id) for late in store.late_transactions(start, end)
    }
    landed = landed_events(settings, day)

    def in_coverage(event: Event) -> bool:
        return covered is not None and covered[0] <= event.event_at < covered[1]

    for event, in_marts in landed.values():
        key = (event.provider_id, event.product_id)
        if not in_coverage(event):
            if in_marts:
                row(key).explained["outside_realtime_coverage"].add(event.measures(), -1)
        elif (event.provider_id, event.transaction_id) in late_ids:
            if in_marts:
                row(key).explained["late_beyond_lateness"].add(event.measures(), -1)
        elif not in_marts:
            row(key).explained["excluded_by_reference_check"].add(event.measures())
    for event in quarantined_stream_events(settings, day):
        late = (event.provider_id, event.transaction_id) in late_ids
        if event.transaction_id in landed or late or not in_coverage(event):
            continue  # the stream kept an earlier copy, filed it late, or was not running
        row((event.provider_id, event.product_id)).explained["quarantined_in_batch"].add(
            event.measures()
        )
    return _finish(day, rows)


def _finish(day: date, rows: dict[Key, ProductReconciliation]) -> DayReconciliation:
    for item in rows.values():  # keep only causes that account for something
        item.explained = {c: m for c, m in item.explained.items() if not m.is_zero()}
    ordered = sorted(rows.values(), key=lambda r: (r.provider_id, r.product_id))
    return DayReconciliation(day, ordered)


def _coverage(
    store: RealtimeStore, realtime: dict[Key, DayTotals], start: datetime, end: datetime
) -> tuple[datetime, datetime] | None:
    """The minutes the stream ran that day: first to last provider window of any provider."""
    if not realtime:
        return None
    providers = {provider for provider, _ in realtime}
    minutes = [
        moment
        for provider in providers
        for moment in store.window_counts(provider, None, start, end - timedelta(minutes=1))
    ]
    if not minutes:
        return None
    return min(minutes), max(minutes) + timedelta(minutes=1)


def save(session: Session, result: DayReconciliation) -> None:
    table: Table = Reconciliation.__table__  # type: ignore[assignment]
    session.execute(delete(table).where(table.c.dt == result.day))
    now = datetime.now(UTC)
    for item in result.rows:
        rest = item.unexplained
        session.add(
            Reconciliation(
                provider_id=item.provider_id,
                product_id=item.product_id,
                dt=result.day,
                batch_transactions=item.batch.transactions,
                realtime_transactions=item.realtime.transactions,
                batch_approved=item.batch.approved,
                realtime_approved=item.realtime.approved,
                batch_gross_amount=item.batch.gross_amount,
                realtime_gross_amount=item.realtime.gross_amount,
                batch_net_amount=item.batch.net_amount,
                realtime_net_amount=item.realtime.net_amount,
                explained={cause: m.as_json() for cause, m in item.explained.items()},
                unexplained_transactions=rest.transactions,
                unexplained_approved=rest.approved,
                unexplained_gross_amount=rest.gross_amount,
                unexplained_net_amount=rest.net_amount,
                status=item.status,
                reconciled_at=now,
            )
        )


def run_reconcile(settings: Settings, day: date) -> DayReconciliation:
    """Reconcile ``day`` and store the rows (replacing that day's earlier ones)."""
    engine = make_engine(settings.serving_database_url)
    try:
        with transaction(engine) as session:
            result = reconcile_day(settings, session, open_realtime_store(settings, session), day)
            save(session, result)
        return result
    finally:
        engine.dispose()
