"""Debian's Chromium for the browser tests: CI fails without it, elsewhere the test skips."""

from __future__ import annotations

import os

import pytest

from puntored.api.portal.screenshots import CHROMIUM


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: apt-get install -y chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
