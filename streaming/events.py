"""Write transaction events as the local stream expects them: JSON lines, files named in
event-time order, each written atomically (dot-prefixed temp name, then rename).

Used by the benchmark and the tests to craft event sets; the generator's ``--stream`` mode
writes the same layout.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any


def format_event_at(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a Z (the contract's wire format)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # the wire format: a JSON number with two decimals
    if isinstance(value, datetime):
        return format_event_at(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def event_line(event: Mapping[str, Any]) -> str:
    return json.dumps(event, default=_json_default, separators=(",", ":"))


def write_event_file(path: Path, events: Iterable[Mapping[str, Any]]) -> int:
    """Write events to ``path`` atomically; returns how many lines were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    count = 0
    with temporary.open("w") as out:
        for event in events:
            out.write(event_line(event) + "\n")
            count += 1
    os.replace(temporary, path)
    return count


def sale(
    transaction_id: str,
    event_at: datetime,
    *,
    provider_id: str = "claro",
    product_id: str = "claro_topup",
    status: str = "approved",
    amount: str = "10000.00",
    commission: str = "300.00",
    latency_ms: int = 200,
    event_type: str = "sale",
    reversed_transaction_id: str | None = None,
) -> dict[str, Any]:
    """One contract-shaped event (defaults are a plausible approved top-up)."""
    return {
        "transaction_id": transaction_id,
        "event_type": event_type,
        "reversed_transaction_id": reversed_transaction_id,
        "event_at": format_event_at(event_at),
        "provider_id": provider_id,
        "product_id": product_id,
        "client_id": "C000001",
        "terminal_id": "T000001-1",
        "channel": "pos",
        "payment_method": "cash",
        "amount": Decimal(amount),
        "commission": Decimal(commission),
        "currency": "COP",
        "status": status,
        "response_code": "00" if status == "approved" else "51",
        "latency_ms": latency_ms,
        "customer_reference": None,
    }
