"""Fixtures of the API tests: the app on a migrated, seeded serving database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from puntored.api.portal.screenshots import chromium
from tests.support.api_seed import ApiEnv, build_env
from tests.support.chromium import require_chromium
from tests.support.portal_env import PortalEnv, portal_env


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    """The app on a freshly migrated and seeded serving database (SQLite and PostgreSQL)."""
    yield from build_env(database_url, tmp_path / "data")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole run."""
    require_chromium()
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalEnv]:
    """The seeded API with reports, served by uvicorn on a free port (one per test module)."""
    yield from portal_env(tmp_path_factory.mktemp("portal"))
