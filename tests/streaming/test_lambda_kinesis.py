"""Kinesis → the Lambda handler → PostgreSQL, on a real (moto) Kinesis stream.

The window results are put on a moto stream as the Flink job's sink does, read back with
GetShardIterator/GetRecords, and handed to the production entry point (``handler``) as the
event source mapping would; the database is named only by the RDS secret's ARN in moto's
Secrets Manager, fetched at cold start.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from puntored.aws import AwsConfig
from puntored.database.engine import make_engine, transaction
from puntored.database.migrate import upgrade
from puntored.database.models import PipelineStatus, RealtimeLateEvents, RealtimeProviderMinute
from puntored.errors import PuntoredError
from puntored.settings import Settings
from puntored.streaming.flink_job.render import LATENCY_BOUNDS_MS
from puntored.streaming.processor import lambda_handler
from puntored.streaming.processor.lambda_handler import handle, handler
from tests.support.kinesis import Stream

pytestmark = pytest.mark.postgres
T0 = datetime(2026, 11, 2, 13, 0, tzinfo=UTC)
POISON = b'{"record_type": "provider_minute", "provider_id": "claro"'  # cut short: not JSON


def window(minute: int, transactions: int = 100, provider: str = "claro") -> dict[str, Any]:
    start = T0 + timedelta(minutes=minute)
    return {
        "record_type": "provider_minute", "provider_id": provider, "product_id": None,
        "window_start": start.strftime("%Y-%m-%dT%H:%M:%S"),
        "window_end": (start + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "transactions": transactions, "approved": transactions - 5, "rejected": 5, "failed": 0,
        "reversed": 0, "gross_amount": 950000.00, "reversed_amount": 0.00,
        "net_amount": 950000.00, "commission": 28500.00,
        "latency_le_counts": [transactions] * (len(LATENCY_BOUNDS_MS) + 1),
        "transaction_id": None,
    }  # fmt: skip


def late(minute: int, transaction_id: str, amount: float) -> dict[str, Any]:
    start = T0 + timedelta(minutes=minute)
    return {
        "record_type": "late_event", "provider_id": "claro", "product_id": "claro_topup",
        "window_start": start.strftime("%Y-%m-%dT%H:%M:%S"),
        "window_end": (start + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "transactions": 1, "gross_amount": amount, "transaction_id": transaction_id,
    }  # fmt: skip


def _rds_secret(url: str, **override: Any) -> str:
    parts = make_url(url)
    secret = {
        "engine": "postgres", "username": parts.username, "password": parts.password or "",
        "host": parts.host, "port": parts.port or 5432, "dbname": parts.database,
    }  # fmt: skip
    return json.dumps(secret | override)


@pytest.fixture
def lambda_env(
    aws_settings: Settings, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Settings, str]]:
    """The Lambda's environment as infra gives it: aws mode, the database by secret ARN only.
    Yields the settings and the secret's ARN; each test starts cold."""
    upgrade(postgres_url)
    secrets = AwsConfig.from_settings(aws_settings).client("secretsmanager")
    arn = secrets.create_secret(
        Name=f"{aws_settings.lake_uri.removeprefix('s3://')}/serving-db",  # type: ignore[union-attr]
        SecretString=_rds_secret(postgres_url),
    )["ARN"]
    monkeypatch.delenv("PUNTORED_DATABASE_URL")
    monkeypatch.setenv("PUNTORED_DATABASE_SECRET_ARN", arn)
    settings = aws_settings.model_copy(update={"database_url": None, "database_secret_arn": arn})
    lambda_handler.forget_cold_start()
    yield settings, postgres_url
    lambda_handler.forget_cold_start()


def _tables(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with transaction(engine) as session:
        windows = {
            r.window_start.astimezone(UTC): r.transactions
            for r in session.scalars(select(RealtimeProviderMinute))
        }
        late_rows = {
            r.window_start.astimezone(UTC): (r.late_events, r.late_amount)
            for r in session.scalars(select(RealtimeLateEvents))
        }
        status = session.get(PipelineStatus, "realtime")
        positions = dict((status.details or {}).get("positions", {})) if status else {}
    engine.dispose()
    return {"windows": windows, "late": late_rows, "positions": positions}


def _minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_a_kinesis_batch_lands_in_postgresql_through_the_secret(
    lambda_env: tuple[Settings, str],
) -> None:
    settings, url = lambda_env
    stream = Stream.create(settings)
    sequences = stream.put([window(0, 120), window(1, 130), late(0, "t-late-1", 5000.0)])
    event = stream.batch()
    assert [r["kinesis"]["sequenceNumber"] for r in event["Records"]] == sequences

    assert handler(event, None) == {"batchItemFailures": []}
    tables = _tables(url)
    assert tables["windows"] == {_minute(0): 120, _minute(1): 130}
    assert tables["late"] == {_minute(0): (1, Decimal("5000.00"))}
    assert tables["positions"]["kinesis"] == {stream.shard_id: sequences[-1]}

    # Lambda delivers the same batch again (a timeout after the commit): nothing changes.
    assert handler(stream.batch(), None) == {"batchItemFailures": []}
    assert _tables(url) == tables


def test_a_poisoned_record_is_reported_and_nothing_else_is_lost(
    lambda_env: tuple[Settings, str],
) -> None:
    settings, url = lambda_env
    stream = Stream.create(settings)
    good_before = [window(0), late(0, "t-late-1", 5000.0)]
    good_after = [window(1), late(1, "t-late-2", 2500.0), window(2)]
    sequences = stream.put([*good_before, POISON, *good_after])
    poisoned = sequences[len(good_before)]

    answer = handler(stream.batch(), None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": poisoned}]}
    landed = _tables(url)
    assert landed["windows"] == {_minute(0): 100, _minute(1): 100, _minute(2): 100}
    assert landed["late"] == {
        _minute(0): (1, Decimal("5000.00")),
        _minute(1): (1, Decimal("2500.00")),
    }
    assert landed["positions"]["kinesis_failed"] == {stream.shard_id: [poisoned]}

    # Lambda retries from the reported record (ReportBatchItemFailures): the poisoned record
    # is reported again, the records after it are not applied twice.
    retry = stream.batch(at=poisoned)
    assert len(retry["Records"]) == 1 + len(good_after)
    assert handler(retry, None) == {"batchItemFailures": [{"itemIdentifier": poisoned}]}
    assert _tables(url) == landed

    # The mapping gives up (retries exhausted, the batch to the dead-letter queue) and moves
    # on: the next batch starts after it, lands, and the reported record is forgotten.
    later = stream.put([window(3, 90), late(1, "t-late-3", 1000.0)])
    assert handler(stream.batch(after=sequences[-1]), None) == {"batchItemFailures": []}
    final = _tables(url)
    assert final["windows"][_minute(3)] == 90
    assert final["late"][_minute(1)] == (2, Decimal("3500.00"))
    assert final["positions"]["kinesis"] == {stream.shard_id: later[-1]}
    assert final["positions"]["kinesis_failed"] == {}


def test_a_record_that_is_not_base64_is_reported_too(lambda_env: tuple[Settings, str]) -> None:
    settings, url = lambda_env
    stream = Stream.create(settings)
    stream.put([window(0)])
    event = stream.batch()
    broken = json.loads(json.dumps(event["Records"][0]))
    broken["kinesis"]["sequenceNumber"] = str(int(broken["kinesis"]["sequenceNumber"]) + 1)
    broken["kinesis"]["data"] = "%%% not base64 %%%"
    event["Records"].append(broken)
    answer = handle(event, settings)
    assert answer["batchItemFailures"] == [{"itemIdentifier": broken["kinesis"]["sequenceNumber"]}]
    assert answer["windows"] == 1
    assert _tables(url)["windows"] == {_minute(0): 100}


def test_a_rotated_secret_is_fetched_again_after_a_failed_connection(
    lambda_env: tuple[Settings, str],
) -> None:
    settings, url = lambda_env
    stream = Stream.create(settings)
    stream.put([window(0)])
    secrets = AwsConfig.from_settings(settings).client("secretsmanager")
    arn = settings.database_secret_arn
    # The instance moved (or the password rotated): the cached secret cannot connect.
    secrets.put_secret_value(SecretId=arn, SecretString=_rds_secret(url, port=1))
    with pytest.raises(OperationalError):
        handler(stream.batch(), None)  # the whole batch fails: Lambda retries it
    secrets.put_secret_value(SecretId=arn, SecretString=_rds_secret(url))
    assert handler(stream.batch(), None) == {"batchItemFailures": []}  # fetched again
    assert _tables(url)["windows"] == {_minute(0): 100}


def test_an_unreadable_secret_is_one_line(lambda_env: tuple[Settings, str]) -> None:
    settings, _ = lambda_env
    missing = settings.model_copy(
        update={"database_secret_arn": settings.database_secret_arn + "-gone"}  # type: ignore[operator]
    )
    with pytest.raises(PuntoredError, match=r"cannot read the database secret .*-gone: AWS "):
        handle({"Records": []}, missing)
    secrets = AwsConfig.from_settings(settings).client("secretsmanager")
    secrets.put_secret_value(SecretId=settings.database_secret_arn, SecretString='{"host": "x"}')
    with pytest.raises(PuntoredError, match="PUNTORED_DATABASE_SECRET must be the RDS secret"):
        handle({"Records": []}, settings)
