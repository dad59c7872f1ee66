"""A day of raw transactions for the report tests (every status, approved and rejected
reversals, a client id with quotes and a comma) and the daily mart computed from it in plain
Python by the contract's rules."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from tests.support.raw_lake import write_raw_partition

DAY = date(2026, 11, 2)
PROVIDERS = ("claro", "movistar", "enel")


def raw_day(seed: int = 3) -> list[dict[str, Any]]:
    """A day of raw transactions: sales of each status, approved and rejected reversals."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)  # 00:00 in Bogotá
    rows: list[dict[str, Any]] = []
    for i in range(300):
        provider = PROVIDERS[i % 3]
        status = rng.choice(["approved"] * 8 + ["rejected", "failed"])
        amount = Decimal(rng.randrange(1000, 200000)) / 100 * 100
        rows.append({
            "transaction_id": f"t{i:05d}", "event_type": "sale", "reversed_transaction_id": None,
            "event_at": start + timedelta(seconds=i * 250), "provider_id": provider,
            "product_id": f"{provider}_topup", "client_id": f"pos_{i % 17:06d}",
            "amount": amount.quantize(Decimal("0.01")),
            "commission": (amount * Decimal("0.035")).quantize(Decimal("0.01")),
            "status": status, "response_code": "00" if status == "approved" else "51",
        })  # fmt: skip
    for j, sale in enumerate(r for r in list(rows) if r["status"] == "approved"):
        if j % 9 == 0:
            rows.append({
                **sale, "transaction_id": f"r{j:05d}", "event_type": "reversal",
                "reversed_transaction_id": sale["transaction_id"],
                "event_at": sale["event_at"] + timedelta(minutes=3),
                "status": "approved" if j % 4 else "rejected",
                "client_id": 'pos_"quoted", one',
            })  # fmt: skip
    return rows


def write_lake(data_dir: Path, rows: list[dict[str, Any]]) -> None:
    schema = pa.schema([
        ("transaction_id", pa.string()), ("event_type", pa.string()),
        ("reversed_transaction_id", pa.string()), ("event_at", pa.timestamp("us", tz="UTC")),
        ("provider_id", pa.string()), ("product_id", pa.string()), ("client_id", pa.string()),
        ("amount", pa.decimal128(18, 2)), ("commission", pa.decimal128(18, 2)),
        ("status", pa.string()), ("response_code", pa.string()),
    ])  # fmt: skip
    lake = data_dir / "lake"
    write_raw_partition(lake, DAY, rows[:150], part=0, schema=schema)
    write_raw_partition(lake, DAY, rows[150:], part=1, schema=schema)


def expected_mart(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """fct_provider_daily's measures computed in plain Python from the contract's rules."""
    mart: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        m = mart[r["provider_id"]]
        approved = r["status"] == "approved"
        if r["event_type"] == "sale":
            m["transactions"] += 1
            m[r["status"]] += 1
            if approved:
                m["gross_amount"] += r["amount"]
                m["commission"] += r["commission"]
        elif approved:
            m["reversed"] += 1
            m["reversed_amount"] += r["amount"]
            m["commission"] -= r["commission"]
    for m in mart.values():
        m["net_amount"] = m["gross_amount"] - m["reversed_amount"]
    return mart
