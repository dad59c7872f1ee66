"""The realtime side of a generated day without a Flink cluster: the landing lines replayed in
arrival order through the Flink job's rules (streaming/flink_job/sql): a line that is not JSON
or misses a required field is not counted; the first copy of a transaction_id wins; an event
whose 1-minute window has closed (window end - 1 ms at or behind the watermark = newest event
time seen - the watermark delay) is a late event; every other event is windowed per provider
and product. Returns the window rows and late rows the processor would write."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from puntored.database.realtime_store import LateRow, WindowRow

REQUIRED = ("transaction_id", "event_type", "event_at", "provider_id", "product_id", "client_id",
            "terminal_id", "channel", "payment_method", "amount", "commission", "currency",
            "status", "response_code", "latency_ms")  # fmt: skip


def _event(line: str) -> dict | None:  # type: ignore[type-arg]
    try:
        raw = json.loads(line, parse_float=Decimal)
    except ValueError:
        return None
    if not isinstance(raw, dict) or any(raw.get(name) is None for name in REQUIRED):
        return None
    try:
        amount = Decimal(str(raw["amount"])) if not isinstance(raw["amount"], bool) else None
        Decimal(str(raw["commission"])) if not isinstance(raw["commission"], bool) else None
        int(raw["latency_ms"])
        at = datetime.fromisoformat(str(raw["event_at"]).replace("Z", "+00:00")).astimezone(UTC)
    except (InvalidOperation, ValueError, TypeError):
        return None
    if amount is None or isinstance(raw["commission"], bool):
        return None
    return {**raw, "amount": amount, "event_at": at}


def replay_landing(
    landing: Path, delay: timedelta = timedelta(seconds=5)
) -> tuple[list[WindowRow], list[LateRow]]:
    seen: set[str] = set()
    watermark: datetime | None = None
    sums: dict[tuple[str, str, datetime], list[Decimal | int]] = defaultdict(
        lambda: [0, 0, Decimal(0), Decimal(0)]
    )
    late: list[LateRow] = []
    for path in sorted(landing.rglob("*.jsonl.gz")):
        try:
            text = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        except (OSError, EOFError):
            continue  # truncated: the landing job quarantines it whole (raw_record null)
        for line in text.splitlines():
            event = _event(line)
            if event is None or event["transaction_id"] in seen:
                continue
            seen.add(event["transaction_id"])
            minute = event["event_at"].replace(second=0, microsecond=0)
            window_last_ms = minute + timedelta(minutes=1) - timedelta(milliseconds=1)
            if watermark is not None and window_last_ms <= watermark:
                late.append(LateRow(event["provider_id"], event["product_id"], minute,
                                    event["transaction_id"], event["amount"]))  # fmt: skip
            else:
                total = sums[(event["provider_id"], event["product_id"], minute)]
                sale, approved = event["event_type"] == "sale", event["status"] == "approved"
                total[0] += int(sale)
                total[1] += int(sale and approved)
                total[2] += event["amount"] if sale and approved else 0
                total[3] += event["amount"] if event["event_type"] == "reversal" and approved else 0
            candidate = event["event_at"] - delay
            watermark = candidate if watermark is None else max(watermark, candidate)
    rows: list[WindowRow] = []
    per_provider: dict[tuple[str, datetime], list[Decimal | int]] = defaultdict(
        lambda: [0, 0, Decimal(0), Decimal(0)]
    )
    for (provider, product, minute), (t, a, g, r) in sums.items():
        rows.append(_row(provider, product, minute, int(t), int(a), Decimal(g), Decimal(r)))
        acc = per_provider[(provider, minute)]
        for i, value in enumerate((t, a, g, r)):
            acc[i] += value
    for (provider, minute), (t, a, g, r) in per_provider.items():
        rows.append(_row(provider, None, minute, int(t), int(a), Decimal(g), Decimal(r)))
    return rows, late


def _row(provider: str, product: str | None, minute: datetime, transactions: int, approved: int,
         gross: Decimal, reversed_amount: Decimal) -> WindowRow:  # fmt: skip
    cent = Decimal("0.01")
    net = gross - reversed_amount
    return WindowRow(provider, product, minute, minute + timedelta(minutes=1), transactions,
                     approved, transactions - approved, 0, 0, gross.quantize(cent),
                     reversed_amount.quantize(cent), net.quantize(cent), Decimal("0.00"),
                     None)  # fmt: skip
