"""Small landing corpora for the landing-job tests, in the generator's wire format."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

BOGOTA_OFFSET = timedelta(hours=-5)


def event(n: int, event_at: datetime, **overrides: Any) -> dict[str, Any]:
    """A valid sale event with id ``tx-<n>``."""
    body: dict[str, Any] = {
        "transaction_id": f"tx-{n:06d}",
        "event_type": "sale",
        "reversed_transaction_id": None,
        "event_at": event_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{event_at.microsecond // 1000:03d}Z",
        "provider_id": "claro",
        "product_id": "claro_topup",
        "client_id": "pos-0001",
        "terminal_id": "t-01",
        "channel": "pos",
        "payment_method": "cash",
        "amount": 10000.00,
        "commission": 450.00,
        "currency": "COP",
        "status": "approved",
        "response_code": "00",
        "latency_ms": 120 + n % 50,
        "customer_reference": "300***1234",
    }
    body.update(overrides)
    return body


def line(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


def landing_path(landing: Path, arrival: date, hour: int, part: int = 0) -> Path:
    folder = landing / "transactions" / f"arrival_date={arrival}" / f"hour={hour:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"part-{part:05d}.jsonl.gz"


def write_lines(path: Path, lines: list[str]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("".join(text + "\n" for text in lines))
    return path


def bogota(day: date, hour: int, minute: int = 0) -> datetime:
    """A Bogota wall-clock moment as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - BOGOTA_OFFSET
