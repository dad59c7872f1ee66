"""AWS Lambda entry point: a batch of Kinesis records carrying the Flink job's window results.

Each Kinesis record's ``data`` is base64 of one JSON window result. Records at or before the
sequence number already recorded for their shard (in ``pipeline_status``) are skipped, so a
retried batch does not add late events twice; window rows are upserts anyway. The database URL
comes from the application settings (PUNTORED_DATABASE_URL); the windows go to the realtime
store they choose (PUNTORED_REALTIME_STORE: DynamoDB in AWS), and alerts opened or resolved are
delivered to the provider's webhooks and the SNS topic (PUNTORED_ALERTS_TOPIC_ARN).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import structlog

from puntored.database.engine import make_engine, transaction
from puntored.database.store_selection import open_realtime_store
from puntored.settings import Settings
from puntored.streaming.processor.alerts import AlertRules
from puntored.streaming.processor.delivery import AlertDelivery
from puntored.streaming.processor.records import Record, RecordError, parse_line
from puntored.streaming.processor.store import Positions, apply_batch, load_positions

log = structlog.get_logger("puntored.stream.lambda")
POSITIONS_KEY = "kinesis"


def _shard(event_id: str) -> str:
    # eventID is "shardId-000000000000:<sequence number>"
    return event_id.split(":", 1)[0]


def _advance(latest: dict[str, int]) -> Callable[[Positions], Positions | None]:
    def advance(positions: Positions) -> Positions | None:
        stored = dict(positions.get(POSITIONS_KEY) or {})
        if all(int(stored.get(shard, "-1")) >= seq for shard, seq in latest.items()):
            return None
        merged = {s: str(max(int(stored.get(s, "-1")), q)) for s, q in latest.items()}
        return {**positions, POSITIONS_KEY: {**stored, **merged}}

    return advance


def decode_kinesis_event(
    event: dict[str, Any], already: dict[str, int]
) -> tuple[list[Record], dict[str, int], int]:
    """(records not consumed yet, highest sequence per shard, unreadable record count)."""
    records: list[Record] = []
    latest: dict[str, int] = {}
    bad = 0
    for item in event.get("Records", []):
        kinesis = item["kinesis"]
        shard = _shard(item.get("eventID", "shard:0"))
        sequence = int(kinesis["sequenceNumber"])
        latest[shard] = max(latest.get(shard, -1), sequence)
        if sequence <= already.get(shard, -1):
            continue
        try:
            records.append(parse_line(base64.b64decode(kinesis["data"])))
        except (RecordError, ValueError) as error:
            bad += 1
            log.error("bad_kinesis_record", shard=shard, sequence=sequence, reason=str(error))
    return records, latest, bad


def handle(event: dict[str, Any], settings: Settings) -> dict[str, Any]:
    engine = make_engine(settings.serving_database_url)
    try:
        with transaction(engine) as session:
            stored = load_positions(session).get(POSITIONS_KEY) or {}
        already = {shard: int(seq) for shard, seq in stored.items()}
        records, latest, bad = decode_kinesis_event(event, already)
        result = apply_batch(
            engine,
            records,
            _advance(latest),
            AlertRules.from_settings(settings),
            store_for=lambda session: open_realtime_store(settings, session),
            deliver=AlertDelivery(settings),
        )
    finally:
        engine.dispose()
    return {
        "records": len(event.get("Records", [])),
        "applied": len(records),
        "windows": result.windows,
        "late_events": result.late_events,
        "bad_records": bad,
        "skipped": result.skipped,
        "alerts_opened": result.alerts_opened,
        "alerts_resolved": result.alerts_resolved,
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, Settings())
