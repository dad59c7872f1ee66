"""Debian's Chromium for the browser tests: CI fails without it, elsewhere the test skips;
and a watch on requests that leave the app."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import BrowserContext

from puntored.api.portal.screenshots import CHROMIUM


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: apt-get install -y chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def outside_requests(context: BrowserContext, base_url: str) -> list[str]:
    """The URLs of every request the context makes outside the app (filled as they happen)."""
    local = (base_url, f"blob:{base_url}", "data:")
    foreign: list[str] = []
    context.on("request", lambda r: None if r.url.startswith(local) else foreign.append(r.url))
    return foreign
