"""Fixtures of the API tests: the app on a migrated, seeded serving database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api_seed import ApiEnv, build_env


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    """The app on a freshly migrated and seeded serving database (SQLite and PostgreSQL)."""
    yield from build_env(database_url, tmp_path / "data")
