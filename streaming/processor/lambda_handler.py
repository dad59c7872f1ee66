"""AWS Lambda entry point: a batch of Kinesis records carrying the Flink job's window results.

The Kinesis event source mapping (infra/stacks/streaming.py: ``ReportBatchItemFailures``,
bisect on error, bounded retries, an SQS on-failure destination) delivers one shard's records
in order; each record's ``data`` is base64 of one JSON window result (records.py).

* A record that cannot be read is **reported**, not dropped: the response names its sequence
  number in ``batchItemFailures``; every readable record of the batch is applied anyway, in
  the same transaction as the new positions. Lambda retries from the reported record; after
  the mapping's retries it sends the batch's coordinates to the dead-letter queue.
* **Positions** (``pipeline_status``, stage ``realtime``): per shard the highest sequence number
  consumed (``kinesis``) and the reported ones at or below it (``kinesis_failed``). A redelivered
  record is skipped unless it was reported; so retries never add a late event twice, and a
  reported record is tried again each time Lambda redelivers it. Once a batch of the shard
  starts after a reported record, the mapping has given up on it (dead-letter queue): it is
  forgotten.
* A failure of the database (or anything else) fails the whole invocation: Lambda retries the
  batch (bisecting it) and nothing of it was written.

Settings come from the environment. The database is named by ``PUNTORED_DATABASE_URL``, or by
the RDS secret's ARN (``PUNTORED_DATABASE_SECRET_ARN``), fetched from Secrets Manager once per
cold start; a connection failure drops the cached secret, so a rotated password is fetched on
the retry. The windows go to the realtime store the settings choose
(``PUNTORED_REALTIME_STORE``: DynamoDB in AWS), and alerts opened or resolved are delivered to
the provider's webhooks and the SNS topic (``PUNTORED_ALERTS_TOPIC_ARN``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from puntored.database.engine import make_engine, transaction
from puntored.database.secret import with_database_secret
from puntored.database.store_selection import open_realtime_store
from puntored.errors import PuntoredError
from puntored.settings import Settings
from puntored.streaming.processor.alerts import AlertRules
from puntored.streaming.processor.delivery import AlertDelivery
from puntored.streaming.processor.records import Record, RecordError, parse_line
from puntored.streaming.processor.store import BatchResult, Positions, apply_batch, load_positions

log = structlog.get_logger("puntored.stream.lambda")
POSITIONS_KEY = "kinesis"  # shard -> highest sequence number consumed (text)
FAILED_KEY = "kinesis_failed"  # shard -> reported sequence numbers at or below it (text)


def _shard(event_id: str) -> str:
    # eventID is "shardId-000000000000:<sequence number>"
    return event_id.split(":", 1)[0]


@dataclass
class ShardPositions:
    consumed: dict[str, int] = field(default_factory=dict)
    failed: dict[str, set[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, positions: Positions) -> ShardPositions:
        consumed = {s: int(q) for s, q in (positions.get(POSITIONS_KEY) or {}).items()}
        failed = {s: {int(q) for q in qs} for s, qs in (positions.get(FAILED_KEY) or {}).items()}
        return cls(consumed, failed)

    def to_positions(self, positions: Positions) -> Positions:
        failed = {s: [str(q) for q in sorted(qs)] for s, qs in self.failed.items() if qs}
        return {
            **positions,
            POSITIONS_KEY: {s: str(q) for s, q in self.consumed.items()},
            FAILED_KEY: failed,
        }

    def is_due(self, shard: str, sequence: int) -> bool:
        """Not consumed yet, or consumed but reported (a retry of a failed record)."""
        return sequence > self.consumed.get(shard, -1) or sequence in self.failed.get(shard, set())


@dataclass
class DecodedBatch:
    records: list[Record]
    failures: list[str]  # sequence numbers, as Kinesis wrote them
    after: ShardPositions  # the positions once this batch is applied
    before: ShardPositions


def decode_kinesis_event(event: dict[str, Any], stored: ShardPositions) -> DecodedBatch:
    """The records still due, the unreadable ones, and the positions after the batch."""
    records: list[Record] = []
    failures: list[str] = []
    consumed = dict(stored.consumed)
    failed = {shard: set(sequences) for shard, sequences in stored.failed.items()}
    first: dict[str, int] = {}
    for item in event.get("Records", []):
        kinesis = item["kinesis"]
        shard = _shard(item.get("eventID", "shard:0"))
        text = str(kinesis["sequenceNumber"])
        sequence = int(text)
        first[shard] = min(first.get(shard, sequence), sequence)
        consumed[shard] = max(consumed.get(shard, -1), sequence)
        if not stored.is_due(shard, sequence):
            continue
        try:
            records.append(parse_line(base64.b64decode(kinesis["data"], validate=True)))
            failed.get(shard, set()).discard(sequence)
        except (RecordError, ValueError, binascii.Error) as error:
            failures.append(text)
            failed.setdefault(shard, set()).add(sequence)
            log.error("bad_kinesis_record", shard=shard, sequence=text, reason=str(error))
    for shard, lowest in first.items():
        # Delivery starts at the mapping's checkpoint: older reported records were given up.
        failed[shard] = {q for q in failed.get(shard, set()) if q >= lowest}
    failed = {shard: sequences for shard, sequences in failed.items() if sequences}
    return DecodedBatch(records, failures, ShardPositions(consumed, failed), stored)


def _advance(batch: DecodedBatch) -> Callable[[Positions], Positions | None]:
    def advance(positions: Positions) -> Positions | None:
        if ShardPositions.load(positions) != batch.before:
            # Another invocation moved them meanwhile (never with one consumer per shard):
            # fail the invocation, nothing of it is written, Lambda retries the batch.
            raise PuntoredError("the shard positions moved while the batch was read")
        if batch.after == batch.before and not batch.records:
            return None  # a redelivery of consumed records: nothing to write
        return batch.after.to_positions(positions)

    return advance


def process(event: dict[str, Any], engine: Engine, settings: Settings) -> dict[str, Any]:
    """Apply one Kinesis batch; the answer carries the partial batch response."""
    with transaction(engine) as session:
        stored = ShardPositions.load(load_positions(session))
    batch = decode_kinesis_event(event, stored)
    result: BatchResult = apply_batch(
        engine,
        batch.records,
        _advance(batch),
        AlertRules.from_settings(settings),
        store_for=lambda session: open_realtime_store(settings, session),
        deliver=AlertDelivery(settings),
    )
    answer = {
        "records": len(event.get("Records", [])),
        "applied": 0 if result.skipped else len(batch.records),
        "windows": result.windows,
        "late_events": result.late_events,
        "bad_records": len(batch.failures),
        "skipped": result.skipped,
        "alerts_opened": result.alerts_opened,
        "alerts_resolved": result.alerts_resolved,
        "batchItemFailures": [{"itemIdentifier": sequence} for sequence in batch.failures],
    }
    log.info("kinesis_batch", **{k: v for k, v in answer.items() if k != "batchItemFailures"})
    return answer


def handle(event: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """One batch with its own engine (tests and one-off replays)."""
    settings = with_database_secret(settings)
    engine = make_engine(settings.serving_database_url)
    try:
        return process(event, engine, settings)
    finally:
        engine.dispose()


@dataclass
class _ColdStart:
    settings: Settings
    engine: Engine


_warm: _ColdStart | None = None


def _started() -> _ColdStart:
    """Settings, the fetched secret and the engine: made once per Lambda container."""
    global _warm
    if _warm is None:
        settings = with_database_secret(Settings())
        _warm = _ColdStart(settings, make_engine(settings.serving_database_url, pool_size=1))
    return _warm


def forget_cold_start() -> None:
    """Drop the cached settings and engine: the next invocation fetches the secret again."""
    global _warm
    if _warm is not None:
        _warm.engine.dispose()
    _warm = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        started = _started()
        answer = process(event, started.engine, started.settings)
    except OperationalError:
        forget_cold_start()  # a rotated password or a replaced instance: fetch on the retry
        raise
    return {"batchItemFailures": answer["batchItemFailures"]}
