"""Alerts reach people: each provider's webhooks (HMAC-SHA256-signed JSON, retried with
backoff, every outcome in ``webhook_deliveries``) and, in aws mode, the SNS alerts topic.

Signing (docs/decisions/0662-webhook-signing.md): the receiver gets
``X-PuntoRed-Timestamp: <unix seconds>`` and
``X-PuntoRed-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``;
it recomputes the HMAC over the raw body with its secret, compares in constant time, and
refuses timestamps older than a few minutes (replays). ``verify_signature`` does exactly that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog
from sqlalchemy import Engine, select
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from puntored.aws import AwsConfig
from puntored.database.engine import transaction
from puntored.database.models import Alert, Webhook, WebhookDelivery
from puntored.settings import Settings

log = structlog.get_logger("puntored.stream.delivery")
SIGNATURE_HEADER = "X-PuntoRed-Signature"
TIMESTAMP_HEADER = "X-PuntoRed-Timestamp"
EVENT_HEADER = "X-PuntoRed-Event"
DELIVERY_HEADER = "X-PuntoRed-Delivery"
MAX_SKEW_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None
) -> bool:
    """What a receiver does: a fresh timestamp and a matching HMAC (constant-time compare)."""
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - moment) > MAX_SKEW_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, moment, body), signature)


def alert_payload(alert: Alert, event: str) -> dict[str, Any]:
    def stamp(value: datetime | None) -> str | None:
        return value.astimezone(UTC).isoformat() if value is not None else None

    return {
        "event": f"alert.{event}",
        "alert": {
            "alert_id": alert.alert_id,
            "provider_id": alert.provider_id,
            "product_id": alert.product_id,
            "alert_type": alert.alert_type,
            "severity": alert.severity,
            "status": alert.status,
            "opened_at": stamp(alert.opened_at),
            "resolved_at": stamp(alert.resolved_at),
            "first_window_start": stamp(alert.first_window_start),
            "last_window_start": stamp(alert.last_window_start),
            "message": alert.message,
            "details": alert.details,
            "transaction_id": alert.transaction_id,
        },
    }


class RetryableResponse(Exception):
    """A 5xx or 429 answer: worth another try."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


@dataclass(frozen=True)
class Attempted:
    status: str  # delivered | failed
    attempts: int
    response_status: int | None
    error: str | None


def post_signed(
    client: httpx.Client, url: str, body: bytes, headers: dict[str, str], settings: Settings
) -> Attempted:
    attempts = 0
    last_status: int | None = None
    retrying = Retrying(
        stop=stop_after_attempt(settings.webhook_retry_attempts),
        wait=wait_exponential(multiplier=settings.webhook_retry_wait_s, max=30),
        retry=retry_if_exception_type((httpx.TransportError, RetryableResponse)),
        reraise=False,
    )
    try:
        for attempt in retrying:
            with attempt:
                attempts += 1
                response = client.post(url, content=body, headers=headers)
                last_status = response.status_code
                if response.status_code >= 500 or response.status_code == 429:
                    raise RetryableResponse(response.status_code)
                if response.status_code >= 400:
                    return Attempted("failed", attempts, last_status, f"HTTP {last_status}")
    except RetryError as error:
        cause = error.last_attempt.exception()
        return Attempted("failed", attempts, last_status, f"{type(cause).__name__}: {cause}")
    return Attempted("delivered", attempts, last_status, None)


class AlertDelivery:
    """``deliver(engine, [(alert_id, "opened"|"resolved"), ...])`` after a batch commits."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=settings.webhook_timeout_seconds)

    def __call__(self, engine: Engine, changed: Sequence[tuple[int, str]]) -> None:
        for alert_id, event in changed:
            with transaction(engine) as session:
                alert = session.get(Alert, alert_id)
                if alert is None:
                    continue
                payload = alert_payload(alert, event)
                hooks = session.scalars(
                    select(Webhook).where(
                        Webhook.provider_id == alert.provider_id, Webhook.removed_at.is_(None)
                    )
                ).all()
                done = set(
                    session.scalars(
                        select(WebhookDelivery.webhook_id).where(
                            WebhookDelivery.alert_id == alert_id, WebhookDelivery.event == event
                        )
                    )
                )
                pending = [
                    (h.webhook_id, h.url, h.secret) for h in hooks if h.webhook_id not in done
                ]
            body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
            for webhook_id, url, secret in pending:
                self._send(engine, webhook_id, url, secret, alert_id, event, body)
            self._publish(payload, body)

    def _send(self, engine: Engine, webhook_id: int, url: str, secret: str, alert_id: int,
              event: str, body: bytes) -> None:  # fmt: skip
        timestamp = int(time.time())
        signature = sign(secret, timestamp, body)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature,
            TIMESTAMP_HEADER: str(timestamp),
            EVENT_HEADER: f"alert.{event}",
            DELIVERY_HEADER: f"{alert_id}:{event}",
        }
        outcome = post_signed(self.client, url, body, headers, self.settings)
        log.info("webhook_delivery", webhook_id=webhook_id, alert_id=alert_id, alert_event=event,
                 status=outcome.status, attempts=outcome.attempts)  # fmt: skip
        with transaction(engine) as session:
            session.add(
                WebhookDelivery(
                    webhook_id=webhook_id,
                    alert_id=alert_id,
                    event=event,
                    status=outcome.status,
                    attempts=outcome.attempts,
                    response_status=outcome.response_status,
                    error=outcome.error,
                    signature=signature,
                    delivered_at=datetime.now(UTC),
                )
            )

    def _publish(self, payload: dict[str, Any], body: bytes) -> None:
        topic = self.settings.alerts_topic_arn
        if not topic:
            return
        alert = payload["alert"]
        AwsConfig.from_settings(self.settings).client("sns").publish(
            TopicArn=topic,
            Subject=f"PuntoRed alert: {alert['alert_type']} ({alert['provider_id']})"[:100],
            Message=body.decode(),
            MessageAttributes={
                name: {"DataType": "String", "StringValue": str(alert[name])}
                for name in ("provider_id", "alert_type", "severity", "status")
            },
        )
