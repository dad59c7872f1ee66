"""The processor and the API's realtime endpoints on the DynamoDB store (moto's server): the
same sink files give the same windows and alerts as on the serving database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from puntored.api.main import create_app
from puntored.database.dynamodb_store import DynamoRealtimeStore, create_table
from puntored.database.engine import make_engine, transaction
from puntored.database.migrate import upgrade
from puntored.database.models import Alert, RealtimeProviderMinute
from puntored.database.realtime_store import WindowRow
from puntored.database.store_selection import open_realtime_store
from puntored.settings import Settings
from puntored.streaming.processor.lambda_handler import handle
from puntored.streaming.processor.local_loop import (
    ProcessorTotals,
    process_sink_once,
    processor_wiring,
)
from tests.streaming.test_processor import kinesis_event, late, window, write_part
from tests.support.api_seed import create_keys

pytestmark = pytest.mark.aws


@pytest.fixture
def dynamo_settings(aws_settings: Settings, postgres_url: str) -> Settings:
    table = f"realtime-{uuid.uuid4().hex[:8]}"
    create_table(table, aws_settings.aws_region, aws_settings.aws_endpoint_url)
    upgrade(postgres_url)
    return aws_settings.model_copy(
        update={"database_url": postgres_url, "realtime_store": "dynamodb", "realtime_table": table}
    )


def test_lambda_handler_writes_to_dynamodb(dynamo_settings: Settings) -> None:
    event = kinesis_event([window(0), window(1), late(0, "tx-1")], first_sequence=100)
    first = handle(event, dynamo_settings)
    assert (first["windows"], first["late_events"], first["skipped"]) == (2, 1, False)
    assert handle(event, dynamo_settings)["skipped"] is True  # a retried batch
    engine = make_engine(dynamo_settings.serving_database_url)
    with transaction(engine) as session:
        store = open_realtime_store(dynamo_settings, session)
        since = datetime(2026, 11, 2, tzinfo=UTC)
        assert [w["transactions"] for w in store.provider_windows("claro", since)] == [100, 100]
        assert store.late_totals("claro", since) == (1, Decimal("5000.00"))
    engine.dispose()


def test_the_wiring_from_settings_runs_the_loop_on_dynamodb(
    dynamo_settings: Settings, tmp_path: Path
) -> None:
    sink, events = tmp_path / "sink", tmp_path / "events"
    write_part(sink, 0, [window(m) for m in range(2)])
    events.mkdir()
    sale = (
        '{"transaction_id": "tx-big", "event_type": "sale", "provider_id": "claro", '
        '"product_id": "claro_topup", "amount": 4000000, "event_at": "2026-11-02T13:00:05Z"}'
    )
    (events / "events-000000.jsonl").write_text(sale + "\n")
    engine = make_engine(dynamo_settings.serving_database_url)
    wiring = processor_wiring(dynamo_settings, events)
    assert process_sink_once(engine, sink, ProcessorTotals(), **wiring) == 2  # 1 events file
    with transaction(engine) as session:
        types = {a.alert_type for a in session.scalars(select(Alert))}
        assert "high_value_transaction" in types
        store = open_realtime_store(dynamo_settings, session)
        assert len(store.provider_windows("claro", datetime(2026, 11, 2, tzinfo=UTC))) == 2
    engine.dispose()


def test_processor_writes_windows_and_opens_alerts_on_dynamodb(
    dynamo_settings: Settings, tmp_path: Path
) -> None:
    sink = tmp_path / "sink"
    write_part(sink, 0, [window(m, approved=60) for m in range(3)] + [late(0, "tx-late")])
    write_part(sink, 1, [window(m, approved=60, product="claro_topup") for m in range(3)])
    engine = make_engine(dynamo_settings.serving_database_url)
    totals = ProcessorTotals()

    def store_for(session):  # type: ignore[no-untyped-def]
        return open_realtime_store(dynamo_settings, session)

    assert process_sink_once(engine, sink, totals, store_for=store_for) == 2
    with transaction(engine) as session:
        assert session.scalars(select(RealtimeProviderMinute)).all() == []  # not in SQL
        alerts = session.scalars(select(Alert)).all()
        assert {(a.alert_type, a.product_id) for a in alerts} == {
            ("approval_rate_drop", None),
            ("approval_rate_drop", "claro_topup"),
        }
        store = open_realtime_store(dynamo_settings, session)
        windows = store.provider_windows("claro", datetime(2026, 11, 2, tzinfo=UTC))
        assert [w["approved"] for w in windows] == [60, 60, 60]
        assert store.late_totals("claro", datetime(2026, 11, 2, tzinfo=UTC))[0] == 1
    engine.dispose()


def test_api_realtime_endpoints_read_dynamodb(dynamo_settings: Settings) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    store = DynamoRealtimeStore(dynamo_settings.realtime_table or "", dynamo_settings.aws_region,
                                dynamo_settings.aws_endpoint_url)  # fmt: skip
    rows = []
    for ago in (3, 2, 1):
        start = now - timedelta(minutes=ago)
        for product in (None, "claro_topup", "claro_bill"):
            rows.append(WindowRow("claro", product, start, start + timedelta(minutes=1), 100 + ago,
                                  90, 5, 5, 0, Decimal("1000.00"),
                                  Decimal("0.00"),
                                  Decimal("1000.00"),
                                  Decimal("35.00"), 400))  # fmt: skip
    store.write(rows, [])
    keys = create_keys(dynamo_settings.serving_database_url)
    with TestClient(create_app(dynamo_settings)) as client:
        body = client.get(
            "/v1/providers/claro/realtime?minutes=10", headers={"X-API-Key": keys["claro"]}
        ).json()
        assert [i["transactions"] for i in body["items"]] == [103, 102, 101]
        assert body["items"][0]["approval_rate"] == pytest.approx(90 / 103)
        assert body["items"][0]["gross_amount"] == "1000.00"
        products = client.get("/v1/providers/claro/realtime/products?minutes=10",
                              headers={"X-API-Key": keys["claro"]}).json()  # fmt: skip
        assert [i["product_id"] for i in products["items"]][:2] == ["claro_bill", "claro_topup"]
        denied = client.get("/v1/providers/claro/realtime", headers={"X-API-Key": keys["movistar"]})
        assert denied.status_code == 403
