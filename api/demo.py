"""What ``make demo`` ends with: a fresh demo key and a working example request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from puntored.api.auth.manage import create_api_key
from puntored.settings import Settings


@dataclass(frozen=True)
class DemoAccess:
    key: str
    provider_id: str
    example: str


def demo_access(
    settings: Settings, provider_id: str, day: date, host: str = "127.0.0.1", port: int = 8000
) -> DemoAccess:
    """Create a key for ``provider_id`` and the curl line that reads its last week to ``day``."""
    created = create_api_key(settings, provider_id, name="demo")
    start = day - timedelta(days=6)
    url = f"http://{host}:{port}/v1/providers/{provider_id}/metrics/daily?from={start}&to={day}"
    example = f"curl -s -H 'X-API-Key: {created.key}' '{url}'"
    return DemoAccess(key=created.key, provider_id=provider_id, example=example)
