"""The processor: idempotent upserts (SQLite and PostgreSQL), sink-file positions, alerts in the
database, and the Lambda handler with a Kinesis-shaped event."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from puntored.database.engine import make_engine, transaction
from puntored.database.migrate import upgrade
from puntored.database.models import (
    Alert,
    PipelineStatus,
    RealtimeLateEvents,
    RealtimeProviderMinute,
)
from puntored.settings import Settings
from puntored.streaming.flink_job.render import LATENCY_BOUNDS_MS
from puntored.streaming.processor.alerts import AlertRules
from puntored.streaming.processor.lambda_handler import handle
from puntored.streaming.processor.latency import latency_quantile_ms
from puntored.streaming.processor.local_loop import ProcessorTotals, process_sink_once
from puntored.streaming.processor.records import RecordError, parse_line
from puntored.streaming.processor.sink_files import PartFile, next_unread

T0 = datetime(2026, 11, 2, 13, 0, tzinfo=UTC)
WRITER = "part-0b3c6f2e-7a51-4c1e-9d7e-2f4a8b9c0d1e-0"
REPLAY_WRITER = "part-5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f-0"


def window(minute: int, transactions: int = 100, approved: int = 95, failed: int = 0,
           provider: str = "claro", product: str | None = None) -> dict[str, Any]:  # fmt: skip
    start = T0 + timedelta(minutes=minute)
    return {
        "record_type": "provider_product_minute" if product else "provider_minute",
        "provider_id": provider,
        "product_id": product,
        "window_start": start.strftime("%Y-%m-%dT%H:%M:%S"),
        "window_end": (start + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "transactions": transactions,
        "approved": approved,
        "rejected": transactions - approved - failed,
        "failed": failed,
        "reversed": 1,
        "gross_amount": 950000.00,
        "reversed_amount": 10000.00,
        "net_amount": 940000.00,
        "commission": 28200.00,
        "latency_le_counts": [transactions] * (len(LATENCY_BOUNDS_MS) + 1),
        "transaction_id": None,
    }


def late(minute: int, transaction_id: str, amount: float = 5000.0) -> dict[str, Any]:
    start = T0 + timedelta(minutes=minute)
    return {
        "record_type": "late_event",
        "provider_id": "claro",
        "product_id": "claro_topup",
        "window_start": start.strftime("%Y-%m-%dT%H:%M:%S"),
        "window_end": (start + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "transactions": 1,
        "gross_amount": amount,
        "transaction_id": transaction_id,
    }


def write_part(
    folder: Path, counter: int, records: list[dict[str, Any]], writer: str = WRITER
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{writer}-{counter}").write_text("".join(json.dumps(r) + "\n" for r in records))


def snapshot(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with transaction(engine) as session:
        windows = [
            (r.provider_id, r.window_start.replace(tzinfo=None), r.transactions, r.gross_amount,
             r.latency_p95_ms)
            for r in session.scalars(select(RealtimeProviderMinute).order_by("window_start"))
        ]  # fmt: skip
        late_rows = [
            (r.window_start.replace(tzinfo=None), r.late_events, r.late_amount)
            for r in session.scalars(select(RealtimeLateEvents))
        ]
        alerts = [
            (a.alert_type, a.status, a.first_window_start.replace(tzinfo=None))
            for a in session.scalars(select(Alert).order_by(Alert.alert_id))
        ]
    engine.dispose()
    return {"windows": windows, "late": late_rows, "alerts": alerts}


def test_same_results_twice_give_the_same_rows(database_url: str, tmp_path: Path) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    sink = tmp_path / "windows"
    write_part(sink, 0, [window(0), window(1), late(0, "t-late-1")])
    write_part(sink, 1, [window(2), late(1, "t-late-2", 2500.0)])
    totals = ProcessorTotals()
    assert process_sink_once(engine, sink, totals) == 2
    first = snapshot(database_url)
    assert [w[2] for w in first["windows"]] == [100, 100, 100]
    assert first["windows"][0][3] == Decimal("950000.00")
    assert sorted(first["late"]) == [
        (datetime(2026, 11, 2, 13, 0), 1, Decimal("5000.00")),
        (datetime(2026, 11, 2, 13, 1), 1, Decimal("2500.00")),
    ]
    # the same files again: nothing new is read
    assert process_sink_once(engine, sink, totals) == 0
    # the same results delivered again by a new writer (a replay): same rows, late not re-added
    # because the late events' files are the processor's positions, and window rows are upserts
    with transaction(engine) as session:
        status = session.get(PipelineStatus, "realtime")
        assert status is not None and status.details
        assert status.details["positions"]["sink_files"] == {WRITER: 2}
    replay = tmp_path / "replay"
    write_part(replay, 0, [window(0), window(1), window(2)], writer=REPLAY_WRITER)
    assert process_sink_once(engine, replay, totals) == 1
    assert snapshot(database_url) == first
    engine.dispose()


def test_a_file_is_read_only_after_every_earlier_file_of_its_writer() -> None:
    files = [PartFile(Path(f"{WRITER}-{n}"), WRITER, n) for n in (3, 4, 6)]
    assert [f.counter for f in next_unread(files, {WRITER: 3})] == [3, 4]
    assert [f.counter for f in next_unread(files, {})] == [3, 4]
    assert [f.counter for f in next_unread(files, {WRITER: 7})] == []


def test_alerts_open_once_and_resolve(database_url: str, tmp_path: Path) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    sink = tmp_path / "windows"
    # approval 95% for 2 minutes, 50% for 3 (opens at the 3rd), then healthy for 3 (resolves)
    rates = [95, 95, 50, 50, 50, 95, 95, 95]
    write_part(sink, 0, [window(m, approved=a) for m, a in enumerate(rates[:5])])
    write_part(sink, 1, [window(m, approved=a) for m, a in enumerate(rates) if m >= 5])
    totals = ProcessorTotals()
    process_sink_once(engine, sink, totals)
    alerts = snapshot(database_url)["alerts"]
    assert alerts == [("approval_rate_drop", "resolved", datetime(2026, 11, 2, 13, 2))]
    assert (totals.alerts_opened, totals.alerts_resolved) == (1, 1)
    # delivering every window again (a replay) opens nothing new
    replay = tmp_path / "replay"
    write_part(replay, 0, [window(m, approved=a) for m, a in enumerate(rates)], REPLAY_WRITER)
    process_sink_once(engine, replay, totals)
    assert snapshot(database_url)["alerts"] == alerts
    engine.dispose()


def test_failure_spike_opens_on_one_window(database_url: str, tmp_path: Path) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    write_part(tmp_path / "w", 0, [window(0, approved=80, failed=20)])
    process_sink_once(engine, tmp_path / "w", ProcessorTotals())
    alerts = snapshot(database_url)["alerts"]
    assert ("failure_spike", "open", datetime(2026, 11, 2, 13, 0)) in alerts
    engine.dispose()


def test_volume_drop_against_the_same_minute_of_earlier_weeks(
    database_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    # 2026-11-02 is a festivo (All Saints' moved to Monday), so use Tuesday 2026-11-03
    tuesday = 24 * 60
    history = [
        window(tuesday + minute - weeks_ago * 7 * 24 * 60)
        for weeks_ago in (1, 2)
        for minute in range(-2, 6)
    ]
    write_part(tmp_path / "w", 0, history)
    drop = [window(tuesday + m, transactions=10, approved=10) for m in range(3)]
    write_part(tmp_path / "w", 1, drop)
    process_sink_once(engine, tmp_path / "w", ProcessorTotals())
    alerts = snapshot(database_url)["alerts"]
    assert ("volume_drop", "open", datetime(2026, 11, 3, 13, 0)) in alerts
    engine.dispose()


def test_bad_records_are_refused_with_a_reason() -> None:
    with pytest.raises(RecordError, match="not JSON"):
        parse_line("{broken")
    with pytest.raises(RecordError, match="unknown record_type"):
        parse_line('{"record_type": "nope"}')
    with pytest.raises(RecordError, match="bad provider_minute"):
        parse_line('{"record_type": "provider_minute", "provider_id": "claro"}')


def test_latency_quantile_interpolates_inside_the_bucket() -> None:
    counts = [0] * 3 + [100] * (len(LATENCY_BOUNDS_MS) - 3) + [100]  # all in (75, 100]
    assert latency_quantile_ms(counts) == 99  # 75 + 25 * 0.95, rounded up
    assert latency_quantile_ms([0] * (len(LATENCY_BOUNDS_MS) + 1)) is None
    assert latency_quantile_ms([]) is None


def kinesis_event(records: list[dict[str, Any]], first_sequence: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": record.get("provider_id") or "none",
                    "sequenceNumber": str(first_sequence + i),
                    "data": base64.b64encode(json.dumps(record).encode()).decode(),
                    "approximateArrivalTimestamp": 1793624400.0,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:{first_sequence + i}",
                "eventName": "aws:kinesis:record",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/windows",
            }
            for i, record in enumerate(records)
        ]
    }


def test_lambda_handler_with_a_kinesis_batch(database_url: str) -> None:
    upgrade(database_url)
    settings = Settings(database_url=database_url)
    event = kinesis_event([window(0), window(1), late(0, "t-1"), {"record_type": "x"}], 4900)
    result = handle(event, settings)
    assert (result["windows"], result["late_events"], result["bad_records"]) == (2, 1, 1)
    first = snapshot(database_url)
    # Lambda retries the same batch: windows are upserts and the late event is not re-added
    again = handle(event, settings)
    assert again["skipped"] is True
    assert snapshot(database_url) == first
    assert first["late"] == [(datetime(2026, 11, 2, 13, 0), 1, Decimal("5000.00"))]


def test_volume_spike_far_above_the_usual_level(database_url: str, tmp_path: Path) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    tuesday = 24 * 60
    history = [
        window(tuesday + minute - weeks_ago * 7 * 24 * 60)
        for weeks_ago in (1, 2)
        for minute in range(-2, 6)
    ]
    write_part(tmp_path / "w", 0, history)
    # 100/min usually; 350 and 400 (> 3x) for two minutes opens; a normal minute does not
    spike = [window(tuesday + m, transactions=t, approved=t - 5) for m, t in enumerate((350, 400))]
    write_part(tmp_path / "w", 1, spike)
    process_sink_once(engine, tmp_path / "w", ProcessorTotals())
    alerts = snapshot(database_url)["alerts"]
    assert ("volume_spike", "open", datetime(2026, 11, 3, 13, 0)) in alerts
    assert not any(a[0] == "volume_spike" and a[2] < datetime(2026, 11, 3) for a in alerts)
    engine.dispose()


def test_volume_spike_above_an_absolute_ceiling_without_history(
    database_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    rules = AlertRules(volume_spike_per_minute=150)
    write_part(
        tmp_path / "w",
        0,
        [window(m, transactions=t, approved=t) for m, t in enumerate((100, 160, 170))],
    )
    process_sink_once(engine, tmp_path / "w", ProcessorTotals(), rules)
    alerts = [a for a in snapshot(database_url)["alerts"] if a[0] == "volume_spike"]
    assert alerts == [("volume_spike", "open", datetime(2026, 11, 2, 13, 1))]
    engine.dispose()


def test_high_value_event_records_from_the_sink(database_url: str, tmp_path: Path) -> None:
    """What the Flink job is asked to emit (docs/streaming.md): one record per high-value sale."""
    upgrade(database_url)
    engine = make_engine(database_url)
    record = {**late(0, "tx-big", amount=2_500_000.0), "record_type": "high_value_event"}
    write_part(tmp_path / "w", 0, [record, record, window(0)])
    process_sink_once(engine, tmp_path / "w", ProcessorTotals())
    alerts = [a for a in snapshot(database_url)["alerts"] if a[0] == "high_value_transaction"]
    assert alerts == [("high_value_transaction", "open", datetime(2026, 11, 2, 13, 0))]
    # 15 minutes of event time later the notice resolves
    write_part(tmp_path / "w", 1, [window(15)])
    process_sink_once(engine, tmp_path / "w", ProcessorTotals())
    alerts = [a for a in snapshot(database_url)["alerts"] if a[0] == "high_value_transaction"]
    assert alerts == [("high_value_transaction", "resolved", datetime(2026, 11, 2, 13, 0))]
    engine.dispose()
