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
        "client_id": "PDV000001",
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


MALFORMED = {
    "malformed_json": lambda e: line(e)[:40],
    "missing_field": lambda e: line({k: v for k, v in e.items() if k != "amount"}),
    "wrong_type": lambda e: line({**e, "latency_ms": "fast"}),
    "unknown_provider": lambda e: line({**e, "provider_id": "acme_telecom"}),
    "unknown_product": lambda e: line({**e, "product_id": "movistar_topup"}),
    "unknown_client": lambda e: line({**e, "client_id": '=HYPERLINK("http://evil","x")'}),
    "negative_amount": lambda e: line({**e, "amount": -e["amount"]}),
    "future_timestamp": lambda e: line({**e, "event_at": "2027-01-01T00:00:00.000Z"}),
    "invalid_value": lambda e: line({**e, "channel": "fax"}),
}


def write_generator_style_corpus(landing: Path, first_day: date, per_day: int = 12) -> dict:
    """Three days of events with every kind of injected fault, in the generator's layout, and
    a ground-truth manifest shaped like ``generate-<run_id>.json``.

    Day d's events arrive in folder (d, hour 10); two of day 1's events arrive late on day 3;
    one event is re-sent in the same file and one in a later folder; one of each malformed kind
    goes to day 2; a truncated gzip with 4 valid events arrives on day 3 (never readable).
    """
    days = [first_day + timedelta(days=i) for i in range(3)]
    by_dt: dict[str, int] = {}
    files: dict[Path, list[str]] = {}
    n = 0
    for index, day in enumerate(days):
        lines = []
        for i in range(per_day):
            lines.append(line(event(n, bogota(day, 9, i))))
            n += 1
        by_dt[day.isoformat()] = per_day
        files[landing_path(landing, day, 10)] = lines
        if index == 0:
            late = [line(event(n + i, bogota(day, 23, 50 + i))) for i in range(2)]
            n += 2
            by_dt[day.isoformat()] += 2
            files[landing_path(landing, days[2], 7)] = late
    day2 = files[landing_path(landing, days[1], 10)]
    day2.append(day2[3])  # re-sent in the same file
    files[landing_path(landing, days[2], 10)].append(day2[1])  # re-sent a day later
    for corrupt in MALFORMED.values():
        day2.append(corrupt(event(n, bogota(days[1], 9, 59))))
        n += 1
    for path, lines in files.items():
        write_lines(path, lines)
    truncated = landing_path(landing, days[2], 11)
    write_lines(truncated, [line(event(n + i, bogota(days[2], 10, i))) for i in range(4)])
    truncated.write_bytes(truncated.read_bytes()[:-30])
    unique = sum(by_dt.values())
    return {
        "expected": {
            "landed": unique,
            "quarantined": len(MALFORMED),
            "duplicates": 2,
            "unreadable_files": 1,
        },
        "events": {"unique": unique, "by_dt": by_dt},
        "injected": {
            "duplicates": 2,
            "late_events": 2,
            "malformed": dict.fromkeys(MALFORMED, 1),
            "truncated_file_records": 4,
        },
        "files": {
            "written": len(files) + 1,
            "truncated": [truncated.relative_to(landing).as_posix()],
        },
    }
