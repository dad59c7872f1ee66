"""Writes a small raw lake in the landing job's layout, for the dbt tests.

``<lake>/raw/transactions/dt=YYYY-MM-DD/part-N.parquet`` (``puntored.contract.lake``) with the
contract's columns and types (decimal(18,2), timestamp UTC, int32 latency), then
``source_file``, ``ingested_at``; ``dt`` is the folder. The rows are crafted: approved,
rejected and failed sales, reversals (one on a later day than its sale), a re-sent duplicate
and late events.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from puntored.contract.lake import RAW_QUARANTINE, RAW_TRANSACTIONS, LakeTable, partition_name
from puntored.contract.transaction import LAKE_METADATA_FIELDS, TRANSACTION_FIELDS, FieldType

BOGOTA_OFFSET = timedelta(hours=-5)

_ARROW_TYPES = {
    FieldType.STRING: pa.string(),
    FieldType.DECIMAL: pa.decimal128(18, 2),
    FieldType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    FieldType.INTEGER: pa.int32(),
}

RAW_SCHEMA = pa.schema(
    [pa.field(f.name, _ARROW_TYPES[f.type]) for f in TRANSACTION_FIELDS + LAKE_METADATA_FIELDS]
)

PRODUCTS = {
    "claro_topup": "claro",
    "claro_bill": "claro",
    "movistar_topup": "movistar",
    "tigo_bill": "tigo",
}
CLIENTS = ("PDV000001", "PDV000002", "PDV000003", "PDV000004")


def bogota_day(event_at: datetime) -> date:
    return (event_at + BOGOTA_OFFSET).date()


@dataclass
class RawLake:
    """Events by dt, written as one Parquet file per day."""

    root: Path
    rows: dict[date, list[dict[str, object]]] = field(default_factory=dict)

    def add(self, row: dict[str, object]) -> None:
        event_at = row["event_at"]
        assert isinstance(event_at, datetime)
        self.rows.setdefault(bogota_day(event_at), []).append(row)

    def write(self, days: list[date] | None = None) -> None:
        for day, rows in sorted(self.rows.items()):
            if days is not None and day not in days:
                continue
            write_raw_partition(self.root, day, rows)


def write_raw_partition(
    lake_root: Path,
    day: date,
    rows: list[dict[str, object]],
    part: int = 0,
    schema: pa.Schema = RAW_SCHEMA,
    table: LakeTable = RAW_TRANSACTIONS,
) -> Path:
    """One Parquet file of a raw table's ``day`` partition (raw.transactions unless told),
    in the landing job's layout."""
    folder = lake_root / table.relative / partition_name(day)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"part-{part}.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


QUARANTINE_SCHEMA = pa.schema(
    [
        ("raw_record", pa.string()),
        ("reason", pa.string()),
        ("source_file", pa.string()),
        ("ingested_at", pa.timestamp("us", tz="UTC")),
    ]
)


def write_quarantine_partition(lake_root: Path, day: date, rows: list[dict[str, object]]) -> Path:
    """One Parquet file of raw.quarantine's ``day`` (arrival day) partition."""
    return write_raw_partition(lake_root, day, rows, schema=QUARANTINE_SCHEMA, table=RAW_QUARANTINE)


def event(
    transaction_id: str,
    event_at: datetime,
    *,
    product_id: str = "claro_topup",
    client_id: str = "PDV000001",
    amount: str = "10000.00",
    commission: str = "450.00",
    status: str = "approved",
    event_type: str = "sale",
    reversed_transaction_id: str | None = None,
    latency_ms: int = 200,
    ingested_at: datetime | None = None,
) -> dict[str, object]:
    return {
        "transaction_id": transaction_id,
        "event_type": event_type,
        "reversed_transaction_id": reversed_transaction_id,
        "event_at": event_at,
        "provider_id": PRODUCTS[product_id],
        "product_id": product_id,
        "client_id": client_id,
        "terminal_id": f"{client_id}-T1",
        "channel": "pos",
        "payment_method": "cash",
        "amount": Decimal(amount),
        "commission": Decimal(commission),
        "currency": "COP",
        "status": status,
        "response_code": {"approved": "00", "rejected": "51", "failed": "96"}[status],
        "latency_ms": latency_ms,
        "customer_reference": None,
        "source_file": "landing/transactions/arrival_date=x/hour=00/part-00000.jsonl.gz",
        "ingested_at": ingested_at or event_at + timedelta(minutes=5),
    }


def random_events(lake: RawLake, first_day: date, days: int, per_day: int, seed: int) -> None:
    """Seeded random sales of every status, plus approved and rejected reversals of them."""
    rng = random.Random(seed)
    approved: list[dict[str, object]] = []
    for day_number in range(days):
        start = datetime.combine(first_day + timedelta(days=day_number), datetime.min.time(), UTC)
        start -= BOGOTA_OFFSET  # midnight in Bogota, in UTC
        for n in range(per_day):
            product = rng.choice(list(PRODUCTS))
            status = rng.choices(("approved", "rejected", "failed"), (85, 10, 5))[0]
            cents = rng.randrange(100_000, 20_000_000)
            amount = Decimal(cents) / 100
            row = event(
                f"r{seed}-{day_number}-{n}",
                start + timedelta(seconds=rng.randrange(86_400)),
                product_id=product,
                client_id=rng.choice(CLIENTS),
                amount=str(amount),
                commission=str((amount * Decimal("0.045")).quantize(Decimal("0.01"))),
                status=status,
                latency_ms=rng.randrange(50, 3_000),
            )
            lake.add(row)
            if status == "approved":
                approved.append(row)
    for n, sale in enumerate(rng.sample(approved, len(approved) // 20)):
        sale_at = sale["event_at"]
        assert isinstance(sale_at, datetime)
        reversal = dict(sale)
        reversal.update(
            transaction_id=f"rev{seed}-{n}",
            event_type="reversal",
            reversed_transaction_id=sale["transaction_id"],
            event_at=sale_at + timedelta(hours=rng.choice((1, 20, 30))),
            status=rng.choices(("approved", "rejected"), (90, 10))[0],
        )
        lake.add(reversal)
