"""Per-provider webhooks: register (a fresh secret, shown once), list, remove.

Only ``https://`` URLs are accepted, except plain ``http://`` to a loopback address
(127.0.0.1, ::1, localhost) for a receiver on the same machine (tests, local development).
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import select

from puntored.database.engine import make_engine, transaction
from puntored.database.models import Webhook
from puntored.errors import PuntoredError
from puntored.settings import Settings


class WebhookError(PuntoredError):
    """A webhook that cannot be registered or found; the message says why."""


@dataclass(frozen=True)
class WebhookInfo:
    webhook_id: int
    provider_id: str
    url: str
    created_at: datetime
    removed_at: datetime | None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.hostname:
        raise WebhookError(f"webhook URL has no host: {url!r}")
    if parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname)):
        return url
    raise WebhookError(f"webhook URL must be https:// (plain http only to 127.0.0.1): {url!r}")


def _info(hook: Webhook) -> WebhookInfo:
    return WebhookInfo(hook.webhook_id, hook.provider_id, hook.url, hook.created_at,
                       hook.removed_at)  # fmt: skip


def add_webhook(settings: Settings, provider_id: str, url: str) -> tuple[WebhookInfo, str]:
    """Register ``url`` for ``provider_id``; returns it with its signing secret (shown once)."""
    check_url(url)
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    engine = make_engine(settings.serving_database_url)
    try:
        with transaction(engine) as session:
            hook = Webhook(provider_id=provider_id, url=url, secret=secret,
                           created_at=datetime.now(UTC))  # fmt: skip
            session.add(hook)
            session.flush()
            return _info(hook), secret
    finally:
        engine.dispose()


def list_webhooks(settings: Settings, provider_id: str | None = None) -> list[WebhookInfo]:
    engine = make_engine(settings.serving_database_url)
    try:
        with transaction(engine) as session:
            query = select(Webhook).order_by(Webhook.webhook_id)
            if provider_id is not None:
                query = query.where(Webhook.provider_id == provider_id)
            return [_info(hook) for hook in session.scalars(query)]
    finally:
        engine.dispose()


def remove_webhook(settings: Settings, webhook_id: int) -> WebhookInfo:
    """Stop delivering to a webhook (its delivery log is kept)."""
    engine = make_engine(settings.serving_database_url)
    try:
        with transaction(engine) as session:
            hook = session.get(Webhook, webhook_id)
            if hook is None or hook.removed_at is not None:
                raise WebhookError(f"no active webhook with id {webhook_id}")
            hook.removed_at = datetime.now(UTC)
            return _info(hook)
    finally:
        engine.dispose()
