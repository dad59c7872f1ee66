"""Alerts reach people: a high-value sale in a replay opens an alert once, a local webhook
receiver (127.0.0.1) gets a correctly signed delivery, failures are retried with backoff and
logged; the SNS topic (moto) gets the same body; the webhooks CLI."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from puntored.cli.app import app as cli
from puntored.database.engine import make_engine, transaction
from puntored.database.migrate import upgrade
from puntored.database.models import Alert, WebhookDelivery
from puntored.settings import Settings, get_settings
from puntored.streaming.processor.alerts import HIGH_VALUE_TRANSACTION, AlertRules
from puntored.streaming.processor.delivery import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    AlertDelivery,
    sign,
    verify_signature,
)
from puntored.streaming.processor.local_loop import ProcessorTotals, process_events_once
from puntored.streaming.processor.webhooks import (
    WebhookError,
    add_webhook,
    check_url,
    remove_webhook,
)

T0 = datetime(2026, 11, 2, 13, 0, tzinfo=UTC)


@dataclass
class Receiver:
    url: str
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    fail_first: int = 0  # answer 503 to this many requests first


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers), body))
            failing = len(state.requests) <= state.fail_first
            self.send_response(503 if failing else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/puntored"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def sale(number: int, amount: str, minute: int = 0, product: str = "claro_topup") -> str:
    at = T0 + timedelta(minutes=minute, seconds=number)
    event = {"transaction_id": f"tx-{number}", "event_type": "sale", "provider_id": "claro",
             "product_id": product, "amount": amount, "status": "approved",
             "event_at": at.isoformat().replace("+00:00", "Z")}  # fmt: skip
    return json.dumps(event)


def write_events(folder: Path, number: int, lines: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"events-{number:06d}.jsonl").write_text("\n".join(lines) + "\n")


def test_high_value_sale_opens_one_alert_and_a_signed_delivery(
    database_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    upgrade(database_url)
    settings = Settings(data_dir=tmp_path, database_url=database_url, webhook_retry_wait_s=0.01)
    hook, secret = add_webhook(settings, "claro", receiver.url)
    add_webhook(settings, "movistar", receiver.url)  # another provider's: never called
    rules = AlertRules(high_value_cop={"claro_topup": 200_000})
    events = tmp_path / "events"
    write_events(events, 0, [sale(1, "150000.00"), sale(2, "250000.00"), "not json"])
    write_events(events, 1, [sale(2, "250000.00"), sale(3, "900000.00", product="claro_bill")])
    engine = make_engine(database_url)
    totals = ProcessorTotals()
    deliver = AlertDelivery(settings)
    assert process_events_once(engine, events, totals, rules, deliver) == 2
    assert process_events_once(engine, events, totals, rules, deliver) == 0  # position kept
    with transaction(engine) as session:
        alerts = session.scalars(select(Alert).order_by(Alert.alert_id)).all()
        logged = session.scalars(select(WebhookDelivery)).all()
        # tx-2 re-sent in the next file opens nothing twice; tx-3 (900k) is below the 1 M default
        assert [(a.alert_type, a.transaction_id) for a in alerts] == [
            (HIGH_VALUE_TRANSACTION, "tx-2")
        ]
        assert alerts[0].details["amount"] == "250000.00" and alerts[0].status == "open"
        assert [(d.webhook_id, d.status, d.attempts, d.response_status) for d in logged] == [
            (hook.webhook_id, "delivered", 1, 204)
        ]
    engine.dispose()
    assert totals.unreadable_event_lines == 1 and totals.bad_records == 0
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert verify_signature(secret, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not verify_signature(
        "whsec_other", headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER]
    )
    assert not verify_signature(
        secret, headers[TIMESTAMP_HEADER], body + b" ", headers[SIGNATURE_HEADER]
    )
    payload = json.loads(body)
    assert payload["event"] == "alert.opened" and payload["alert"]["transaction_id"] == "tx-2"


def test_failed_deliveries_are_retried_with_backoff_and_logged(
    database_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    upgrade(database_url)
    settings = Settings(data_dir=tmp_path, database_url=database_url,
                        webhook_retry_wait_s=0.01, webhook_retry_attempts=3)  # fmt: skip
    add_webhook(settings, "claro", receiver.url)
    engine = make_engine(database_url)
    receiver.fail_first = 2
    write_events(tmp_path / "events", 0, [sale(1, "5000000.00")])
    process_events_once(
        engine, tmp_path / "events", ProcessorTotals(), AlertRules(), AlertDelivery(settings)
    )
    receiver.fail_first = 10
    write_events(tmp_path / "events", 1, [sale(2, "5000000.00")])
    process_events_once(
        engine, tmp_path / "events", ProcessorTotals(), AlertRules(), AlertDelivery(settings)
    )
    with transaction(engine) as session:
        logged = session.scalars(
            select(WebhookDelivery).order_by(WebhookDelivery.delivery_id)
        ).all()
        assert [(d.status, d.attempts, d.response_status) for d in logged] == [
            ("delivered", 3, 204),
            ("failed", 3, 503),
        ]
        assert "503" in (logged[1].error or "")
    engine.dispose()
    assert len(receiver.requests) == 3 + 3


def test_signature_is_hmac_sha256_of_timestamp_and_body() -> None:
    expected = hmac.new(b"s3cret", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign("s3cret", 1700000000, b"{}") == f"sha256={expected}"
    assert not verify_signature(
        "s3cret", "1700000000", b"{}", f"sha256={expected}", now=1700000000 + 301
    )
    assert verify_signature("s3cret", "1700000000", b"{}", f"sha256={expected}", now=1700000000 + 5)


def test_webhook_urls_must_be_https_except_loopback() -> None:
    assert check_url("https://hooks.example.co/puntored")
    assert check_url("http://127.0.0.1:8080/x")
    for bad in ("http://hooks.example.co/x", "ftp://x", "https:///nohost"):
        with pytest.raises(WebhookError):
            check_url(bad)


@pytest.mark.aws
def test_alerts_reach_the_sns_topic(
    aws_settings: Settings, postgres_url: str, tmp_path: Path
) -> None:
    sns = boto3.client(
        "sns", region_name=aws_settings.aws_region, endpoint_url=aws_settings.aws_endpoint_url
    )
    sqs = boto3.client(
        "sqs", region_name=aws_settings.aws_region, endpoint_url=aws_settings.aws_endpoint_url
    )
    topic = sns.create_topic(Name="puntored-alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"RawMessageDelivery": "true"})  # fmt: skip
    upgrade(postgres_url)
    settings = aws_settings.model_copy(
        update={"database_url": postgres_url, "alerts_topic_arn": topic}
    )
    engine = make_engine(postgres_url)
    write_events(tmp_path / "events", 0, [sale(7, "3000000.00")])
    process_events_once(
        engine, tmp_path / "events", ProcessorTotals(), AlertRules(), AlertDelivery(settings)
    )
    engine.dispose()
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=2)[
        "Messages"
    ]
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])
    assert (
        body["alert"]["alert_type"] == HIGH_VALUE_TRANSACTION
        and body["alert"]["transaction_id"] == "tx-7"
    )


def test_webhooks_cli_add_list_remove(
    database_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(database_url)
    monkeypatch.setenv("PUNTORED_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")  # rich: the table on one line per webhook
    get_settings.cache_clear()
    runner = CliRunner()
    added = runner.invoke(
        cli, ["webhooks", "add", "--provider", "claro", "--url", "https://hooks.example.co/a"]
    )
    assert added.exit_code == 0, added.output
    secret = added.output.strip().splitlines()[-1]
    assert secret.startswith("whsec_") and len(secret) > 30
    listed = runner.invoke(cli, ["webhooks", "list"])
    assert "https://hooks.example.co/a" in listed.output and secret not in listed.output
    refused = runner.invoke(
        cli, ["webhooks", "add", "--provider", "claro", "--url", "http://example.co"]
    )
    assert refused.exit_code != 0
    removed = runner.invoke(cli, ["webhooks", "remove", "1"])
    assert removed.exit_code == 0 and "removed" in removed.output
    settings = Settings(data_dir=data_dir, database_url=database_url)
    with pytest.raises(WebhookError):
        remove_webhook(settings, 1)
    get_settings.cache_clear()
