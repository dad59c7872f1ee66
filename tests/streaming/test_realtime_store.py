"""The realtime store's two implementations behind one interface: the serving database
(SQLite and PostgreSQL) and DynamoDB (moto's server): the same answers, idempotent writes,
late events counted once per transaction, TTL on DynamoDB items."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import boto3
import pytest

from puntored.database.dynamodb_store import DynamoRealtimeStore, create_table
from puntored.database.engine import make_engine, transaction
from puntored.database.migrate import upgrade
from puntored.database.realtime_store import LateRow, RealtimeStore, SqlRealtimeStore, WindowRow
from puntored.errors import PuntoredError
from puntored.settings import Settings, load_settings

T0 = datetime(2026, 11, 2, 13, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def window(
    minute: int, product: str | None, transactions: int = 10, provider: str = "claro"
) -> WindowRow:
    start = T0 + minute * MINUTE
    gross = Decimal(transactions * 1000 + minute) + Decimal("0.25")
    return WindowRow(provider, product, start, start + MINUTE, transactions, transactions - 2, 1,
                     1, 0, gross, Decimal("0.00"), gross, Decimal("35.10"),
                     420 if product else None)  # fmt: skip


def batch() -> list[WindowRow]:
    rows = []
    for minute in range(5):
        rows += [
            window(minute, "claro_topup", 10 + minute),
            window(minute, "claro_bill", 3),
            window(minute, None, 13 + minute),
            window(minute, None, 7, provider="movistar"),
        ]
    return rows


LATE = [
    LateRow("claro", "claro_topup", T0, "tx-1", Decimal("5000.00")),
    LateRow("claro", "claro_bill", T0 + MINUTE, "tx-2", Decimal("1500.50")),
]


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("dynamodb", marks=pytest.mark.aws),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RealtimeStore]:
    if request.param != "dynamodb":
        database_url = (
            f"sqlite:///{tmp_path / 'serving.sqlite'}"
            if request.param == "sqlite"
            else str(request.getfixturevalue("postgres_url"))
        )
        upgrade(database_url)
        engine = make_engine(database_url)
        with transaction(engine) as session:
            yield SqlRealtimeStore(session)
        engine.dispose()
        return
    settings: Settings = request.getfixturevalue("aws_settings")
    table = f"realtime-{uuid.uuid4().hex[:8]}"
    create_table(table, settings.aws_region, settings.aws_endpoint_url)
    yield DynamoRealtimeStore(table, settings.aws_region, settings.aws_endpoint_url, ttl_days=35)


def test_both_stores_answer_the_same(store: RealtimeStore) -> None:
    store.write(batch(), LATE)
    windows = store.provider_windows("claro", T0 + MINUTE)
    assert [w["window_start"] for w in windows] == [T0 + m * MINUTE for m in range(1, 5)]
    assert windows[0]["transactions"] == 14 and windows[0]["gross_amount"] == Decimal("14001.25")
    assert windows[0]["latency_p95_ms"] is None and windows[0]["window_end"] == T0 + 2 * MINUTE
    products = store.product_windows("claro", T0 + 3 * MINUTE, None)
    assert [(p["window_start"], p["product_id"]) for p in products] == [
        (T0 + 3 * MINUTE, "claro_bill"), (T0 + 3 * MINUTE, "claro_topup"),
        (T0 + 4 * MINUTE, "claro_bill"), (T0 + 4 * MINUTE, "claro_topup"),
    ]  # fmt: skip
    assert products[1]["latency_p95_ms"] == 420 and products[1]["commission"] == Decimal("35.10")
    only = store.product_windows("claro", T0, "claro_bill")
    assert {p["product_id"] for p in only} == {"claro_bill"} and len(only) == 5
    assert store.late_totals("claro", T0) == (2, Decimal("6500.50"))
    assert store.late_totals("claro", T0 + MINUTE) == (1, Decimal("1500.50"))
    counts = store.window_counts("claro", "claro_topup", T0 + MINUTE, T0 + 2 * MINUTE)
    assert {k: v.transactions for k, v in counts.items()} == {T0 + MINUTE: 11, T0 + 2 * MINUTE: 12}
    volumes = store.provider_volumes("claro", [T0, T0 + 4 * MINUTE, T0 + 9 * MINUTE])
    assert volumes == {T0: 13, T0 + 4 * MINUTE: 17}
    totals = store.product_totals(T0, T0 + 4 * MINUTE)  # end excluded
    assert totals[("claro", "claro_topup")].transactions == 10 + 11 + 12 + 13
    assert totals[("claro", "claro_bill")].gross_amount == sum(
        (Decimal(3000 + m) + Decimal("0.25") for m in range(4)), Decimal(0)
    )
    assert ("movistar", "movistar_topup") not in totals  # no product windows written for it
    late = sorted(store.late_transactions(T0, T0 + MINUTE), key=lambda r: r.transaction_id)
    assert [(r.transaction_id, r.product_id) for r in late] == [("tx-1", "claro_topup")]


def test_writing_again_changes_nothing_and_late_events_count_once(store: RealtimeStore) -> None:
    store.write(batch(), LATE)
    before = (store.provider_windows("claro", T0), store.product_windows("claro", T0, None))
    store.write(batch(), [*LATE, LateRow("claro", "claro_topup", T0, "tx-3", Decimal("1.00"))])
    assert (store.provider_windows("claro", T0), store.product_windows("claro", T0, None)) == before
    assert store.late_totals("claro", T0) == (3, Decimal("6501.50"))
    corrected = window(0, None, 99)
    store.write([corrected], [])
    assert store.provider_windows("claro", T0)[0]["transactions"] == 99


@pytest.mark.aws
def test_dynamodb_keys_ttl_and_conditional_writes(aws_settings: Settings) -> None:
    table = f"realtime-{uuid.uuid4().hex[:8]}"
    create_table(table, aws_settings.aws_region, aws_settings.aws_endpoint_url)
    create_table(table, aws_settings.aws_region, aws_settings.aws_endpoint_url)  # exists: no-op
    store = DynamoRealtimeStore(table, aws_settings.aws_region, aws_settings.aws_endpoint_url, 35)
    store.write(batch(), LATE)
    assert store.unchanged_writes == 0
    store.write(batch(), LATE)
    assert store.unchanged_writes == len(batch())  # every put refused by its condition
    client = boto3.client("dynamodb", region_name=aws_settings.aws_region,
                          endpoint_url=aws_settings.aws_endpoint_url)  # fmt: skip
    ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at" and ttl["TimeToLiveStatus"] == "ENABLED"
    item = client.get_item(
        TableName=table,
        Key={"pk": {"S": "claro#claro_topup"}, "window_start": {"S": "2026-11-02T13:00:00Z"}},
    )["Item"]
    assert int(item["expires_at"]["N"]) == int((T0 + timedelta(days=35)).timestamp())
    assert item["transactions"]["N"] == "10" and item["gross_amount"]["N"] == "10000.25"
    rollup = client.get_item(
        TableName=table, Key={"pk": {"S": "claro#*"}, "window_start": {"S": "2026-11-02T13:04:00Z"}}
    )["Item"]
    assert rollup["transactions"]["N"] == "17"
    late = client.get_item(
        TableName=table,
        Key={"pk": {"S": "late#claro"}, "window_start": {"S": "2026-11-02T13:00:00Z#tx-1"}},
    )["Item"]
    assert late["amount"]["N"] == "5000" or late["amount"]["N"] == "5000.00"


def test_dynamodb_store_needs_a_table_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUNTORED_REALTIME_STORE", "dynamodb")
    monkeypatch.delenv("PUNTORED_REALTIME_TABLE", raising=False)
    with pytest.raises(PuntoredError, match="PUNTORED_REALTIME_TABLE is required"):
        load_settings()
